/**
 * @module sprout/stat-ring
 * A per-isolate ring of the last few cost records (transaction-stats.ts, routing/routing-stats.ts)
 * for the admin API, tests and the benchmark, searchable by Call-ID and method.
 */
import { detached } from '../../shared/sip/detached'

/** Records a ring keeps before dropping the oldest. */
export const STAT_RING_SIZE = 2_000
/** Records a search returns when it names no limit (the newest). */
export const STAT_FIND_LIMIT = 200

export interface StatFilter {
  callId?: string
  method?: string
  limit?: number
}

export interface StatRing<T> {
  record(s: T): void
  find(filter: StatFilter): T[]
}

export function createStatRing<T extends { callId: string; method: string }>(
  size = STAT_RING_SIZE
): StatRing<T> {
  const ring: T[] = []
  return {
    record(s) {
      // The Call-ID as a string of its own, not a slice that keeps the message alive.
      ring.push({ ...s, callId: detached(s.callId) })
      if (ring.length > size) ring.splice(0, ring.length - size)
    },
    find(filter) {
      return ring
        .filter(
          (s) =>
            (filter.callId === undefined || s.callId === filter.callId) &&
            (filter.method === undefined || s.method === filter.method)
        )
        .slice(-(filter.limit ?? STAT_FIND_LIMIT))
    },
  }
}
