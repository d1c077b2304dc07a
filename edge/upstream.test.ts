/**
 * A flow's hop to Sprout that has no answer within UPSTREAM_TIMEOUT_MS (edge/upstream.ts): a
 * busy Sprout that is running may have carried the message out already (forwarded the INVITE),
 * so the hop is waited for and never sent to the other region's Sprout too, which would fork
 * the call a second time (the callee answers 482) while the caller hears 408; a region that
 * does not answer its liveness probe either is failed over as before. Time is vitest's fake
 * clock; the two regions' Sprouts are a fetch stub.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { settleOnFakeClock } from '../test/support/fake-clock'
import type { EdgeConfig } from './edge-config'
import { resetBreakers, sendUpstream } from './upstream'

const SPROUT = { a: 'http://sprout-a.test', b: 'http://sprout-b.test' }
const urls = (region: 'a' | 'b') => ({
  sprout: SPROUT[region],
  dime: `http://dime-${region}.test`,
  homer: `http://homer-${region}.test`,
  ellis: `http://ellis-${region}.test`,
  timers: `http://timers-${region}.test`,
})

const cfg = {
  functionUrls: { a: urls('a'), b: urls('b') },
  hopSecret: { secret: 's'.repeat(32) },
  upstreamTimeoutMs: 4_000,
  upstreamProbeMs: 1_000,
  upstreamAnswerLimitMs: 32_000,
  breakerOpenMs: 30_000,
} as unknown as EdgeConfig

const INVITE =
  'INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/HTTPS edge.edgewater.internal;branch=z9hG4bK1\r\n' +
  'Call-ID: slow-1\r\nCSeq: 1 INVITE\r\nFrom: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n' +
  'Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n'

interface Region {
  /** When `/sip` answers 202, in ms from the stub's start; undefined: it never answers. */
  answerAfterMs?: number
  /** The origin answers `GET /livez` (any status). */
  alive: boolean
}

/** Stubs fetch with two regions' Sprouts; returns the `/sip` posts each received. */
function regions(a: Region, b: Region) {
  const posts: string[] = []
  const start = Date.now()
  const of = (url: string) => (url.startsWith(SPROUT.a) ? a : b)
  vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input)
    const r = of(url)
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined)
    if (url.endsWith('/livez'))
      return r.alive
        ? Promise.resolve(new Response('not found', { status: 404 }))
        : Promise.reject(new TypeError('connection refused'))
    posts.push(url)
    return new Promise<Response>((resolve, reject) => {
      const fail = () => reject(new DOMException('aborted', 'AbortError'))
      if (signal?.aborted) return fail()
      signal?.addEventListener('abort', fail)
      const answer = () => resolve(new Response(null, { status: 202 }))
      if (r.answerAfterMs === 0) answer()
      else if (r.answerAfterMs !== undefined)
        setTimeout(answer, Math.max(0, start + r.answerAfterMs - Date.now()))
    })
  })
  return posts
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  resetBreakers()
})
afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('a hop to Sprout with no answer at UPSTREAM_TIMEOUT_MS', () => {
  it('is waited for when the home region is running, and not sent to the other region', async () => {
    const posts = regions({ answerAfterMs: 9_000, alive: true }, { answerAfterMs: 0, alive: true })
    const sent = sendUpstream(cfg, 'a', INVITE, 'sprout', '/sip', undefined, true)
    const out = await settleOnFakeClock(sent)
    expect(out.result.ok).toBe(true)
    expect(out.region).toBe('a')
    expect(posts).toEqual([`${SPROUT.a}/sip`])
  })

  it('is answered 408 without failover when a running home region stays silent past the limit', async () => {
    const posts = regions({ alive: true }, { answerAfterMs: 0, alive: true })
    const sent = sendUpstream(cfg, 'a', INVITE, 'sprout', '/sip', undefined, true)
    const out = await settleOnFakeClock(sent)
    expect(out.result).toMatchObject({ ok: false, sipStatus: 408, transport: false })
    expect(posts).toEqual([`${SPROUT.a}/sip`])
  })

  it('fails over when the home region does not answer its liveness probe either', async () => {
    const posts = regions({ alive: false }, { answerAfterMs: 0, alive: true })
    const sent = sendUpstream(cfg, 'a', INVITE, 'sprout', '/sip', undefined, true)
    const out = await settleOnFakeClock(sent)
    expect(out.result.ok).toBe(true)
    expect(out.region).toBe('b')
    expect(posts).toEqual([`${SPROUT.a}/sip`, `${SPROUT.b}/sip`])
  })

  it('fails over at the timeout when no probe is configured', async () => {
    const posts = regions({ answerAfterMs: 9_000, alive: true }, { answerAfterMs: 0, alive: true })
    const plain = { ...cfg, upstreamProbeMs: undefined } as EdgeConfig
    const sent = sendUpstream(plain, 'a', INVITE, 'sprout', '/sip', undefined, true)
    const out = await settleOnFakeClock(sent)
    expect(out.region).toBe('b')
    expect(posts).toEqual([`${SPROUT.a}/sip`, `${SPROUT.b}/sip`])
  })
})
