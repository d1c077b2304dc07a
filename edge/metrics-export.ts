/**
 * @module edge/metrics-export
 * The edge's metrics (docs/operations.md#metrics). The worker and its flow objects record into
 * the isolate's registry (shared/metrics/isolate.ts); two ways out:
 *
 * - Workers Analytics Engine: when the optional `METRICS` dataset binding is set, what changed
 *   is written as data points at most once per `METRICS_FLUSH_SECONDS` (default 10) per isolate,
 *   at most `METRICS_MAX_POINTS` (default 20) per flush, after the response (`waitUntil`), so
 *   no request waits on it and no store is touched;
 * - `GET /internal/metrics`, signed like every internal request (architecture §3): the isolate's
 *   snapshot as JSON with `region` (the edge's `HOME_REGION`) and `component: edge` labels, for
 *   the local cloud's control port, which sums every component of both regions.
 */
import type { Context } from 'hono'
import { z } from 'zod'
import { verifySignature } from '../shared/hop/signature'
import { toAnalyticsPoints } from '../shared/metrics/analytics-engine'
import { createDeltaFlusher } from '../shared/metrics/flush'
import { isolateRegistry } from '../shared/metrics/isolate'
import { withLabels } from '../shared/metrics/snapshot'
import { edgeConfig } from './edge-config'
import type { EdgeEnv } from './env'

export const DEFAULT_METRICS_FLUSH_SECONDS = 10
export const DEFAULT_METRICS_MAX_POINTS = 20

const settingsSchema = z.object({
  METRICS_FLUSH_SECONDS: z.coerce.number().positive().default(DEFAULT_METRICS_FLUSH_SECONDS),
  METRICS_MAX_POINTS: z.coerce.number().int().min(1).max(250).default(DEFAULT_METRICS_MAX_POINTS),
})

const flusher = createDeltaFlusher(isolateRegistry)
let lastFlushMs = 0
let dropped = 0

/**
 * Writes what changed to the Analytics Engine dataset when one is bound and the flush interval
 * has passed; `now` is the clock (injectable). Returns the number of points written.
 */
export function flushEdgeMetrics(env: EdgeEnv, now = Date.now()): number {
  const dataset = env.METRICS
  if (!dataset) return 0
  const s = settingsSchema.parse({
    METRICS_FLUSH_SECONDS: env.METRICS_FLUSH_SECONDS || undefined,
    METRICS_MAX_POINTS: env.METRICS_MAX_POINTS || undefined,
  })
  if (now - lastFlushMs < s.METRICS_FLUSH_SECONDS * 1000) return 0
  lastFlushMs = now
  const out = toAnalyticsPoints(flusher.take(), {
    region: env.HOME_REGION,
    component: 'edge',
    maxPoints: s.METRICS_MAX_POINTS,
  })
  dropped += out.dropped
  for (const p of out.points) dataset.writeDataPoint(p)
  return out.points.length
}

/** Series left out of Analytics Engine flushes by the per-flush cap, since the isolate began. */
export function droppedPoints(): number {
  return dropped
}

/** `GET /internal/metrics`: the isolate's labelled snapshot, for signed callers only. */
export async function edgeMetricsRoute(c: Context<{ Bindings: EdgeEnv }>): Promise<Response> {
  const cfg = edgeConfig(c.env)
  const v = await verifySignature(
    cfg.hopSecret,
    c.req.method,
    c.req.url,
    c.req.raw.headers,
    new Uint8Array()
  )
  if (!v.ok) return c.json({ error: 'forbidden', reason: v.reason }, 401)
  return c.json(
    withLabels(isolateRegistry.snapshot(), { region: c.env.HOME_REGION, component: 'edge' })
  )
}
