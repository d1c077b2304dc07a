/**
 * RFC 4028 §8.1 at Sprout over the routing harness: a Session-Expires below Min-SE (90 s by
 * default) is 422 with Min-SE when the caller supports timers, raised to Min-SE when it does not;
 * an interval at or above Min-SE is left to the usual session-timer handling.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { checkInterval, DEFAULT_SESSION_TIMER } from '../../../shared/ims/session-timer'
import type { SipRequest, SipResponse } from '../../../shared/sip'
import {
  DOMAIN,
  fromEdge,
  type RoutingHarness,
  routingHarness,
  tokenOf,
} from '../../../test/support/kits/routing-kit'

const A = `sip:6505550401@${DOMAIN}`
const B = `sip:6505550402@${DOMAIN}`
const TA = tokenOf(51)
const TB = tokenOf(52)

let h: RoutingHarness
beforeEach(async () => {
  h = routingHarness()
  for (const u of [A, B]) await h.provision(u)
  await h.register(A, TA)
  await h.register(B, TB)
})
const finals = (token: string) =>
  (h.toFlow(token).filter((m) => m.kind === 'response') as SipResponse[]).filter(
    (r) => r.status >= 200
  )

describe('a session interval below Min-SE (RFC 4028 §8.1)', () => {
  it('answers 422 with Min-SE: 90 when the caller supports timers; the callee never sees it', async () => {
    await h.post(
      fromEdge({ from: A, to: B, token: TA, headers: ['Session-Expires: 60', 'Supported: timer'] })
    )
    const [r] = finals(TA)
    expect(r!.status).toBe(422)
    expect(r!.getRaw('min-se')).toBe('90')
    expect(h.toFlow(TB, { method: 'INVITE' })).toHaveLength(0)
  })

  it('uses the request’s own Min-SE when larger, and MIN_SE_S when configured', async () => {
    await h.post(
      fromEdge({
        from: A,
        to: B,
        token: TA,
        headers: ['Session-Expires: 100', 'Min-SE: 120', 'Supported: timer'],
      })
    )
    expect(finals(TA)[0]!.getRaw('min-se')).toBe('120')
    const h2 = routingHarness({ MIN_SE_S: '300' })
    await h2.provision(A)
    await h2.provision(B)
    await h2.register(B, TB)
    await h2.post(
      fromEdge({ from: A, to: B, token: TA, headers: ['Session-Expires: 200', 'Supported: timer'] })
    )
    const r = h2.toFlow(TA).find((m) => m.kind === 'response' && m.status === 422) as SipResponse
    expect(r.getRaw('min-se')).toBe('300')
  })

  it('raises the interval to Min-SE when the caller does not support timers', async () => {
    await h.post(fromEdge({ from: A, to: B, token: TA, headers: ['Session-Expires: 30'] }))
    const [inv] = h.toFlow(TB, { method: 'INVITE' }) as SipRequest[]
    expect(inv!.getRaw('session-expires')).toBe('90')
    expect(inv!.getRaw('min-se')).toBe('90')
    expect(finals(TA)).toHaveLength(0)
  })

  it('leaves an interval at Min-SE as it is, and checks an in-dialog UPDATE too', async () => {
    await h.post(
      fromEdge({ from: A, to: B, token: TA, headers: ['Session-Expires: 90', 'Supported: timer'] })
    )
    const [inv] = h.toFlow(TB, { method: 'INVITE' }) as SipRequest[]
    expect(inv!.getRaw('session-expires')).toBe('90')
    expect(finals(TA)).toHaveLength(0)

    const update = fromEdge({
      method: 'UPDATE',
      from: A,
      to: B,
      token: TA,
      orig: false,
      headers: [
        `Route: <sip:sprout.a.edgewater.internal;lr>`,
        `Route: <sip:${TB}@edge.edgewater.internal;lr>`,
        'Session-Expires: 45',
        'Supported: timer',
      ],
    }).replace(/^(To: <[^>]*>)/m, '$1;tag=callee')
    await h.post(update)
    expect(finals(TA).map((r) => [r.cseq.method, r.status])).toEqual([['UPDATE', 422]])
    expect(h.toFlow(TB, { method: 'UPDATE' })).toHaveLength(0)
  })
})

describe('checkInterval (pure)', () => {
  it('is ok without Session-Expires or at Min-SE, 422 or raise below it', () => {
    const c = (sessionExpires: number | undefined, uac: boolean, minSe?: number) =>
      checkInterval({ sessionExpires, minSe, uacSupportsTimer: uac }, DEFAULT_SESSION_TIMER)
    expect(c(undefined, true)).toEqual({ kind: 'ok' })
    expect(c(90, true)).toEqual({ kind: 'ok' })
    expect(c(89, true)).toEqual({ kind: 'reject', minSe: 90 })
    expect(c(89, false)).toEqual({ kind: 'raise', minSe: 90 })
    expect(c(150, true, 180)).toEqual({ kind: 'reject', minSe: 180 })
  })
})
