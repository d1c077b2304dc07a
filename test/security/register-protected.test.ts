/**
 * Re-registration without a fresh challenge must never let a subscriber act as another
 * (edge/protected-flow.ts, functions/sprout/registrar/protected-register.ts). Over the real local
 * cloud, where `/sip?tls=loopback` stands for a `wss:` connection (EDGE_LOOPBACK_TLS=1):
 * - another IMPI, or another subscriber's identity, on an authenticated protected flow is
 *   challenged and the victim's bindings are untouched;
 * - an initial registration on a protected flow is challenged, even with a forged
 *   `integrity-protected="tls-yes"`;
 * - a plain `ws:` flow is never spared the challenge, and what its client claims is ignored;
 * - a digest nonce-count replayed is stale (401), a higher one is accepted without a challenge.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { bindingsOf, type Subscriber, subscriber } from '../integration/registrar-helpers'
import { endpoints } from '../support/cloud'
import {
  answerAs,
  register,
  registerSelf,
  SourceSocket,
  statusOf,
  testAddress,
} from './register-helpers'

const sockets: SourceSocket[] = []
afterEach(() => {
  for (const s of sockets.splice(0)) s.close()
})

const protectedUrl = () => `${endpoints().sip.a}?tls=loopback`

async function open(tls: boolean): Promise<SourceSocket> {
  const ws = await SourceSocket.open(testAddress(), tls ? protectedUrl() : endpoints().sip.a)
  sockets.push(ws)
  return ws
}

const contactFor = (tag: string) =>
  `<sip:${tag}@${tag}.invalid;transport=ws>;+sip.instance="<urn:uuid:${crypto.randomUUID()}>";reg-id=1`

/** `Authorization` naming `username` with no answer, as an IMS client's first REGISTER does. */
const bare = (username: string, extra = '') =>
  `Digest username="${username}", realm="${endpoints().homeDomain}", nonce="", uri="sip:${endpoints().homeDomain}", response=""${extra}`

/** Registers `sub` on `ws` (challenge and answer); returns the next CSeq. */
async function registered(ws: SourceSocket, sub: Subscriber, callId: string): Promise<number> {
  const ok = await registerSelf(ws, sub, {
    callId,
    cseq: 1,
    contact: contactFor('me'),
    expires: 300,
  })
  expect(statusOf(ok)).toBe(200)
  return 3
}

