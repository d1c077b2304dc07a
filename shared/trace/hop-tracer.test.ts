import { describe, expect, it } from 'vitest'
import { callIdOfText, HopTracer, TRACE_ID_CACHE } from './hop-tracer'
import type { TraceConfig } from './trace-config'
import { spanIdOfBytes, traceIdForCallId } from './trace-context'
import { parseTraceparent } from './traceparent'

const cfg = (over: Partial<TraceConfig> = {}): TraceConfig => ({
  all: false,
  sampleRate: 0,
  ttlSeconds: 86_400,
  policy: { body: 'full', maxMessageChars: 16_384 },
  buffer: { maxTraces: 16, maxNotes: 16, keepMs: 60_000 },
  flagsRefreshMs: 0,
  flowBufferBytes: 262_144,
  otlpUrl: undefined,
  ...over,
})

const msg = (start: string, callId = 'c1') =>
  `${start}\r\nVia: SIP/2.0/HTTP x;branch=z9hG4bK1\r\nCall-ID: ${callId}\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`

function tracer(c = cfg()) {
  let now = 1_000
  let seq = 0
  return new HopTracer(c, {
    component: 'sprout',
    region: 'a',
    party: 'sprout-a',
    now: () => now++,
    random: (b) => b.fill(++seq),
  })
}

