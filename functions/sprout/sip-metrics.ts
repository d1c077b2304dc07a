/**
 * @module sprout/sip-metrics
 * What Sprout counts and logs per SIP transaction (docs/operations.md#metrics, #logs): each
 * request's arrival ({@link noteSipRequest}) and each final response it sends
 * ({@link noteFinalResponse}): one transaction line (shared/log/transaction-log.ts), the
 * transactions counter by method and class, and, for an INVITE's final going back to the
 * caller's flow at the edge, the INVITE outcome by class. Call setup time is observed where the
 * 2xx is relayed (routing/responses.ts), from the transaction record's start.
 */
import { EDGE_HOST, FLOW_VIA_PARAM } from '../../shared/hop/internal-addresses'
import type { Logger } from '../../shared/log/logger'
import { logTransaction, PendingTransactions } from '../../shared/log/transaction-log'
import { statusClass } from '../../shared/metrics/catalogue'
import { metrics } from '../../shared/metrics/isolate'
import type { SipMessage, SipResponse } from '../../shared/sip'
import { getParam } from '../../shared/sip/params'

const pending = new PendingTransactions()

/** A message arrived at `POST /sip`: remember a request's arrival (ACKs have no answer). */
export function noteSipRequest(msg: SipMessage, now = Date.now()): void {
  if (msg.kind !== 'request' || msg.method === 'ACK') return
  pending.arrived(msg.callId, msg.cseq.seq, msg.method, now)
}

/** Sprout sends `res`: a final one is counted and logged. */
export function noteFinalResponse(res: SipResponse, log: Logger, now = Date.now()): void {
  if (res.status < 200) return
  const method = res.cseq.method
  const cls = statusClass(res.status)
  const via = res.topVia
  const toEdge = via.host.toLowerCase() === EDGE_HOST
  metrics.transactions.inc({ method, class: cls })
  if (method === 'INVITE' && toEdge) metrics.inviteOutcomes.inc({ class: cls })
  logTransaction(log, {
    callId: res.callId,
    cseq: res.cseq.seq,
    method,
    status: res.status,
    flow: toEdge ? (getParam(via.params, FLOW_VIA_PARAM) ?? undefined) : undefined,
    ms: pending.finished(res.callId, res.cseq.seq, method, now),
  })
}
