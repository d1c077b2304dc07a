import { describe, expect, it } from 'vitest'
import { decideTrace, newSpanId, sampledByRate, traceIdForCallId } from './trace-context'
import { formatTraceparent, formatTracestate, parseTraceparent, tracingSender } from './traceparent'

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const SPAN = '00f067aa0ba902b7'

describe('traceparent (W3C Trace Context §3.2)', () => {
  it('parses the specification example and formats it back', () => {
    const v = `00-${TRACE}-${SPAN}-01`
    expect(parseTraceparent(v)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true })
    expect(formatTraceparent({ traceId: TRACE, spanId: SPAN, sampled: true })).toBe(v)
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-00`)?.sampled).toBe(false)
    // Other trace-flags bits do not make it sampled; only bit 0 does.
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-02`)?.sampled).toBe(false)
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-03`)?.sampled).toBe(true)
  })

  it('ignores invalid values as if absent', () => {
    for (const bad of [
      undefined,
      '',
      `00-${TRACE}-${SPAN}`,
      `ff-${TRACE}-${SPAN}-01`,
      `00-${'0'.repeat(32)}-${SPAN}-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `00-${TRACE.toUpperCase()}-${SPAN}-01`,
      `00-${TRACE}-${SPAN}-01-extra`,
      `00-${TRACE.slice(1)}-${SPAN}-01`,
      `0-${TRACE}-${SPAN}-01`,
      `00-${TRACE}-${SPAN}-zz`,
    ])
      expect(parseTraceparent(bad)).toBeUndefined()
  })

  it('accepts a later version with more fields, reading the first four (§3.2.4)', () => {
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-01-what-ever`)).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      sampled: true,
    })
  })

  it('names the tracing sender in tracestate, among other vendors’ members', () => {
    expect(formatTracestate('sprout-a')).toBe('ew=sprout-a')
    expect(tracingSender('congo=t61rcWkgMzE, ew=edge')).toBe('edge')
    expect(tracingSender('ew=Bad Value')).toBeUndefined()
    expect(tracingSender('congo=x')).toBeUndefined()
    expect(tracingSender(null)).toBeUndefined()
  })
})

describe('trace identity and keeping', () => {
  it('derives one trace id per Call-ID, 32 hex digits, the same at every hop', () => {
    const a = traceIdForCallId('abc@host')
    expect(a).toMatch(/^[0-9a-f]{32}$/)
    expect(traceIdForCallId('abc@host')).toBe(a)
    expect(traceIdForCallId('abd@host')).not.toBe(a)
  })

  it('takes the trace id of a valid traceparent over the Call-ID’s', () => {
    const d = decideTrace({
      callId: 'x',
      traceparent: `00-${TRACE}-${SPAN}-00`,
      all: false,
      rate: 0,
    })
    expect(d).toEqual({ traceId: TRACE, sampled: false, own: false })
    expect(decideTrace({ callId: 'x', traceparent: 'junk', all: false, rate: 0 }).traceId).toBe(
      traceIdForCallId('x')
    )
  })

  it('keeps a trace for TRACE_ALL, a sampled traceparent, a flag, or the rate', () => {
    const base = { callId: 'k', all: false, rate: 0 }
    expect(decideTrace(base).sampled).toBe(false)
    expect(decideTrace({ ...base, all: true }).sampled).toBe(true)
    expect(decideTrace({ ...base, flagged: true }).sampled).toBe(true)
    // A sampled traceparent keeps the message it came with, not the call on this hop's grounds.
    expect(decideTrace({ ...base, traceparent: `00-${TRACE}-${SPAN}-01` })).toMatchObject({
      sampled: true,
      own: false,
    })
    expect(decideTrace({ ...base, rate: 1 }).sampled).toBe(true)
  })

  it('samples by the trace id alone, so every hop decides alike, at about the rate', () => {
    expect(sampledByRate('00000000ffffffffffffffffffffffff', 0.01)).toBe(true)
    expect(sampledByRate('ffffffff000000000000000000000000', 0.99)).toBe(false)
    let kept = 0
    for (let i = 0; i < 4000; i++) if (sampledByRate(traceIdForCallId(`call-${i}`), 0.1)) kept++
    expect(kept).toBeGreaterThan(300)
    expect(kept).toBeLessThan(500)
  })

  it('makes span ids of 16 hex digits, never all zero', () => {
    expect(newSpanId((b) => b.fill(0))).toBe('0000000000000001')
    expect(newSpanId((b) => b.fill(0xab))).toBe('abababababababab')
  })
})
