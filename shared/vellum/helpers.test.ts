/**
 * Unit tests of Vellum's pure helpers: round-trip depth, timer ids and timing, schedule names,
 * callback URI localisation, key builders, record ordering.
 */
import { describe, expect, it } from 'vitest'
import type { FunctionUrls } from '../config/regions'
import { accountKey, shardOf, timerPopKey } from './keys'
import { compareRecords } from './regional-kv'
import { RoundTrips } from './round-trips'
import { localisedUri, peerUri } from './timer-callback'
import { atExpression, scheduleName } from './timer-schedules'
import { newTimerId, parseTimerId, popCount, specProblem } from './timer-service'

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('RoundTrips', () => {
  it('counts parallel calls as one level and sequential ones as more', async () => {
    const rt = new RoundTrips()
    await Promise.all([
      rt.track('table', 'get', () => tick(5)),
      rt.track('kv-local', 'hgetall', () => tick(3)),
    ])
    expect(rt.snapshot()).toMatchObject({ calls: 2, depth: 1 })
    await rt.track('table', 'put', () => tick(1))
    expect(rt.snapshot()).toMatchObject({
      calls: 3,
      depth: 2,
      byStore: { table: 2, 'kv-local': 1 },
    })
    rt.reset()
    expect(rt.snapshot()).toMatchObject({ calls: 0, depth: 0 })
  })

  it('a call started while another is in flight stays on its level', async () => {
    const rt = new RoundTrips()
    const slow = rt.track('table', 'slow', () => tick(20))
    await rt.track('kv-local', 'fast', () => tick(1))
    // started after `fast` finished, while `slow` (level 1) is still running → level 2
    await Promise.all([slow, rt.track('kv-remote', 'next', () => tick(1))])
    expect(rt.snapshot().depth).toBe(2)
    const failing = rt.track('table', 'boom', () => Promise.reject(new Error('x')))
    await expect(failing).rejects.toThrow('x')
    expect(rt.snapshot().records.at(-1)).toMatchObject({ op: 'boom', ok: false, level: 3 })
  })
})

describe('timer ids and timing (Chronos §4.1)', () => {
  it('makes and parses <16 hex>-<rf> ids, ignoring trailing text', () => {
    const id = newTimerId()
    expect(id).toMatch(/^[0-9a-f]{16}-2$/)
    expect(parseTimerId(`${id}whatever`)).toBe(id)
    expect(parseTimerId('0123456789ABCDEF-2')).toBeUndefined()
    expect(parseTimerId('0123')).toBeUndefined()
  })

  it('counts pops: (n+1)·interval ≤ repeat-for, one pop by default, none if repeat-for < interval', () => {
    expect(popCount({ intervalMs: 1000 })).toBe(1)
    expect(popCount({ intervalMs: 1000, repeatForMs: 3000 })).toBe(3)
    expect(popCount({ intervalMs: 1000, repeatForMs: 3500 })).toBe(3)
    expect(popCount({ intervalMs: 1000, repeatForMs: 999 })).toBe(0)
  })

  it('names the offending field of a bad spec', () => {
    expect(specProblem({ intervalMs: -1, callbackUri: 'http://x', opaque: '' })).toMatch(
      /timing.interval/
    )
    expect(
      specProblem({ intervalMs: 1, repeatForMs: -1, callbackUri: 'http://x', opaque: '' })
    ).toMatch(/repeat-for/)
    expect(specProblem({ intervalMs: 1, callbackUri: 'ftp://x', opaque: '' })).toMatch(
      /http or https/
    )
    expect(specProblem({ intervalMs: 1, callbackUri: 'http://x/cb', opaque: 'o' })).toBeUndefined()
  })

  it('builds Scheduler names and at() expressions rounded up to the second', () => {
    expect(scheduleName('0123456789abcdef-2', 1234567, 3)).toBe('0123456789abcdef-2-gqglj-s3')
    expect(
      scheduleName('0123456789abcdef-2', Number.MAX_SAFE_INTEGER, 9_999_999).length
    ).toBeLessThanOrEqual(64)
    expect(atExpression(Date.UTC(2026, 0, 2, 3, 4, 5, 1))).toBe('at(2026-01-02T03:04:06)')
    expect(atExpression(Date.UTC(2026, 0, 2, 3, 4, 5, 0))).toBe('at(2026-01-02T03:04:05)')
  })
})

