import { describe, expect, it } from 'vitest'
import { layoutLadder, partyLabel } from './ladder'
import { otlpPayload } from './otlp'
import { renderTextLadder } from './text-ladder'
import type { TraceRecord } from './trace-record'

let at = 1_000
const rec = (from: string, to: string, summary: string, extra: Partial<TraceRecord> = {}) => {
  const status = /^SIP\/2\.0 (\d{3})/.exec(summary)
  const r: TraceRecord = {
    traceId: 'c'.repeat(32),
    spanId: 'd'.repeat(16),
    callId: 'call-1',
    at: (at += 5),
    component: from.startsWith('sprout') ? 'sprout' : 'edge',
    region: 'a',
    direction: from.startsWith('ua:') ? 'in' : 'out',
    from,
    to,
    kind: 'sip',
    summary,
    ...(status
      ? { status: Number(status[1]), method: 'INVITE' }
      : { method: summary.split(' ')[0] }),
    impus: [],
    message: summary,
    ...extra,
  }
  return r
}

const A = 'ua:sip:alice@example.com'
const B = 'ua:sip:bob@example.com'

function call(): TraceRecord[] {
  at = 1_000
  return [
    rec(A, 'edge', 'INVITE sip:bob@example.com SIP/2.0'),
    rec('edge', 'sprout-a', 'INVITE sip:bob@example.com SIP/2.0'),
    rec('sprout-a', 'as:mmtel', 'INVITE sip:bob@example.com SIP/2.0'),
    rec('sprout-a', 'edge', 'INVITE sip:bob@ws.invalid SIP/2.0'),
    rec('edge', B, 'INVITE sip:bob@ws.invalid SIP/2.0'),
    rec(B, 'edge', 'SIP/2.0 486 Busy Here'),
    rec('sprout-a', 'ralf-a', 'POST /call-id/call-1 200', {
      kind: 'http',
      method: 'POST',
      status: 200,
    }),
  ]
}

describe('the ladder layout', () => {
  it('puts the caller first, then edge, Sprout, servers, stores, and the callee last', () => {
    const l = layoutLadder(call().reverse())
    expect(l.columns.map((c) => c.id)).toEqual([A, 'edge', 'sprout-a', 'as:mmtel', 'ralf-a', B])
    expect(l.columns.map((c) => c.label)).toEqual([
      'UA sip:alice@example.com',
      'Edge',
      'Sprout a',
      'AS mmtel',
      'Ralf a',
      'UA sip:bob@example.com',
    ])
  })

  it('draws one arrow per record in time order, with the time since the previous one', () => {
    const records = call()
    const l = layoutLadder([...records].reverse())
    expect(l.arrows).toHaveLength(records.length)
    expect(l.arrows.map((a) => a.label)).toEqual([
      'INVITE',
      'INVITE',
      'INVITE',
      'INVITE',
      'INVITE',
      '486 Busy Here',
      'POST /call-id/call-1 200',
    ])
    expect(l.arrows.map((a) => a.sincePrevious)).toEqual([0, 5, 5, 5, 5, 5, 5])
    expect(l.arrows.map((a) => [a.from, a.to])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
      [2, 1],
      [1, 5],
      [5, 1],
      [2, 4],
    ])
    // The arrow points back at the record it was drawn from (in the order given).
    const reversed = [...records].reverse()
    expect(reversed[l.arrows[0]!.record]!.summary).toBe(records[0]!.summary)
    expect(l.arrows.map((a) => a.failure)).toEqual([false, false, false, false, false, true, false])
  })

  it('labels parties it does not know by their name', () => {
    expect(partyLabel('ext:trunk.example')).toBe('ext:trunk.example')
    expect(partyLabel('homer-b')).toBe('Homer b')
  })
})

describe('the text ladder', () => {
  it('draws columns, one line per arrow pointing the right way, and the delay', () => {
    const lines = renderTextLadder(layoutLadder(call()))
    expect(lines).toHaveLength(1 + 7)
    expect(lines[0]).toMatch(
      /UA sip:alice@example\.com\s+Edge\s+Sprout a\s+AS mmtel\s+Ralf a\s+UA sip:bob/
    )
    expect(lines[1]).toMatch(/\|--INVITE-*>\|/)
    expect(lines[1]).toMatch(/\+0 ms$/)
    // 486 from Bob (last column) back to the edge: points left, marked as a failure.
    expect(lines[6]).toMatch(/\|<-486 Busy Here-*\|/)
    expect(lines[6]).toMatch(/\+5 ms {2}!$/)
    expect(renderTextLadder({ columns: [], arrows: [] })).toEqual(['(no records)'])
  })
})

describe('OTLP/HTTP JSON export', () => {
  it('makes one span per record under its trace, grouped by component and region', () => {
    const records = call()
    let n = 0
    const p = otlpPayload(records, () => (++n).toString(16).padStart(16, '0'))
    expect(p.resourceSpans).toHaveLength(2)
    const edge = p.resourceSpans.find((r) =>
      r.resource.attributes.some(
        (a) =>
          a.key === 'service.name' &&
          'stringValue' in a.value &&
          a.value.stringValue === 'edgewater-edge'
      )
    )!
    expect(edge.resource.attributes).toContainEqual({
      key: 'cloud.region',
      value: { stringValue: 'a' },
    })
    const spans = p.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))
    expect(spans).toHaveLength(records.length)
    const first = spans.find((s) => s.spanId === '0000000000000001')!
    expect(first).toMatchObject({
      traceId: 'c'.repeat(32),
      parentSpanId: 'd'.repeat(16),
      kind: 2,
      startTimeUnixNano: '1005000000',
      endTimeUnixNano: '1005000000',
      status: { code: 0 },
    })
    expect(first.attributes).toContainEqual({
      key: 'sip.call_id',
      value: { stringValue: 'call-1' },
    })
    expect(first.attributes).toContainEqual({ key: 'sip.method', value: { stringValue: 'INVITE' } })
    const busy = spans.find((s) => s.name.includes('486'))!
    expect(busy.status.code).toBe(2)
    expect(busy.attributes).toContainEqual({ key: 'sip.status_code', value: { intValue: '486' } })
    expect(spans.find((s) => s.name.startsWith('POST'))!.kind).toBe(3)
    // It is plain JSON (ids hex, times decimal strings): it survives a round trip.
    expect(JSON.parse(JSON.stringify(p))).toEqual(p)
  })
})
