/**
 * @module sprout/routing/routing-stats
 * What each routed request cost in store round trips (architecture §8: an on-net INVITE through
 * the core ≤ 3 sequential), kept per isolate in a small ring for `GET /routing/transactions`, the
 * tests and the benchmark. Sprout's own Vellum calls are counted by the request's RoundTrips;
 * Homestead's reads happen inside Dime, which reports them in `x-edgewater-round-trips`, and
 * run in parallel with Sprout's first level, so the sequential total through the core is
 * Sprout's depth with its first level widened to Dime's depth.
 */

import type { RoundTripSnapshot } from '../../../shared/vellum'
import { createStatRing, type StatFilter } from '../stat-ring'

export interface RoutingStat {
  method: string
  callId: string
  cseq: number
  /** What the invocation did: forwarded the request, answered it, or handled a response. */
  what: 'forward' | 'answer' | 'response' | 'cancel' | 'timer' | 'in-dialog'
  status: number
  sproutDepth: number
  dimeDepth: number
  /** Sequential store round trips through the core (see the module note). */
  depth: number
  calls: number
  byStore: RoundTripSnapshot['byStore']
  ms: number
  at: number
}

const ring = createStatRing<RoutingStat>()

export function recordRouting(s: RoutingStat): void {
  ring.record(s)
}

export function findRouting(filter: StatFilter): RoutingStat[] {
  return ring.find(filter)
}

/** Dime's round trips of this request, taken from its answers' headers. */
export class DimeCost {
  depth = 0
  calls = 0

  note(header: string | null): void {
    if (!header) return
    const depth = /depth=(\d+)/.exec(header)
    const calls = /calls=(\d+)/.exec(header)
    if (depth) this.depth = Math.max(this.depth, Number(depth[1]))
    if (calls) this.calls += Number(calls[1])
  }
}

/** Sequential round trips through the core: Dime's depth runs beside Sprout's first level. */
export const combinedDepth = (sproutDepth: number, dimeDepth: number): number =>
  sproutDepth === 0 ? dimeDepth : sproutDepth - 1 + Math.max(1, dimeDepth)