describe('callback URIs resolved per region (Chronos GR §4.3)', () => {
  const urls = {
    a: {
      sprout: 'http://127.0.0.1:8800',
      dime: 'http://127.0.0.1:8801',
      homer: 'h',
      ellis: 'e',
      timers: 't',
    },
    b: {
      sprout: 'http://127.0.0.1:8810',
      dime: 'http://127.0.0.1:8811',
      homer: 'h',
      ellis: 'e',
      timers: 't',
    },
  } as FunctionUrls
  it('maps a function URL of either region onto the popping region', () => {
    expect(localisedUri('http://127.0.0.1:8800/timers?x=1', urls, 'b')).toBe(
      'http://127.0.0.1:8810/timers?x=1'
    )
    expect(localisedUri('http://127.0.0.1:8811/call-id/1', urls, 'b')).toBe(
      'http://127.0.0.1:8811/call-id/1'
    )
    expect(localisedUri('http://127.0.0.1:9999/cb', urls, 'b')).toBe('http://127.0.0.1:9999/cb')
    expect(peerUri('http://127.0.0.1:8801/x', urls)).toBe('http://127.0.0.1:8811/x')
    expect(peerUri('http://elsewhere/x', urls)).toBeUndefined()
  })
})

describe('keys and records', () => {
  it('lower-cases e-mail keys and pads sequence numbers', () => {
    expect(accountKey(' Alice@Example.COM ')).toEqual({
      pk: 'ACCOUNT#alice@example.com',
      sk: 'ACCOUNT',
    })
    expect(timerPopKey('x', 7, 12).sk).toBe('POP#7#0000000012')
  })
  it('shards stably', () => {
    expect(shardOf('6505550001', 16)).toBe(shardOf('6505550001', 16))
    const seen = new Set(Array.from({ length: 200 }, (_, i) => shardOf(`n${i}`, 8)))
    expect(seen.size).toBe(8)
  })
  it('orders records by CSeq, then expiry, then content', () => {
    expect(
      compareRecords({ cseq: 2, expires: 1, data: 1 }, { cseq: 1, expires: 9, data: 1 })
    ).toBeGreaterThan(0)
    expect(
      compareRecords({ cseq: 1, expires: 1, data: 1 }, { cseq: 1, expires: 9, data: 1 })
    ).toBeLessThan(0)
    expect(
      compareRecords({ cseq: 1, expires: 1, data: 'b' }, { cseq: 1, expires: 1, data: 'a' })
    ).toBeGreaterThan(0)
    expect(
      compareRecords({ cseq: 1, expires: 1, data: 'a' }, { cseq: 1, expires: 1, data: 'a' })
    ).toBe(0)
  })
  it('ties on records of equal content read twice, and orders the rest by their stored text', () => {
    const r = (data: unknown) => ({ cseq: 1, expires: 1, data })
    const binding = () => ({ uri: 'sip:a@b', paths: ['<sip:x;lr>'], n: 1, q: null, ok: true })
    expect(compareRecords(r(binding()), r(binding()))).toBe(0)
    // The same members in another order are other stored text: ordered by bytes, both ways.
    const pairs: Array<[unknown, unknown]> = [
      [
        { a: 1, b: 2 },
        { b: 2, a: 1 },
      ],
      [
        [1, 2],
        [1, 3],
      ],
      [{ a: [1, { c: 'x' }] }, { a: [1, { c: 'y' }] }],
      [{ a: undefined, b: 1 }, { b: 1 }],
      [{ n: Number.POSITIVE_INFINITY }, { n: null }],
    ]
    for (const [a, b] of pairs) {
      const text = (v: unknown) => JSON.stringify({ cseq: 1, expires: 1, data: v })
      const expected = Math.sign(Buffer.compare(Buffer.from(text(a)), Buffer.from(text(b))))
      expect(Math.sign(compareRecords(r(a), r(b)))).toBe(expected)
      expect(Math.sign(compareRecords(r(b), r(a)))).toBe(-expected || 0)
    }
  })
})

describe('memoryVellum round trips', () => {
  it('counts interface calls of the memory adapters, not test helpers', async () => {
    const { memoryVellum } = await import('./index')
    const v = memoryVellum({ now: () => 1_000_000 })
    await Promise.all([v.table.get({ pk: 'a', sk: 'b' }), v.kv.hgetLive('aor')])
    await v.kv.hsetIfNewer('aor', 'b1', { cseq: 1, expires: 2_000, data: {} })
    v.timers.takeDue()
    expect(v.table.raw({ pk: 'a', sk: 'b' })).toBeUndefined()
    expect(v.roundTrips.snapshot()).toMatchObject({
      calls: 3,
      depth: 2,
      byStore: { table: 1, 'kv-local': 2 },
    })
  })
})
