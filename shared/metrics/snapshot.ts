/**
 * @module metrics/snapshot
 * The plain form of a registry's metrics (JSON on the wire between a component's `GET /metrics`
 * and whoever collects it), and the arithmetic on it: {@link sumSnapshots} adds the snapshots of
 * several isolates or regions series by series, {@link diffSnapshots} gives what changed since
 * an earlier snapshot (what an exporter flushes), {@link withLabels} tags every series (region,
 * component), {@link quantile} estimates a percentile from histogram buckets. Pure.
 */

export interface ValueSeries {
  labels: Record<string, string>
  value: number
}

export interface HistogramSeries {
  labels: Record<string, string>
  /** Observations per bucket; the last is the +Inf bucket (not cumulative). */
  counts: number[]
  sum: number
  count: number
}

export type MetricFamily =
  | { name: string; help: string; type: 'counter' | 'gauge'; series: ValueSeries[] }
  | {
      name: string
      help: string
      type: 'histogram'
      unit: 'ms'
      buckets: number[]
      series: HistogramSeries[]
    }

export interface MetricsSnapshot {
  families: MetricFamily[]
}

function key(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))
}

/** Every series of `snap` with `labels` added (replacing labels of the same name). */
export function withLabels(snap: MetricsSnapshot, labels: Record<string, string>): MetricsSnapshot {
  return {
    families: snap.families.map(
      (f) =>
        ({
          ...f,
          series: f.series.map((s) => ({ ...s, labels: { ...s.labels, ...labels } })),
        }) as MetricFamily
    ),
  }
}

/** The series-by-series sum of `snaps` (histograms of one name must share their buckets). */
export function sumSnapshots(snaps: readonly MetricsSnapshot[]): MetricsSnapshot {
  const out = new Map<string, MetricFamily>()
  const index = new Map<string, Map<string, ValueSeries | HistogramSeries>>()
  for (const snap of snaps)
    for (const f of snap.families) {
      let fam = out.get(f.name)
      if (!fam) {
        fam = { ...f, series: [] } as MetricFamily
        out.set(f.name, fam)
        index.set(f.name, new Map())
      }
      if (fam.type !== f.type) continue
      const idx = index.get(f.name) as Map<string, ValueSeries | HistogramSeries>
      for (const s of f.series) {
        const k = key(s.labels)
        const have = idx.get(k)
        if (!have) {
          const copy =
            'counts' in s ? { ...s, labels: { ...s.labels }, counts: [...s.counts] } : { ...s }
          idx.set(k, copy)
          ;(fam.series as (ValueSeries | HistogramSeries)[]).push(copy)
        } else if ('counts' in have && 'counts' in s) {
          if (have.counts.length !== s.counts.length) continue
          for (let i = 0; i < s.counts.length; i++)
            have.counts[i] = (have.counts[i] ?? 0) + (s.counts[i] ?? 0)
          have.sum += s.sum
          have.count += s.count
        } else if ('value' in have && 'value' in s) have.value += s.value
      }
    }
  return { families: [...out.values()] }
}

/**
 * What changed from `before` to `after`: counters and histograms as increments, gauges as their
 * change too (so summing deltas from many isolates gives the total). Series that did not change
 * are left out; a series that went down (an isolate restarted) counts from zero.
 */
export function diffSnapshots(before: MetricsSnapshot, after: MetricsSnapshot): MetricsSnapshot {
  const prev = new Map<string, ValueSeries | HistogramSeries>()
  for (const f of before.families) for (const s of f.series) prev.set(f.name + key(s.labels), s)
  const families: MetricFamily[] = []
  for (const f of after.families) {
    const series: (ValueSeries | HistogramSeries)[] = []
    for (const s of f.series) {
      const p = prev.get(f.name + key(s.labels))
      if ('counts' in s) {
        const ph = p && 'counts' in p && p.count <= s.count ? p : undefined
        const count = s.count - (ph?.count ?? 0)
        if (count === 0) continue
        series.push({
          labels: { ...s.labels },
          counts: s.counts.map((c, i) => c - (ph?.counts[i] ?? 0)),
          sum: s.sum - (ph?.sum ?? 0),
          count,
        })
      } else {
        const pv = p && 'value' in p ? p.value : 0
        const delta = f.type === 'counter' && s.value < pv ? s.value : s.value - pv
        if (delta !== 0) series.push({ labels: { ...s.labels }, value: delta })
      }
    }
    if (series.length > 0) families.push({ ...f, series } as MetricFamily)
  }
  return { families }
}

/**
 * The `q` quantile (0–1) of a histogram series, by linear interpolation inside the bucket it
 * falls in (as Prometheus's histogram_quantile); the +Inf bucket answers the largest bound.
 * Undefined for an empty series.
 */
export function quantile(
  buckets: readonly number[],
  s: Pick<HistogramSeries, 'counts' | 'count'>,
  q: number
): number | undefined {
  if (s.count === 0) return undefined
  const rank = q * s.count
  let seen = 0
  for (let i = 0; i < s.counts.length; i++) {
    const c = s.counts[i] ?? 0
    if (c > 0 && seen + c >= rank) {
      const upper = buckets[i]
      if (upper === undefined) return buckets[buckets.length - 1]
      const lower = i === 0 ? 0 : (buckets[i - 1] as number)
      return lower + ((upper - lower) * (rank - seen)) / c
    }
    seen += c
  }
  return buckets[buckets.length - 1]
}

/** One family of a snapshot by name. */
export function family(snap: MetricsSnapshot, name: string): MetricFamily | undefined {
  return snap.families.find((f) => f.name === name)
}

/** The sum of a counter's or gauge's series whose labels include `match`. */
export function total(
  snap: MetricsSnapshot,
  name: string,
  match: Record<string, string> = {}
): number {
  const f = family(snap, name)
  if (!f) return 0
  let n = 0
  for (const s of f.series) {
    if (!Object.entries(match).every(([k, v]) => s.labels[k] === v)) continue
    n += 'value' in s ? s.value : s.count
  }
  return n
}
