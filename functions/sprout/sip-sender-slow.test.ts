/**
 * Sprout's hops with no answer at their timeout (sip-sender.ts `slow`, shared/hop/hop-liveness.ts):
 * an INVITE forked to a callee's flow whose edge is running but busy is waited for rather than
 * answered 408 at 4 s (which failed the call while the edge went on to deliver it); an edge that
 * does not answer its liveness probe is a transport failure at once, as before. The edge is a
 * fetch stub; time is vitest's fake clock.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { probeOrigin } from '../../shared/hop/hop-liveness'
import { createResolver } from '../../shared/hop/resolver'
import { createLogger } from '../../shared/log/logger'
import { parseMessage, type SipRequest } from '../../shared/sip'
import { settleOnFakeClock } from '../../test/support/fake-clock'
import { createSipSender } from './sip-sender'

const EDGE = 'http://edge.test'
const TOKEN = `${'ab'.repeat(32)}.${'cd'.repeat(12)}`
const urls = (r: string) => ({
  sprout: `http://sprout-${r}.test`,
  dime: `http://dime-${r}.test`,
  homer: `http://homer-${r}.test`,
  ellis: `http://ellis-${r}.test`,
  timers: `http://timers-${r}.test`,
})
const invite = () =>
  parseMessage(
    [
      'INVITE sip:bob@example.com SIP/2.0',
      `Route: <sip:${TOKEN}@edge.edgewater.internal;lr>`,
      'Via: SIP/2.0/HTTP scscf.a.edgewater.internal;branch=z9hG4bKs1',
      'Max-Forwards: 69',
      'From: <sip:alice@example.com>;tag=a1',
      'To: <sip:bob@example.com>',
      'Call-ID: slow-fork-1',
      'CSeq: 1 INVITE',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n')
  ) as SipRequest

/**
 * An edge that answers a delivery `answerAfterMs` (fake time) after it arrives, and `/livez` when
 * alive. Counted from the delivery, not from the test's start: the hop signs its request first,
 * and a slow `crypto.subtle` lets the fake clock run on meanwhile.
 */
function edge(answerAfterMs: number | undefined, alive: boolean): typeof fetch {
  return ((input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input)
    if (url.endsWith('/livez'))
      return alive
        ? Promise.resolve(new Response('not found', { status: 404 }))
        : Promise.reject(new TypeError('connection refused'))
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined)
    return new Promise<Response>((resolve, reject) => {
      // As fetch does: a signal aborted before the call (the hop's timer may fire while it signs).
      if (signal?.aborted) return reject(new DOMException('aborted', 'AbortError'))
      signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))
      if (answerAfterMs !== undefined)
        setTimeout(() => resolve(new Response(null, { status: 202 })), answerAfterMs)
    })
  }) as typeof fetch
}

function sender(doFetch: typeof fetch) {
  return createSipSender({
    resolver: createResolver({ functionUrls: { a: urls('a'), b: urls('b') }, edgeUrl: EDGE }),
    secret: 's'.repeat(32),
    log: createLogger({ component: 'sprout' }, { sink: () => undefined }),
    fetch: doFetch,
    slow: (url) => probeOrigin(url, 4_000, 32_000, doFetch),
  })
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
})
afterEach(() => {
  vi.useRealTimers()
})

describe("Sprout's hop to a busy flow", () => {
  it('is delivered when the running edge answers after the 4 s timeout', async () => {
    const r = await settleOnFakeClock(sender(edge(9_000, true)).request(invite()))
    expect(r.ok).toBe(true)
  })

  it('is 408 without a transport failure when the running edge stays silent past the limit', async () => {
    const r = await settleOnFakeClock(sender(edge(undefined, true)).request(invite()))
    expect(r).toMatchObject({ ok: false, sipStatus: 408, transport: false })
  })

  it('is a transport failure at the timeout when the edge does not answer its probe', async () => {
    const r = await settleOnFakeClock(sender(edge(9_000, false)).request(invite()))
    expect(r).toMatchObject({ ok: false, sipStatus: 408, transport: true })
  })
})
