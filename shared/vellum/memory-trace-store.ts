/**
 * @module vellum/memory-trace-store
 * The trace store over the in-memory global table, for unit tests of the tracing hops and the
 * ops API (the same item design as production, trace-store.ts).
 */
import type { Clock } from '../config/clock'
import { systemClock } from '../config/clock'
import { MemoryGlobalTable } from './memory-table'
import { TableTraceStore } from './trace-store'

export function memoryTraceStore(clock: Clock = systemClock): TableTraceStore {
  return new TableTraceStore(new MemoryGlobalTable(clock), clock)
}
