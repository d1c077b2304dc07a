/**
 * @module metrics/flush
 * Remembers what was last flushed so each flush sends only what changed since (the runtime
 * paths: EMF lines per Lambda invocation, Analytics Engine points per edge request). Not pure:
 * one flusher per registry per isolate.
 */
import type { MetricRegistry } from './registry'
import { diffSnapshots, type MetricsSnapshot } from './snapshot'

export interface DeltaFlusher {
  /** The changes since the previous call (everything on the first). */
  take(): MetricsSnapshot
}

export function createDeltaFlusher(registry: MetricRegistry): DeltaFlusher {
  let last: MetricsSnapshot = { families: [] }
  return {
    take() {
      const now = registry.snapshot()
      const delta = diffSnapshots(last, now)
      last = now
      return delta
    },
  }
}
