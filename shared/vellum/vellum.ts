/**
 * @module vellum/vellum
 * The three storage roles a function gets from its composition root (architecture §4), and the
 * request's round-trip counter.
 */
import type { GlobalTable } from './global-table'
import type { RegionalKv } from './regional-kv'
import type { RoundTrips } from './round-trips'
import type { TimerService } from './timer-service'

export interface Vellum {
  table: GlobalTable
  kv: RegionalKv
  timers: TimerService
  /** This request's store round trips (calls and sequential depth). */
  roundTrips: RoundTrips
}