describe('a hop’s tracer', () => {
  it('reads the Call-ID from text, in full or compact form', () => {
    expect(callIdOfText(msg('INVITE sip:x SIP/2.0', 'abc@h'))).toBe('abc@h')
    expect(callIdOfText('OPTIONS sip:x SIP/2.0\r\ni: short\r\n\r\n')).toBe('short')
    expect(callIdOfText('garbage')).toBeUndefined()
  })

  it('writes nothing for an unkept call, everything once a failure arrives', () => {
    const h = tracer()
    const t = h.begin('c1')
    h.received(t, 'as:x', msg('INVITE sip:b SIP/2.0'))
    h.sent(t, 'edge', msg('INVITE sip:b SIP/2.0'))
    expect(h.take()).toEqual([])
    const t2 = h.begin('c1')
    h.received(t2, 'as:x', msg('SIP/2.0 503 Service Unavailable'))
    const records = h.take()
    expect(records.map((r) => `${r.direction} ${r.from}>${r.to} ${r.summary}`)).toEqual([
      'in as:x>sprout-a INVITE sip:b SIP/2.0',
      'out sprout-a>edge INVITE sip:b SIP/2.0',
      'in as:x>sprout-a SIP/2.0 503 Service Unavailable',
    ])
    expect(new Set(records.map((r) => r.traceId))).toEqual(new Set([traceIdForCallId('c1')]))
  })

  it('does not record what a tracing sender recorded already', () => {
    const h = tracer(cfg({ all: true }))
    const sent = tracer(cfg({ all: true }))
    const t0 = sent.begin('c1')
    const t = h.begin('c1', sent.headers(t0))
    expect(t.sender).toBe('sprout-a')
    h.received(t, 'edge', msg('INVITE sip:b SIP/2.0'))
    expect(h.take()).toEqual([])
  })

  it('passes the keep decision on in traceparent and learns it from an answer', () => {
    const h = tracer()
    const t = h.begin('c1')
    expect(parseTraceparent(h.headers(t).traceparent)).toMatchObject({
      traceId: traceIdForCallId('c1'),
      sampled: false,
    })
    h.sent(t, 'edge', msg('INVITE sip:b SIP/2.0'))
    // An answer for another trace changes nothing; a sampled one for this trace keeps it.
    h.learn(t, `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`)
    expect(h.take()).toEqual([])
    h.learn(t, `00-${t.traceId}-${'2'.repeat(16)}-01`)
    expect(h.take()).toHaveLength(1)
    expect(parseTraceparent(h.headers(t).traceparent)?.sampled).toBe(true)
    // Later messages of the call are kept without being told again.
    expect(h.begin('c1').sampled).toBe(true)
  })

  it('stops writing a re-registering Call-ID once a failure’s cause time has passed', () => {
    // Two hops (edge and Sprout) on one clock; each answer echoes the sampled flag it was sent.
    let now = 0
    const deps = (party: string) => ({
      component: 'sprout' as const,
      region: 'a',
      party,
      now: () => now,
      random: (b: Uint8Array) => crypto.getRandomValues(b),
    })
    const c = cfg({ buffer: { maxTraces: 16, maxNotes: 16, keepMs: 600_000, causeMs: 32_000 } })
    const edge = new HopTracer(c, deps('edge'))
    const sprout = new HopTracer(c, deps('sprout-a'))
    const register = (status: string): number => {
      const te = edge.begin('reg-1')
      edge.received(te, 'ua', msg('REGISTER sip:h SIP/2.0', 'reg-1'))
      const ts = sprout.begin('reg-1', edge.headers(te))
      sprout.sent(ts, 'edge', msg(`SIP/2.0 ${status}`, 'reg-1'))
      // Sprout's hop answer (sip-tracing.ts `finish`) says sampled on a cause of its own only.
      const answer = sprout.answerSampled(ts) ? '01' : '00'
      edge.learn(te, `00-${ts.traceId}-${ts.spanId}-${answer}`)
      edge.sent(te, 'ua', msg(`SIP/2.0 ${status}`, 'reg-1'))
      return edge.take().length + sprout.take().length
    }
    expect(register('200 OK')).toBe(0)
    now = 1_000
    expect(register('500 Server Internal Error')).toBeGreaterThan(0)
    // Within the cause time the next registrations are kept on both hops…
    for (now = 20_000; now < 33_000; now += 6_000) expect(register('200 OK')).toBe(3)
    // …but passing the keep on extended nothing for good: soon after nothing is written.
    const written: number[] = []
    for (now = 40_000; now < 400_000; now += 6_000) written.push(register('200 OK'))
    expect(written.slice(-50)).toEqual(Array(50).fill(0))
  })

  it('keeps a flagged subscriber’s call from its first message', () => {
    const h = tracer()
    const t = h.begin('c2', {}, true)
    h.called(t, 'ralf-a', 'POST /call-id/c2 200')
    expect(h.take()).toMatchObject([{ kind: 'http', to: 'ralf-a', status: 200, callId: 'c2' }])
  })

  it('gives every message of a call its Call-ID’s trace id and a span id of its own', () => {
    const h = new HopTracer(cfg(), {
      component: 'edge',
      region: 'a',
      party: 'edge',
      now: () => 1,
      random: (b) => crypto.getRandomValues(b),
    })
    const spans = new Set<string>()
    // More calls than the tracer remembers trace ids of, each seen twice.
    for (let i = 0; i < TRACE_ID_CACHE + 10; i++)
      for (const _ of [1, 2]) {
        const t = h.begin(`call-${i % (TRACE_ID_CACHE + 5)}`)
        expect(t.traceId).toBe(traceIdForCallId(`call-${i % (TRACE_ID_CACHE + 5)}`))
        expect(t.spanId).toMatch(/^[0-9a-f]{16}$/)
        spans.add(t.spanId)
      }
    expect(spans.size).toBe(2 * (TRACE_ID_CACHE + 10))
  })

  it('never gives an all-zero span id (W3C Trace Context §3.2.2.4)', () => {
    const h = new HopTracer(cfg(), {
      component: 'edge',
      region: 'a',
      party: 'edge',
      now: () => 1,
      random: (b) => b.fill(0),
    })
    expect(h.begin('c1').spanId).toBe('0000000000000001')
    expect(spanIdOfBytes(new Uint8Array([0, 1, 2, 3, 255, 16, 15, 0]))).toBe('00010203ff100f00')
  })
})
