/**
 * @module edge/flow-transactions
 * The edge's line per SIP transaction (docs/operations.md#logs): when a final response crosses the
 * flow, whichever side sent it — the core answering the client's request, the client answering
 * the core's, or the edge answering a request itself — one `sip transaction` line names the
 * Call-ID, CSeq, method, final status and flow, with the time since the request crossed the flow
 * when this object saw it (shared/log/transaction-log.ts). A 100 and other provisionals log
 * nothing, and an ACK has no transaction of its own (RFC 3261 §17.1.1.3).
 */
import type { Logger } from '../shared/log/logger'
import { logTransaction, PendingTransactions } from '../shared/log/transaction-log'
import type { SipRequest, SipResponse } from '../shared/sip/message'

/** Requests one flow object remembers for the `ms` field; a flow carries few at once. */
export const FLOW_PENDING_TRANSACTIONS = 64

export class FlowTransactions {
  private readonly pending = new PendingTransactions(FLOW_PENDING_TRANSACTIONS)

  constructor(
    private readonly log: Logger,
    private readonly flow: string
  ) {}

  /** A request crossed the flow, from the client or toward it. */
  request(req: SipRequest, at: number): void {
    if (req.method === 'ACK') return
    this.pending.arrived(req.callId, req.cseq.seq, req.method, at)
  }

  /** The edge answered a request itself (RFC 3261 §8.2.6), finally. */
  answered(req: SipRequest, status: number, at: number): void {
    if (req.method === 'ACK' || status < 200) return
    logTransaction(this.log, {
      callId: req.callId,
      cseq: req.cseq.seq,
      method: req.method,
      status,
      flow: this.flow,
      ms: this.pending.finished(req.callId, req.cseq.seq, req.method, at),
    })
  }

  /** A response crossed the flow; a final one ends its transaction's line. */
  response(res: SipResponse, at: number): void {
    if (res.status < 200) return
    const { seq, method } = res.cseq
    logTransaction(this.log, {
      callId: res.callId,
      cseq: seq,
      method,
      status: res.status,
      flow: this.flow,
      ms: this.pending.finished(res.callId, seq, method, at),
    })
  }
}
