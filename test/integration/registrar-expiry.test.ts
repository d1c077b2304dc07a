/**
 * Registration state over time on the local cloud: a nonce-count replay, expiry kept by the
 * binding's edge flow (its Durable Object alarm, real time), expiry on both timer tiers for a
 * binding whose flow does not keep it (the precise tier in real time, the Scheduler tier with
 * the cloud's driven clock), and a re-REGISTER racing its expiry (Clearwater sprout#1200): the
 * refresh lands just before the expiry, and an old timer pop, delivered late, must not remove it.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { advanceClock, endpoints, eventually } from '../support/cloud'
import { RawSipSocket } from '../support/sip-ua'
import {
  answerChallenge,
  bindingsOf,
  rawRegister,
  rawRegisterFlow,
  sprout,
  statusOf,
  subscriber,
} from './registrar-helpers'
import { hopFlowToken, hopRegister } from './registrar-hop'

const sockets: RawSipSocket[] = []
afterEach(() => {
  for (const s of sockets.splice(0)) s.close()
})
async function socket() {
  const s = await RawSipSocket.open(endpoints().sip.a)
  sockets.push(s)
  return s
}

describe('registrar over time', () => {
  it('re-challenges a reused nonce-count (401, stale) and accepts the next count', async () => {
    const sub = await subscriber('nonce')
    const ws = await socket()
    const callId = `nc-${Date.now()}`
    const contact = '<sip:nc@raw.invalid;transport=ws>'
    const { challenge, ok } = await rawRegisterFlow(ws, { sub, callId, cseq: 1, contact })
    expect(statusOf(ok)).toBe(200)
    const replay = await ws.request(
      rawRegister({
        sub,
        callId,
        cseq: 3,
        contact,
        authorization: answerChallenge(challenge, sub, 1),
      })
    )
    expect(statusOf(replay)).toBe(401)
    expect(replay).toContain('stale=true')
    const next = await ws.request(
      rawRegister({
        sub,
        callId,
        cseq: 4,
        contact,
        authorization: answerChallenge(challenge, sub, 2),
      })
    )
    expect(statusOf(next)).toBe(200)
  })

  it("removes a binding when its flow's alarm finds it lapsed, and tells the HSS", async () => {
    const sub = await subscriber('short')
    const ws = await socket()
    const { ok } = await rawRegisterFlow(ws, {
      sub,
      callId: `s-${Date.now()}`,
      cseq: 1,
      contact: '<sip:s@raw.invalid;transport=ws>',
      expires: 2,
    })
    expect(statusOf(ok)).toBe(200)
    expect(Object.keys(await bindingsOf(sub.impu))).toHaveLength(1)
    await eventually(async () => Object.keys(await bindingsOf(sub.impu)).length === 0, 10_000, 200)
    await eventually(async () => (await fetchRegState(sub.impu)) === 'NOT_REGISTERED', 10_000, 200)
  })

  it('removes a binding whose flow does not keep its expiry when its timer pops (precise tier, real time)', async () => {
    const sub = await subscriber('hopshort')
    const ok = await hopRegister({
      sub,
      token: hopFlowToken(),
      callId: `hs-${Date.now()}`,
      contact: '<sip:hs@raw.invalid;transport=ws>',
      expires: 2,
    })
    expect(statusOf(ok)).toBe(200)
    expect(Object.keys(await bindingsOf(sub.impu))).toHaveLength(1)
    await eventually(async () => Object.keys(await bindingsOf(sub.impu)).length === 0, 10_000, 200)
  })

  it('removes a binding whose flow does not keep its expiry when its timer pops (Scheduler tier, driven clock)', async () => {
    const sub = await subscriber('long')
    const ok = await hopRegister({
      sub,
      token: hopFlowToken(),
      callId: `l-${Date.now()}`,
      contact: '<sip:l@raw.invalid;transport=ws>',
      expires: 120,
    })
    expect(statusOf(ok)).toBe(200)
    await advanceClock(60_000)
    expect(Object.keys(await bindingsOf(sub.impu))).toHaveLength(1)
    await advanceClock(65_000)
    // Hidden from reads at expiry; removed (and the HSS told) when the Scheduler pops.
    await eventually(
      async () => {
        const rd = await fetchRegState(sub.impu)
        return rd === 'NOT_REGISTERED'
      },
      15_000,
      250
    )
    expect(await bindingsOf(sub.impu)).toEqual({})
  })

  it('keeps a binding refreshed just before its expiry, whatever the old pop does', async () => {
    const sub = await subscriber('race')
    const ws = await socket()
    const callId = `race-${Date.now()}`
    const contact = '<sip:race@raw.invalid;transport=ws>'
    const { challenge, ok } = await rawRegisterFlow(ws, {
      sub,
      callId,
      cseq: 1,
      contact,
      expires: 3,
    })
    expect(statusOf(ok)).toBe(200)
    const before = Object.values(await bindingsOf(sub.impu))[0]!
    // Refresh at the last moment, with the nonce's next count (no challenge round).
    await new Promise((r) => setTimeout(r, 2_700))
    const refresh = await ws.request(
      rawRegister({
        sub,
        callId,
        cseq: 3,
        contact,
        expires: 30,
        authorization: answerChallenge(challenge, sub, 2),
      })
    )
    expect(statusOf(refresh)).toBe(200)
    // A timer pop for the old registration, delivered late (at-least-once) after the old
    // expiry: the binding is live and its flow keeps its expiry, so the pop re-arms nothing.
    // The flow's own alarm, at the old expiry plus its grace, finds it refreshed on the flow.
    await new Promise((r) => setTimeout(r, 800))
    const stale = {
      k: 'binding',
      aor: sub.impu,
      id: before.uri,
      v: before.version,
      uri: before.uri,
      params: [],
    }
    const res = await sprout('POST', '/timers/registrar', JSON.stringify(stale))
    expect(await res.json()).toEqual({ outcome: 'flow' })
    const after = Object.values(await bindingsOf(sub.impu))[0]
    expect(after?.version).toBeGreaterThan(before.version)
    await new Promise((r) => setTimeout(r, 3_500))
    expect(Object.keys(await bindingsOf(sub.impu))).toHaveLength(1)
  })
})

async function fetchRegState(impu: string): Promise<string | undefined> {
  const { dime, enc } = await import('./dime-helpers')
  const r = await dime('GET', `/impu/${enc(impu)}/reg-data`)
  return /<RegistrationState>(\w+)</.exec(await r.text())?.[1]
}
