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
import { MemoryRegionalKv } from './memory-kv'
import { MemoryGlobalTable } from './memory-table'
import { MemoryTimerService } from './memory-timers'
import { RoundTrips, type StoreKind } from './round-trips'
import type { Vellum } from './vellum'

export * from './errors'
export { createVellum, kvCountersFor, type VellumOptions, vellumFor } from './factory'
export * from './global-table'
export * as keys from './keys'
export { MemoryRegionalKv, type MemoryScript } from './memory-kv'
export { MemoryGlobalTable } from './memory-table'
export { MemoryTimerService, type TimerPop } from './memory-timers'
export * from './record-map'
export * from './regional-kv'
export * from './round-trips'
export * from './timer-service'

export type { Vellum } from './vellum'

export interface MemoryVellum extends Vellum {
  table: MemoryGlobalTable
  kv: MemoryRegionalKv
  timers: MemoryTimerService
}

/**
 * Wraps the interface methods of a memory adapter so each call is counted like a store round
 * trip (test helpers such as `raw` or `takeDue` are not counted).
 */
function counted<T extends object>(
  target: T,
  store: StoreKind,
  methods: readonly string[],
  rt: RoundTrips
): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const v = Reflect.get(t, prop, receiver) as unknown
      if (typeof v !== 'function' || typeof prop !== 'string' || !methods.includes(prop)) return v
      return (...args: unknown[]) =>
        rt.track(store, prop, () => (v as (...a: unknown[]) => Promise<unknown>).apply(t, args))
    },
  })
}

const TABLE_METHODS = ['get', 'put', 'delete', 'update', 'query', 'transact'] as const
const KV_METHODS = [
  'hsetIfNewer',
  'hsetManyIfNewer',
  'hgetLive',
  'hdelIfCseq',
  'readMap',
  'mergeMap',
  'get',
  'set',
  'del',
  'incr',
  'evalLocal',
] as const
const TIMER_METHODS = ['set', 'update', 'delete'] as const

/**
 * In-memory adapters of every interface, sharing one clock (unit tests). Their calls are
 * counted in `roundTrips` like the production adapters' (the KV as `kv-local`), so a unit test
 * can check a handler's sequential store depth.
 */
export function memoryVellum(
  clock: Clock = systemClock,
  roundTrips = new RoundTrips()
): MemoryVellum {
  return {
    table: counted(new MemoryGlobalTable(clock), 'table', TABLE_METHODS, roundTrips),
    kv: counted(new MemoryRegionalKv(clock), 'kv-local', KV_METHODS, roundTrips),
    timers: counted(new MemoryTimerService(clock), 'timers', TIMER_METHODS, roundTrips),
    roundTrips,
  }
}
