/**
 * @module vellum/round-trips
 * Counts the store round trips of one request (architecture §4, budgets §8): how many calls
 * were made and their sequential depth, i.e. the longest chain of calls each of which started
 * only after the previous one had answered. Calls made in parallel share one level. Every Vellum
 * adapter wraps each store call in {@link RoundTrips.track}; tests and benchmarks read
 * {@link RoundTrips.snapshot} to state, for example, that a re-REGISTER costs ≤ 2 sequential.
 *
 * Depth is exact for any interleaving: a call's level is one more than the deepest call that
 * had already finished when it started.
 */
export type StoreKind =
  | 'table'
  | 'kv-local'
  | 'kv-remote'
  | 'scheduler-local'
  | 'scheduler-remote'
  | 'edge'
  /** The in-memory timer service (unit tests). */
  | 'timers'

export interface RoundTripRecord {
  store: StoreKind
  op: string
  level: number
  ms: number
  ok: boolean
}

export interface RoundTripSnapshot {
  /** Store calls made. */
  calls: number
  /** Longest sequential chain of calls. */
  depth: number
  /** Calls per store. */
  byStore: Partial<Record<StoreKind, number>>
  records: RoundTripRecord[]
}

export class RoundTrips {
  private finishedDepth = 0
  private maxDepth = 0
  private callCount = 0
  private readonly perStore: Partial<Record<StoreKind, number>> = {}
  private readonly records: RoundTripRecord[] = []

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Runs one store call, recording it at the right level. */
  async track<T>(store: StoreKind, op: string, call: () => Promise<T>): Promise<T> {
    const level = this.finishedDepth + 1
    this.callCount++
    this.perStore[store] = (this.perStore[store] ?? 0) + 1
    if (level > this.maxDepth) this.maxDepth = level
    const t0 = this.now()
    let ok = false
    try {
      const out = await call()
      ok = true
      return out
    } finally {
      if (level > this.finishedDepth) this.finishedDepth = level
      if (this.records.length < 1_000)
        this.records.push({ store, op, level, ms: this.now() - t0, ok })
    }
  }

  snapshot(): RoundTripSnapshot {
    return {
      calls: this.callCount,
      depth: this.maxDepth,
      byStore: { ...this.perStore },
      records: [...this.records],
    }
  }

  /** Starts counting afresh (for a benchmark loop reusing one counter). */
  reset(): void {
    this.finishedDepth = 0
    this.maxDepth = 0
    this.callCount = 0
    for (const k of Object.keys(this.perStore)) delete this.perStore[k as StoreKind]
    this.records.length = 0
  }
}

/** A counter that counts nothing, for code paths outside a request (jobs, scripts). */
export function noRoundTrips(): RoundTrips {
  return new RoundTrips()
}
