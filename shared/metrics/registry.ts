/**
 * @module metrics/registry
 * Counters, gauges and histograms held in memory per isolate (docs/operations.md#metrics). Pure:
 * no I/O, no clock, no globals; the isolate's one registry is in isolate.ts. A metric is keyed
 * by its name and the values of its labels; {@link MetricRegistry.snapshot} copies every series
 * into a plain {@link MetricsSnapshot}, which snapshot.ts sums, subtracts and the exporters
 * (prometheus.ts, emf.ts, analytics-engine.ts) print. Recording costs no store operation.
 */
import type { HistogramSeries, MetricFamily, MetricsSnapshot, ValueSeries } from './snapshot'

export type Labels = Readonly<Record<string, string>>

export interface MetricDef<L extends string = string> {
  name: string
  help: string
  labels: readonly L[]
}

export interface HistogramDef<L extends string = string> extends MetricDef<L> {
  /** Upper bounds of the buckets, ascending (the +Inf bucket is implicit). */
  buckets: readonly number[]
  unit: 'ms'
}

/** Largest number of label combinations one metric keeps; more are folded into `other`. */
export const DEFAULT_MAX_SERIES = 200

function seriesKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))
}

abstract class Metric<L extends string, S> {
  protected readonly series = new Map<string, { labels: Labels; s: S }>()
  constructor(
    readonly def: MetricDef<L>,
    private readonly maxSeries: number
  ) {}

  /** The series key of label values in the metric's label order (length-prefixed: unambiguous). */
  private key(labels: Partial<Record<L, string>> | undefined): string {
    let key = ''
    for (const l of this.def.labels) {
      const v = labels?.[l] ?? ''
      key += `${v.length}:${v}`
    }
    return key
  }

  protected slot(labels: Partial<Record<L, string>> | undefined, fresh: () => S): S {
    let key = this.key(labels)
    let entry = this.series.get(key)
    if (!entry) {
      const clean: Record<string, string> = {}
      for (const l of this.def.labels) clean[l] = labels?.[l] ?? ''
      if (this.series.size >= this.maxSeries) {
        for (const l of this.def.labels) clean[l] = 'other'
        key = this.key(clean as Partial<Record<L, string>>)
        entry = this.series.get(key)
      }
      if (!entry) {
        entry = { labels: clean, s: fresh() }
        this.series.set(key, entry)
      }
    }
    return entry.s
  }
}

export class Counter<L extends string = string> extends Metric<L, { v: number }> {
  inc(labels?: Partial<Record<L, string>>, by = 1): void {
    if (!(by >= 0)) return
    this.slot(labels, () => ({ v: 0 })).v += by
  }
  family(): MetricFamily {
    const series: ValueSeries[] = [...this.series.values()].map((e) => ({
      labels: { ...e.labels },
      value: e.s.v,
    }))
    return { name: this.def.name, help: this.def.help, type: 'counter', series }
  }
}

export class Gauge<L extends string = string> extends Metric<L, { v: number }> {
  add(labels: Partial<Record<L, string>> | undefined, delta: number): void {
    if (Number.isFinite(delta)) this.slot(labels, () => ({ v: 0 })).v += delta
  }
  set(labels: Partial<Record<L, string>> | undefined, value: number): void {
    if (Number.isFinite(value)) this.slot(labels, () => ({ v: 0 })).v = value
  }
  family(): MetricFamily {
    const series: ValueSeries[] = [...this.series.values()].map((e) => ({
      labels: { ...e.labels },
      value: e.s.v,
    }))
    return { name: this.def.name, help: this.def.help, type: 'gauge', series }
  }
}

interface HistState {
  counts: number[]
  sum: number
  count: number
}

export class Histogram<L extends string = string> extends Metric<L, HistState> {
  constructor(
    readonly hdef: HistogramDef<L>,
    maxSeries: number
  ) {
    super(hdef, maxSeries)
  }
  observe(value: number, labels?: Partial<Record<L, string>>): void {
    if (!Number.isFinite(value) || value < 0) return
    const h = this.slot(labels, () => ({
      counts: new Array(this.hdef.buckets.length + 1).fill(0),
      sum: 0,
      count: 0,
    }))
    let i = 0
    while (i < this.hdef.buckets.length && value > (this.hdef.buckets[i] as number)) i++
    h.counts[i] = (h.counts[i] ?? 0) + 1
    h.sum += value
    h.count++
  }
  family(): MetricFamily {
    const series: HistogramSeries[] = [...this.series.values()].map((e) => ({
      labels: { ...e.labels },
      counts: [...e.s.counts],
      sum: e.s.sum,
      count: e.s.count,
    }))
    return {
      name: this.def.name,
      help: this.def.help,
      type: 'histogram',
      unit: this.hdef.unit,
      buckets: [...this.hdef.buckets],
      series,
    }
  }
}

/** Reads a counter's values when a snapshot is taken (counts kept elsewhere, e.g. Vellum's). */
export type CounterSource = () => Iterable<{ labels: Labels; value: number }>

/** The metrics of one isolate. */
export class MetricRegistry {
  private readonly metrics = new Map<string, Counter | Gauge | Histogram>()
  private readonly sources = new Map<string, { def: MetricDef; read: CounterSource[] }>()

  constructor(private readonly opts: { maxSeries?: number } = {}) {}

  private add<M extends Counter | Gauge | Histogram>(name: string, make: () => M): M {
    const have = this.metrics.get(name)
    if (have) return have as M
    const m = make()
    this.metrics.set(name, m)
    return m
  }

  counter<L extends string>(def: MetricDef<L>): Counter<L> {
    return this.add(def.name, () => new Counter(def, this.opts.maxSeries ?? DEFAULT_MAX_SERIES))
  }
  gauge<L extends string>(def: MetricDef<L>): Gauge<L> {
    return this.add(def.name, () => new Gauge(def, this.opts.maxSeries ?? DEFAULT_MAX_SERIES))
  }
  histogram<L extends string>(def: HistogramDef<L>): Histogram<L> {
    return this.add(def.name, () => new Histogram(def, this.opts.maxSeries ?? DEFAULT_MAX_SERIES))
  }

  /** Adds a source of counter values read at each snapshot (summed with other sources). */
  counterSource(def: MetricDef, read: CounterSource): void {
    const have = this.sources.get(def.name)
    if (have) have.read.push(read)
    else this.sources.set(def.name, { def, read: [read] })
  }

  /** Every series of every metric, copied. */
  snapshot(): MetricsSnapshot {
    const families = [...this.metrics.values()].map((m) => m.family())
    for (const { def, read } of this.sources.values()) {
      const byKey = new Map<string, ValueSeries>()
      for (const r of read)
        for (const { labels, value } of r()) {
          const key = seriesKey(labels)
          const s = byKey.get(key)
          if (s) s.value += value
          else byKey.set(key, { labels: { ...labels }, value })
        }
      families.push({
        name: def.name,
        help: def.help,
        type: 'counter',
        series: [...byKey.values()],
      })
    }
    return { families }
  }
}
