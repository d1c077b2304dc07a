import { describe, expect, it } from 'vitest'
import { toAnalyticsPoints } from './analytics-engine'
import { EMF_NAMESPACE, toEmfLines } from './emf'
import { createDeltaFlusher } from './flush'
import { toPrometheus } from './prometheus'
import { MetricRegistry } from './registry'

function sample() {
  const r = new MetricRegistry()
  r.counter({ name: 'reg_total', help: 'Registrations.', labels: ['kind'] }).inc(
    { kind: 'in"it\\al\n' },
    2
  )
  const h = r.histogram({
    name: 'setup_ms',
    help: 'Setup.',
    labels: [],
    buckets: [10, 100],
    unit: 'ms',
  })
  h.observe(5)
  h.observe(50)
  h.observe(500)
  return r
}

describe('Prometheus exposition', () => {
  it('prints HELP, TYPE, escaped labels and cumulative buckets', () => {
    expect(toPrometheus(sample().snapshot())).toBe(
      [
        '# HELP reg_total Registrations.',
        '# TYPE reg_total counter',
        'reg_total{kind="in\\"it\\\\al\\n"} 2',
        '# HELP setup_ms Setup.',
        '# TYPE setup_ms histogram',
        'setup_ms_bucket{le="10"} 1',
        'setup_ms_bucket{le="100"} 2',
        'setup_ms_bucket{le="+Inf"} 3',
        'setup_ms_sum 555',
        'setup_ms_count 3',
        '',
      ].join('\n')
    )
  })
})

describe('CloudWatch EMF', () => {
  it('writes one document per series with region and label dimensions', () => {
    const lines = toEmfLines(sample().snapshot(), {
      region: 'a',
      component: 'sprout',
      timestamp: 1_700_000_000_000,
    })
    const docs = lines.map((l) => JSON.parse(l))
    expect(docs).toHaveLength(2)
    const reg = docs.find((d) => 'reg_total' in d)
    expect(reg._aws.CloudWatchMetrics[0]).toEqual({
      Namespace: EMF_NAMESPACE,
      Dimensions: [['Region'], ['Region', 'Kind']],
      Metrics: [{ Name: 'reg_total', Unit: 'Count' }],
    })
    expect(reg).toMatchObject({
      Region: 'a',
      Component: 'sprout',
      Kind: 'in"it\\al\n',
      reg_total: 2,
    })
    expect(reg._aws.Timestamp).toBe(1_700_000_000_000)
    const setup = docs.find((d) => 'setup_ms' in d)
    expect(setup._aws.CloudWatchMetrics[0].Metrics[0].Unit).toBe('Milliseconds')
    expect(setup._aws.CloudWatchMetrics[0].Dimensions).toEqual([['Region']])
    expect(setup.setup_ms).toEqual([5, 55, 100])
  })

  it('splits a histogram of more than 100 observations over several documents', () => {
    const r = new MetricRegistry()
    const h = r.histogram({ name: 'x', help: 'x', labels: [], buckets: [1], unit: 'ms' })
    for (let i = 0; i < 150; i++) h.observe(1)
    const lines = toEmfLines(r.snapshot(), { region: 'b', component: 'dime', timestamp: 0 })
    expect(lines.map((l) => JSON.parse(l).x.length)).toEqual([100, 50])
  })
})

describe('Analytics Engine points', () => {
  it('writes one point per changed series and counts what exceeds the cap', () => {
    const { points, dropped } = toAnalyticsPoints(sample().snapshot(), {
      region: 'a',
      component: 'edge',
      maxPoints: 1,
    })
    expect(points).toEqual([
      {
        indexes: ['reg_total'],
        blobs: ['reg_total', 'a', 'edge', 'kind=in"it\\al\n'],
        doubles: [2],
      },
    ])
    expect(dropped).toBe(1)
    const all = toAnalyticsPoints(sample().snapshot(), {
      region: 'a',
      component: 'edge',
      maxPoints: 10,
    })
    expect(all.points[1]?.doubles).toEqual([3, 555, 1, 1, 1])
  })
})

describe('delta flusher', () => {
  it('hands out each change once', () => {
    const r = new MetricRegistry()
    const c = r.counter({ name: 'n', help: 'n', labels: [] })
    const f = createDeltaFlusher(r)
    c.inc()
    expect(f.take().families[0]?.series[0]).toMatchObject({ value: 1 })
    expect(f.take().families).toEqual([])
    c.inc(undefined, 2)
    expect(f.take().families[0]?.series[0]).toMatchObject({ value: 2 })
  })
})
