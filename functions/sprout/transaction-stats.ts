/**
 * @module sprout/transaction-stats
 * What each SIP transaction cost in store round trips up to its answer (architecture §8 budgets),
 * kept per isolate in a small ring for the admin API, tests and the benchmark: method, Call-ID,
 * CSeq, the status sent, the sequential depth and call count of Vellum round trips at the moment
 * the final response left, and the handling time.
 */

import type { RoundTripSnapshot } from '../../shared/vellum'
import { createStatRing, type StatFilter } from './stat-ring'

export interface TransactionStat {
  method: string
  callId: string
  cseq: number
  status: number
  /** Sequential store round trips before the answer. */
  depth: number
  calls: number
  byStore: RoundTripSnapshot['byStore']
  /** Each call: store, operation and the sequential level it ran at. */
  trace: string[]
  ms: number
  at: number
}

const ring = createStatRing<TransactionStat>()

export function recordTransaction(s: TransactionStat): void {
  ring.record(s)
}

export function findTransactions(filter: StatFilter): TransactionStat[] {
  return ring.find(filter)
}