describe('re-registration without a challenge never serves another subscriber', () => {
  it('challenges another IMPI and another identity on an authenticated protected flow', async () => {
    const [me, victim] = await Promise.all([subscriber('prme'), subscriber('prvictim')])
    const victimWs = await open(true)
    await registered(victimWs, victim, `victim-${crypto.randomUUID()}`)
    const before = await bindingsOf(victim.impu)

    const ws = await open(true)
    const callId = `attacker-${crypto.randomUUID()}`
    let cseq = await registered(ws, me, callId)
    const attempts = [
      // The victim's identity, no credentials (the edge would make them from the flow's IMPI).
      { to: victim.impu },
      // The victim's identity and IMPI, claiming protection.
      { to: victim.impu, authorization: bare(victim.impi, ', integrity-protected="tls-yes"') },
      // The victim's identity with the attacker's own IMPI.
      { to: victim.impu, authorization: bare(me.impi, ', integrity-protected="tls-yes"') },
      // The attacker's identity with the victim's IMPI.
      { to: me.impu, authorization: bare(victim.impi, ', integrity-protected="tls-yes"') },
    ]
    for (const a of attempts) {
      const res = await ws.request(
        register({ ...a, callId, cseq: cseq++, contact: contactFor('evil'), expires: 300 })
      )
      expect(statusOf(res), JSON.stringify(a)).toBe(401)
    }
    // A fetch and a Contact: * for the victim are challenged too.
    const fetch = await ws.request(register({ to: victim.impu, callId, cseq: cseq++ }))
    expect(statusOf(fetch)).toBe(401)
    expect(fetch).not.toMatch(/\r\nContact:/i)
    const wipe = await ws.request(
      register({ to: victim.impu, callId, cseq: cseq++, contact: '*', expires: 0 })
    )
    expect(statusOf(wipe)).toBe(401)
    expect(await bindingsOf(victim.impu)).toEqual(before)
  })

  it('challenges an initial registration on a protected flow, even one claiming tls-yes', async () => {
    const sub = await subscriber('prinit')
    const ws = await open(true)
    const res = await ws.request(
      register({
        to: sub.impu,
        callId: `init-${crypto.randomUUID()}`,
        cseq: 1,
        contact: contactFor('init'),
        expires: 300,
        authorization: bare(sub.impi, ', integrity-protected="tls-yes"'),
      })
    )
    expect(statusOf(res)).toBe(401)
    expect(await bindingsOf(sub.impu)).toEqual({})
  })

  it('challenges a second protected flow of a registered subscriber until it authenticates', async () => {
    const sub = await subscriber('prsecond')
    await registered(await open(true), sub, `first-${crypto.randomUUID()}`)
    const other = await open(true)
    const res = await other.request(
      register({
        to: sub.impu,
        callId: `second-${crypto.randomUUID()}`,
        cseq: 1,
        contact: contactFor('second'),
        expires: 300,
        authorization: bare(sub.impi, ', integrity-protected="tls-yes"'),
      })
    )
    expect(statusOf(res)).toBe(401)
  })

  it('never spares a ws: flow the challenge, whatever its client claims', async () => {
    const sub = await subscriber('prplain')
    const ws = await open(false)
    const callId = `plain-${crypto.randomUUID()}`
    let cseq = await registered(ws, sub, callId)
    for (const authorization of [
      undefined,
      bare(sub.impi),
      bare(sub.impi, ', integrity-protected="tls-yes"'),
      bare(sub.impi, ', integrity-protected=yes'),
    ]) {
      const res = await ws.request(
        register({
          to: sub.impu,
          callId,
          cseq: cseq++,
          contact: contactFor('me'),
          expires: 300,
          ...(authorization ? { authorization } : {}),
        })
      )
      expect(statusOf(res), authorization ?? 'no Authorization').toBe(401)
    }
  })

  it('refuses a replayed nonce-count and accepts a higher one without a challenge', async () => {
    const sub = await subscriber('prnc')
    const ws = await open(false)
    const callId = `nc-${crypto.randomUUID()}`
    const contact = contactFor('nc')
    const ch = await ws.request(register({ to: sub.impu, callId, cseq: 1, contact, expires: 300 }))
    expect(statusOf(ch)).toBe(401)
    const first = answerAs(ch, sub, sub.password, 1)
    const ok = await ws.request(
      register({ to: sub.impu, callId, cseq: 2, contact, expires: 300, authorization: first })
    )
    expect(statusOf(ok)).toBe(200)
    // The same nonce and count again: a replay (RFC 7616 §3.4), stale.
    const replay = await ws.request(
      register({ to: sub.impu, callId, cseq: 3, contact, expires: 300, authorization: first })
    )
    expect(statusOf(replay)).toBe(401)
    expect(replay).toMatch(/stale=true/i)
    // The next count of the same nonce: accepted with no new challenge.
    const next = await ws.request(
      register({
        to: sub.impu,
        callId,
        cseq: 4,
        contact,
        expires: 300,
        authorization: answerAs(ch, sub, sub.password, 2),
      })
    )
    expect(statusOf(next)).toBe(200)
    // And that count cannot be used twice either.
    const again = await ws.request(
      register({
        to: sub.impu,
        callId,
        cseq: 5,
        contact,
        expires: 300,
        authorization: answerAs(ch, sub, sub.password, 2),
      })
    )
    expect(statusOf(again)).toBe(401)
  })
})
