/**
 * @module metrics/analytics-engine
 * Workers Analytics Engine data points (the edge's export; docs/operations.md#metrics). Each
 * changed series becomes one data point: index = metric name; blobs = metric name, region,
 * component, the labels as `k=v` joined by `,`; doubles = change in value (or observation
 * count), sum of observations (histograms), and each bucket's count. A query sums `double1`
 * by blob, weighting by `_sample_interval`. At most `maxPoints` are written per flush (the
 * runtime caps writes per invocation); the rest are counted as dropped. Pure.
 */
import type { MetricsSnapshot } from './snapshot'

/** The part of an Analytics Engine dataset binding the edge uses. */
export interface AnalyticsDataset {
  writeDataPoint(point: { indexes?: string[]; blobs?: string[]; doubles?: number[] }): void
}

export interface AnalyticsPoint {
  indexes: string[]
  blobs: string[]
  doubles: number[]
}

/** Data points for the changes in `delta`, at most `maxPoints`, and how many were left out. */
export function toAnalyticsPoints(
  delta: MetricsSnapshot,
  ctx: { region: string; component: string; maxPoints: number }
): { points: AnalyticsPoint[]; dropped: number } {
  const points: AnalyticsPoint[] = []
  let dropped = 0
  for (const f of delta.families)
    for (const s of f.series) {
      if (points.length >= ctx.maxPoints) {
        dropped++
        continue
      }
      const labels = Object.entries(s.labels)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => `${k}=${v}`)
        .join(',')
      const blobs = [f.name, ctx.region, ctx.component, labels]
      const doubles = 'value' in s ? [s.value] : [s.count, s.sum, ...s.counts]
      points.push({ indexes: [f.name], blobs, doubles })
    }
  return { points, dropped }
}
