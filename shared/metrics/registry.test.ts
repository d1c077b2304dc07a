import { describe, expect, it } from 'vitest'
import { MetricRegistry } from './registry'
import { diffSnapshots, quantile, sumSnapshots, total, withLabels } from './snapshot'

const counterDef = { name: 'c_total', help: 'c', labels: ['kind'] } as const
const histDef = { name: 'h_ms', help: 'h', labels: [], buckets: [10, 100], unit: 'ms' } as const

describe('MetricRegistry', () => {
  it('counts per label set and snapshots copies', () => {
    const r = new MetricRegistry()
    const c = r.counter(counterDef)
    c.inc({ kind: 'initial' })
    c.inc({ kind: 'initial' })
    c.inc({ kind: 'refresh' }, 3)
    const snap = r.snapshot()
    c.inc({ kind: 'initial' })
    expect(total(snap, 'c_total', { kind: 'initial' })).toBe(2)
    expect(total(snap, 'c_total', { kind: 'refresh' })).toBe(3)
    expect(total(r.snapshot(), 'c_total')).toBe(6)
  })

  it('returns the same metric for the same name and ignores negative increments', () => {
    const r = new MetricRegistry()
    r.counter(counterDef).inc({ kind: 'x' })
    r.counter(counterDef).inc({ kind: 'x' }, -5)
    expect(total(r.snapshot(), 'c_total')).toBe(1)
  })

  it('keeps label sets apart however their values are split, and one set in any key order together', () => {
    const r = new MetricRegistry()
    const c = r.counter({ name: 't_total', help: 't', labels: ['method', 'class'] } as const)
    c.inc({ method: 'a:1', class: '' })
    c.inc({ method: 'a', class: ':1' })
    c.inc({ class: '2xx', method: 'INVITE' })
    c.inc({ method: 'INVITE', class: '2xx' })
    const series = r
      .snapshot()
      .families[0]?.series.map((x) => [x.labels, 'value' in x ? x.value : 0])
    expect(series).toEqual([
      [{ method: 'a:1', class: '' }, 1],
      [{ method: 'a', class: ':1' }, 1],
      [{ method: 'INVITE', class: '2xx' }, 2],
    ])
  })

  it('folds label sets beyond the series limit into "other"', () => {
    const r = new MetricRegistry({ maxSeries: 2 })
    const c = r.counter(counterDef)
    for (const k of ['a', 'b', 'c', 'd']) c.inc({ kind: k })
    const snap = r.snapshot()
    expect(total(snap, 'c_total', { kind: 'other' })).toBe(2)
    expect(snap.families[0]?.series).toHaveLength(3)
  })

  it('puts histogram observations in the first bucket whose bound is not below them', () => {
    const r = new MetricRegistry()
    const h = r.histogram(histDef)
    for (const v of [1, 10, 11, 100, 101, -1, Number.NaN]) h.observe(v)
    const f = r.snapshot().families[0]
    expect(f?.type).toBe('histogram')
    expect(f?.series[0]).toMatchObject({ counts: [2, 2, 1], count: 5, sum: 223 })
  })

  it('gauges go up and down', () => {
    const r = new MetricRegistry()
    const g = r.gauge({ name: 'g', help: 'g', labels: [] })
    g.add(undefined, 3)
    g.add(undefined, -1)
    expect(total(r.snapshot(), 'g')).toBe(2)
  })

  it('reads counter sources at snapshot time and sums them', () => {
    const r = new MetricRegistry()
    let a = 1
    r.counterSource({ name: 's_total', help: 's', labels: [] }, () => [{ labels: {}, value: a }])
    r.counterSource({ name: 's_total', help: 's', labels: [] }, () => [{ labels: {}, value: 10 }])
    a = 4
    expect(total(r.snapshot(), 's_total')).toBe(14)
  })
})

describe('snapshot arithmetic', () => {
  it('sums snapshots series by series, keeping region labels apart', () => {
    const a = new MetricRegistry()
    const b = new MetricRegistry()
    a.counter(counterDef).inc({ kind: 'initial' }, 2)
    b.counter(counterDef).inc({ kind: 'initial' }, 5)
    a.histogram(histDef).observe(5)
    b.histogram(histDef).observe(50)
    const both = sumSnapshots([a.snapshot(), b.snapshot()])
    expect(total(both, 'c_total')).toBe(7)
    expect(both.families.find((f) => f.name === 'h_ms')?.series[0]).toMatchObject({
      counts: [1, 1, 0],
      count: 2,
    })
    const tagged = sumSnapshots([
      withLabels(a.snapshot(), { region: 'a' }),
      withLabels(b.snapshot(), { region: 'b' }),
    ])
    expect(total(tagged, 'c_total', { region: 'b' })).toBe(5)
  })

  it('diffs to what changed, leaving unchanged series out', () => {
    const r = new MetricRegistry()
    const c = r.counter(counterDef)
    c.inc({ kind: 'a' })
    c.inc({ kind: 'b' })
    const before = r.snapshot()
    c.inc({ kind: 'a' }, 2)
    r.histogram(histDef).observe(7)
    const d = diffSnapshots(before, r.snapshot())
    expect(total(d, 'c_total', { kind: 'a' })).toBe(2)
    expect(d.families.find((f) => f.name === 'c_total')?.series).toHaveLength(1)
    expect(d.families.find((f) => f.name === 'h_ms')?.series[0]).toMatchObject({ count: 1 })
  })

  it('estimates quantiles by interpolating inside the bucket', () => {
    const buckets = [10, 100]
    expect(quantile(buckets, { counts: [0, 10, 0], count: 10 }, 0.5)).toBe(55)
    expect(quantile(buckets, { counts: [0, 0, 4], count: 4 }, 0.99)).toBe(100)
    expect(quantile(buckets, { counts: [0, 0, 0], count: 0 }, 0.5)).toBeUndefined()
  })
})
