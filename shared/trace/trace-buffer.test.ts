import { describe, expect, it } from 'vitest'
import { DEFAULT_TRACE_BUFFER_BYTES, TraceBuffer } from './trace-buffer'
import type { TraceNote } from './trace-record'

const n = (traceId: string, at: number, text = 'x'): TraceNote => ({
  traceId,
  spanId: 'b'.repeat(16),
  at,
  component: 'sprout',
  region: 'a',
  direction: 'out',
  from: 'sprout-a',
  to: 'edge',
  kind: 'sip',
  text,
})

const limits = { maxTraces: 3, maxNotes: 4, keepMs: 1_000 }

describe('the trace buffer', () => {
  it('hands over nothing of a trace that is not kept', () => {
    const b = new TraceBuffer(limits)
    b.add(n('t1', 1), 1)
    b.add(n('t1', 2), 2)
    expect(b.take()).toEqual([])
    expect(b.size).toBe(1)
  })

  it('hands over a kept trace’s held notes, oldest first, once', () => {
    const b = new TraceBuffer(limits)
    b.add(n('t1', 5, 'second'), 5)
    b.add(n('t1', 3, 'first'), 6)
    b.add(n('t2', 4), 6)
    b.keep('t1', 7)
    expect(b.take().map((x) => x.text)).toEqual(['first', 'second'])
    expect(b.take()).toEqual([])
    // Later notes of a kept trace go with the next take.
    b.add(n('t1', 8, 'third'), 8)
    expect(b.take().map((x) => x.text)).toEqual(['third'])
  })

  it('keeps a trace when a note says so (a failure, a sampled trace)', () => {
    const b = new TraceBuffer(limits)
    b.add(n('t1', 1, 'INVITE'), 1)
    b.add(n('t1', 2, '486'), 2, 2 + b.causeMs)
    expect(b.take().map((x) => x.text)).toEqual(['INVITE', '486'])
    expect(b.isKept('t1', 3)).toBe(true)
  })

  it('keeps a trace only while its cause holds: one failure does not keep a Call-ID for good', () => {
    const b = new TraceBuffer({ ...limits, causeMs: 100 })
    expect(b.causeMs).toBe(100)
    b.add(n('t1', 0, 'REGISTER'), 0)
    b.add(n('t1', 1, '500'), 1, 1 + b.causeMs)
    b.add(n('t1', 50, 'REGISTER'), 50)
    expect(b.take().map((x) => x.text)).toEqual(['REGISTER', '500', 'REGISTER'])
    expect(b.isKept('t1', 101)).toBe(true)
    expect(b.isKept('t1', 102)).toBe(false)
    // After the cause time the same Call-ID's messages are held, not written.
    b.add(n('t1', 200, 'REGISTER'), 200)
    b.add(n('t1', 201, '200'), 201)
    expect(b.take()).toEqual([])
    // A note kept for itself alone (a sampled message) takes the held ones and keeps nothing later.
    b.add(n('t1', 300, 'OPTIONS'), 300, 300)
    expect(b.take().map((x) => x.text)).toEqual(['REGISTER', '200', 'OPTIONS'])
    b.add(n('t1', 301, '200'), 301)
    expect(b.take()).toEqual([])
    // A new failure keeps it again.
    b.add(n('t1', 400, '503'), 400, 400 + b.causeMs)
    expect(b.take().map((x) => x.text)).toEqual(['200', '503'])
  })

  it('holds at most maxNotes of an undecided trace, all of a kept one', () => {
    const b = new TraceBuffer(limits)
    for (let i = 0; i < 6; i++) b.add(n('t1', i), i)
    b.keep('t1', 7)
    expect(b.take()).toHaveLength(4)
    for (let i = 0; i < 6; i++) b.add(n('t1', 10 + i), 10 + i)
    expect(b.take()).toHaveLength(6)
  })

  it('hands over the notes of every kept trace in one take, oldest first', () => {
    const b = new TraceBuffer({ ...limits, maxTraces: 8 })
    b.add(n('t1', 1, 'a1'), 1, 1 + b.causeMs)
    b.add(n('t2', 2, 'b2'), 2)
    b.add(n('t3', 3, 'c3'), 3)
    b.add(n('t1', 4, 'a4'), 4)
    b.keep('t2', 5)
    b.keep('t3', 5)
    expect(b.take().map((x) => x.text)).toEqual(['a1', 'b2', 'c3', 'a4'])
    expect(b.take()).toEqual([])
  })

  it('keeps a trace noted again, after itself or after others, as the most recently used', () => {
    const b = new TraceBuffer(limits)
    b.add(n('t1', 1), 1)
    b.add(n('t1', 2), 2)
    b.add(n('t2', 3), 3)
    b.add(n('t3', 4), 4)
    b.add(n('t1', 5), 5)
    b.add(n('t1', 6), 6)
    b.add(n('t4', 7), 7) // t2 is the least recently used
    b.keep('t1', 8)
    b.keep('t2', 8)
    expect(b.take().map((x) => x.at)).toEqual([1, 2, 5, 6])
    // A trace let go as soon as it was noted (its text alone is over the limit) comes back whole.
    const small = new TraceBuffer({ ...limits, maxBytes: 4 })
    small.add(n('t1', 1, 'too long'), 1)
    expect(small.size).toBe(0)
    small.add(n('t1', 2, 'ok'), 2, 2)
    expect(small.take().map((x) => x.text)).toEqual(['ok'])
  })

  it('lets the least recently used trace go when full, and any after keepMs', () => {
    const b = new TraceBuffer(limits)
    b.add(n('t1', 1), 1)
    b.add(n('t2', 2), 2)
    b.add(n('t3', 3), 3)
    b.add(n('t1', 4), 4) // t1 used again: t2 is now the oldest
    b.add(n('t4', 5), 5)
    expect(b.size).toBe(3)
    b.keep('t2', 6) // t2 was let go: kept from now, its old note is gone
    expect(b.take()).toEqual([])
    b.add(n('t9', 5_000), 5_000)
    expect(b.size).toBe(1)
  })
})

describe('the trace buffer under messages as large as a client may send', () => {
  const big = 'x'.repeat(65_536)

  it('holds at most maxBytes of message text, dropping the least recently used traces first', () => {
    const b = new TraceBuffer({ maxTraces: 512, maxNotes: 64, keepMs: 300_000, maxBytes: 200_000 })
    for (let i = 0; i < 50; i++) b.add(n(`t${i}`, i, big), i)
    expect(b.bytes).toBeLessThanOrEqual(200_000)
    expect(b.size).toBe(3)
    // The newest trace is whole, and a later keep still hands it over.
    b.keep('t49', 60)
    expect(b.take()).toHaveLength(1)
    expect(b.bytes).toBeLessThanOrEqual(2 * 65_536)
  })

  it('is bounded by DEFAULT_TRACE_BUFFER_BYTES when no byte limit is given', () => {
    const b = new TraceBuffer({ maxTraces: 512, maxNotes: 64, keepMs: 300_000 })
    // One Call-ID per request, every request noted on its way in and out: no trace is kept.
    for (let i = 0; i < 2_000; i++) b.add(n(`t${i % 600}`, i, big), i)
    expect(b.bytes).toBeLessThanOrEqual(DEFAULT_TRACE_BUFFER_BYTES)
    expect(b.bytes).toBeGreaterThan(DEFAULT_TRACE_BUFFER_BYTES / 2)
  })
})
