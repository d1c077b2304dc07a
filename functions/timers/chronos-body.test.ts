/**
 * Unit tests of the Chronos body parser (clearwater-interfaces §4.1): seconds → ms, defaults,
 * and 400 reasons that name the field.
 */
import { describe, expect, it } from 'vitest'
import { parseChronosBody } from './chronos-body'

const body = (v: unknown) => parseChronosBody(JSON.stringify(v))

describe('parseChronosBody', () => {
  it('reads interval and repeat-for in seconds (fractions allowed) and the callback', () => {
    expect(
      body({
        timing: { interval: 1.5, 'repeat-for': 4.5 },
        callback: { http: { uri: 'http://sprout/timers', opaque: '{"aor_id":"x"}' } },
        reliability: { 'replication-factor': 2 },
        statistics: { 'tag-info': [{ type: 'REG', count: 1 }] },
      })
    ).toEqual({
      ok: true,
      spec: {
        intervalMs: 1500,
        repeatForMs: 4500,
        callbackUri: 'http://sprout/timers',
        opaque: '{"aor_id":"x"}',
      },
    })
    const oneShot = body({
      timing: { interval: 300 },
      callback: { http: { uri: 'http://x/', opaque: '' } },
    })
    expect(oneShot).toEqual({
      ok: true,
      spec: { intervalMs: 300_000, callbackUri: 'http://x/', opaque: '' },
    })
  })

  it('names the field and the problem', () => {
    const cases: [unknown, RegExp][] = [
      [{ callback: { http: { uri: 'u', opaque: '' } } }, /^timing/],
      [
        { timing: { interval: 0 }, callback: { http: { uri: 'u', opaque: '' } } },
        /timing\.interval.*positive/,
      ],
      [
        { timing: { interval: '30' }, callback: { http: { uri: 'u', opaque: '' } } },
        /timing\.interval/,
      ],
      [
        { timing: { interval: 3, 'repeat-for': -1 }, callback: { http: { uri: 'u', opaque: '' } } },
        /timing\.repeat-for/,
      ],
      [{ timing: { interval: 3 }, callback: { http: { opaque: '' } } }, /callback\.http\.uri/],
      [
        { timing: { interval: 3 }, callback: { http: { uri: 'u', opaque: 7 } } },
        /callback\.http\.opaque/,
      ],
    ]
    for (const [v, re] of cases) {
      const r = body(v)
      expect(r.ok).toBe(false)
      if (!r.ok) expect(r.error).toMatch(re)
    }
    expect(parseChronosBody('{not json')).toEqual({ ok: false, error: 'body is not JSON' })
  })

  it('refuses durations and opaque data over the limits, naming the field', () => {
    const limits = { maxDurationS: 3600, maxOpaqueBytes: 8 }
    const spec = (interval: number, repeatFor: number, opaque: string) =>
      parseChronosBody(
        JSON.stringify({
          timing: { interval, 'repeat-for': repeatFor },
          callback: { http: { uri: 'http://x/', opaque } },
        }),
        limits
      )
    expect(spec(3600, 3600, 'é'.repeat(4)).ok).toBe(true)
    expect(spec(1e12, 1e12, '')).toEqual({
      ok: false,
      error: 'timing.interval: must be at most 3600 seconds',
    })
    expect(spec(60, 3601, '')).toEqual({
      ok: false,
      error: 'timing.repeat-for: must be at most 3600 seconds',
    })
    expect(spec(60, 60, 'é'.repeat(5))).toEqual({
      ok: false,
      error: 'callback.http.opaque: must be at most 8 bytes',
    })
  })
})
