/**
 * @module vellum
 * Vellum: the three storage roles behind small interfaces (architecture §4). Functions get a
 * {@link Vellum} from their composition root (`createVellum(c.get('services'))` once per request,
 * so its round-trip counter is per request) and never import an SDK. The production adapters
 * are DynamoGlobalTable (table-dynamo.ts), UpstashRegionalKv (kv-upstash.ts) and
 * TieredTimerService (timers-tiered.ts); unit tests of other modules use {@link memoryVellum}.
 */
import type { Clock } from '../config/clock'
import { systemClock } from '../config/clock'
import type { GlobalTable } from './global-table'
import { MemoryRegionalKv } from './memory-kv'
import { MemoryGlobalTable } from './memory-table'
import { MemoryTimerService } from './memory-timers'
import type { RegionalKv } from './regional-kv'
import { RoundTrips } from './round-trips'
import type { TimerService } from './timer-service'

export * from './errors'
export { createVellum, kvCountersFor, type VellumOptions, vellumFor } from './factory'
export * from './global-table'
export * as keys from './keys'
export { MemoryRegionalKv, type MemoryScript } from './memory-kv'
export { MemoryGlobalTable } from './memory-table'
export { MemoryTimerService, type TimerPop } from './memory-timers'
export * from './regional-kv'
export * from './round-trips'
export * from './timer-service'

export interface Vellum {
  table: GlobalTable
  kv: RegionalKv
  timers: TimerService
  /** This request's store round trips (calls and sequential depth). */
  roundTrips: RoundTrips
}

export interface MemoryVellum extends Vellum {
  table: MemoryGlobalTable
  kv: MemoryRegionalKv
  timers: MemoryTimerService
}

/** In-memory adapters of every interface, sharing one clock (unit tests). */
export function memoryVellum(clock: Clock = systemClock): MemoryVellum {
  return {
    table: new MemoryGlobalTable(clock),
    kv: new MemoryRegionalKv(clock),
    timers: new MemoryTimerService(clock),
    roundTrips: new RoundTrips(),
  }
}
