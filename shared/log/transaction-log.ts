/**
 * @module log/transaction-log
 * One structured line per SIP transaction per component (docs/operations.md#logs), written when
 * the component sends the transaction's final response: `msg: "sip transaction"` with Call-ID,
 * CSeq number, method, final status, the flow the answer goes to (when it goes to the edge), the
 * handling time in ms (when this isolate saw the request arrive), plus the component and region
 * every line of the logger carries. Find a call's lines by `callId`.
 *
 * The request's arrival is remembered per isolate in a bounded map (oldest first out), so a final
 * answered by another instance (a Lambda's later invocation elsewhere) logs without `ms`.
 */
import type { Logger } from './logger'

export const TRANSACTION_MSG = 'sip transaction'
/** Requests whose arrival one isolate remembers for the `ms` field. */
export const DEFAULT_PENDING_CAPACITY = 4_096

export interface TransactionLine {
  callId: string
  cseq: number
  method: string
  status: number
  flow?: string | undefined
  ms?: number | undefined
}

/** Arrival times of requests, bounded; keyed by Call-ID, CSeq and method. */
export class PendingTransactions {
  private readonly started = new Map<string, number>()
  constructor(private readonly capacity = DEFAULT_PENDING_CAPACITY) {}

  private static key(callId: string, cseq: number, method: string): string {
    return `${callId}\u0000${cseq}\u0000${method}`
  }

  arrived(callId: string, cseq: number, method: string, at: number): void {
    const k = PendingTransactions.key(callId, cseq, method)
    if (this.started.has(k)) return
    if (this.started.size >= this.capacity) {
      const oldest = this.started.keys().next().value
      if (oldest !== undefined) this.started.delete(oldest)
    }
    this.started.set(k, at)
  }

  /** Milliseconds since the request arrived, once; undefined when unknown. */
  finished(callId: string, cseq: number, method: string, at: number): number | undefined {
    const k = PendingTransactions.key(callId, cseq, method)
    const t = this.started.get(k)
    if (t === undefined) return undefined
    this.started.delete(k)
    return at - t
  }

  get size(): number {
    return this.started.size
  }
}

/** Writes the transaction's line at info level. */
export function logTransaction(log: Logger, line: TransactionLine): void {
  log.info(TRANSACTION_MSG, {
    callId: line.callId,
    cseq: line.cseq,
    method: line.method,
    status: line.status,
    ...(line.flow ? { flow: line.flow } : {}),
    ...(line.ms !== undefined ? { ms: line.ms } : {}),
  })
}
