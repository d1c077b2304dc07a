/**
 * @module metrics/emf
 * CloudWatch Embedded Metric Format lines (the Lambdas' export; docs/operations.md#metrics).
 * Each changed series becomes one JSON line in namespace {@link EMF_NAMESPACE} with two
 * dimension sets, `[Region]` and `[Region, <labels>]`, so alarms read the per-region total and
 * dashboards can split by label. Counters and gauges carry their change since the last flush;
 * a histogram carries its observations as an array of bucket values (each bucket's midpoint,
 * the last bound for the overflow bucket), at most {@link EMF_MAX_VALUES} per line, so
 * CloudWatch computes percentiles at bucket resolution. Pure: the timestamp is passed in.
 */
import type { MetricsSnapshot } from './snapshot'

export const EMF_NAMESPACE = 'Edgewater'
/** CloudWatch accepts up to 100 values for one metric in one EMF document. */
export const EMF_MAX_VALUES = 100

function capitalised(label: string): string {
  return label.charAt(0).toUpperCase() + label.slice(1)
}

/** EMF documents (one JSON text each) for the changes in `delta`. */
export function toEmfLines(
  delta: MetricsSnapshot,
  ctx: { region: string; component: string; timestamp: number; namespace?: string }
): string[] {
  const out: string[] = []
  const namespace = ctx.namespace ?? EMF_NAMESPACE
  for (const f of delta.families) {
    const unit = f.type === 'histogram' ? 'Milliseconds' : 'Count'
    for (const s of f.series) {
      const dims = Object.keys(s.labels)
        .filter((k) => s.labels[k] !== '')
        .sort()
      const labelProps = Object.fromEntries(dims.map((k) => [capitalised(k), s.labels[k]]))
      const dimensionSets = [['Region']]
      if (dims.length > 0) dimensionSets.push(['Region', ...dims.map(capitalised)])
      const doc = (value: number | number[]) =>
        JSON.stringify({
          _aws: {
            Timestamp: ctx.timestamp,
            CloudWatchMetrics: [
              {
                Namespace: namespace,
                Dimensions: dimensionSets,
                Metrics: [{ Name: f.name, Unit: unit }],
              },
            ],
          },
          Region: ctx.region,
          Component: ctx.component,
          ...labelProps,
          [f.name]: value,
        })
      if ('value' in s) {
        out.push(doc(s.value))
        continue
      }
      if (f.type !== 'histogram') continue
      const values: number[] = []
      s.counts.forEach((c, i) => {
        const upper = f.buckets[i]
        const lower = i === 0 ? 0 : (f.buckets[i - 1] as number)
        const v = upper === undefined ? lower : (lower + upper) / 2
        for (let n = 0; n < c; n++) values.push(v)
      })
      for (let i = 0; i < values.length; i += EMF_MAX_VALUES)
        out.push(doc(values.slice(i, i + EMF_MAX_VALUES)))
    }
  }
  return out
}
