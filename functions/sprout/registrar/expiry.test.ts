import { beforeEach, describe, expect, it } from 'vitest'
import type { SipRequest } from '../../../shared/sip'
import { parseReginfoXml } from '../../../test/support/ims/reginfo-parse'
import {
  DOMAIN,
  edgeRegister,
  edgeSubscribe,
  firePops,
  flowToken,
  postFromFlow,
  provisionLikeEllis,
  registerWithAuth,
  type TestSprout,
  testSprout,
} from '../../../test/support/kits/sprout-kit'
import { AOR_LINGER_SECONDS, AorStore } from './aor-store'

const impu = `sip:6505550020@${DOMAIN}`
const impi = `6505550020@${DOMAIN}`
const password = 'pw20'

let t: TestSprout
beforeEach(async () => {
  t = testSprout()
  await provisionLikeEllis(t.dime, impu, { password })
})

const post = (text: string, token: string) => postFromFlow(t, text, token)

const register = (
  token: string,
  callId: string,
  cseq: number,
  contacts: string[],
  expires?: number
) => registerWithAuth(t, { impu, impi, password }, { token, callId, cseq, contacts, expires })

const bindings = async () => {
  const r = await t.request('GET', `/impu/${encodeURIComponent(impu)}/bindings`)
  return r.status === 404
    ? {}
    : ((await r.json()) as { bindings: Record<string, unknown> }).bindings
}
const regState = async () => {
  const r = await t.dime.request('GET', `/impu/${encodeURIComponent(impu)}/reg-data`)
  return /<RegistrationState>(\w+)</.exec(await r.text())?.[1]
}
const notifies = (token: string) =>
  t
    .toFlow(token)
    .map((p) => p.msg)
    .filter((m): m is SipRequest => m.kind === 'request' && m.method === 'NOTIFY')

describe('binding expiry', () => {
  it('removes an expired binding at its pop, NOTIFYs event=expired and tells the HSS dereg-timeout', async () => {
    const w = flowToken(2)
    expect((await register(flowToken(1), 'e1', 1, ['<sip:e@h.invalid>'], 60)).status).toBe(200)
    await post(
      edgeSubscribe({ target: impu, watcher: impu, token: w, callId: 'w1', cseq: 1, expires: 400 }),
      w
    )
    expect(await regState()).toBe('REGISTERED')
    t.clock.advance(59_000)
    expect((await firePops(t)).length).toBe(0)
    t.clock.advance(1_000)
    const pops = await firePops(t)
    expect(pops.map((p) => JSON.parse(p.body).outcome)).toEqual(['removed'])
    expect(await bindings()).toEqual({})
    expect(await regState()).toBe('NOT_REGISTERED')
    const last = notifies(w).at(-1)!
    expect(last.getRaw('subscription-state')).toBe('terminated;reason=deactivated')
    const info = parseReginfoXml(last.body)
    expect(info.ok && info.value.registrations[0]?.contacts[0]).toMatchObject({
      state: 'terminated',
      event: 'expired',
    })
    // A duplicate pop (at-least-once delivery) finds nothing to do.
    expect(
      await t.request(
        'POST',
        '/timers/registrar',
        JSON.stringify({
          k: 'binding',
          aor: impu,
          id: 'sip:e@h.invalid',
          v: 1,
          uri: 'x',
          params: [],
        })
      )
    ).toBeTruthy()
  })

  it('never deletes a binding refreshed at the last moment (sprout#1200)', async () => {
    const token = flowToken(3)
    await register(token, 'race', 1, ['<sip:r@h.invalid>'], 60)
    // The pop of the first registration, as the timer service would deliver it late.
    const timers = t.vellum.timers as unknown as {
      timers: Map<string, { spec: { opaque: string } }>
    }
    const [first] = [...timers.timers.values()].map((x) => x.spec.opaque)
    t.clock.advance(59_900)
    await register(token, 'race', 3, ['<sip:r@h.invalid>'], 60)
    t.clock.advance(200)
    // The pop of the first registration's timer arrives after the old expiry: the refresh
    // armed no timer of its own, so the pop finds the binding live and re-arms for it.
    const res = await t.request('POST', '/timers/registrar', first!)
    expect(await res.json()).toEqual({ outcome: 'rearmed' })
    expect(Object.keys(await bindings())).toEqual(['sip:r@h.invalid'])
    // The re-armed timer removes it at its own expiry.
    t.clock.advance(60_000)
    const pops = await firePops(t)
    expect(pops.map((p) => JSON.parse(p.body).outcome)).toEqual(['removed'])
    expect(await bindings()).toEqual({})
  })

  it('arms no timer for a refresh that extends a binding; its pop re-arms for the new expiry', async () => {
    const token = flowToken(13)
    const timers = t.vellum.timers as unknown as { timers: Map<string, unknown> }
    const armed = { n: 0 }
    const update = t.vellum.timers.update.bind(t.vellum.timers)
    t.vellum.timers.update = async (...args) => {
      armed.n++
      return update(...args)
    }
    await register(token, 'lazy', 1, ['<sip:z@h.invalid>'], 60)
    expect(armed.n).toBe(1)
    for (let i = 0; i < 3; i++) {
      t.clock.advance(30_000)
      expect((await register(token, 'lazy', 3 + 2 * i, ['<sip:z@h.invalid>'], 60)).status).toBe(200)
    }
    expect(armed.n).toBe(1)
    expect(timers.timers.size).toBe(1)
    // At the first expiry (t = 60 s) the binding lives until t = 150 s: re-armed, not removed.
    const pops = await firePops(t)
    expect(pops.map((p) => JSON.parse(p.body).outcome)).toEqual(['rearmed'])
    expect(armed.n).toBe(2)
    t.clock.advance(60_000)
    expect((await firePops(t)).map((p) => JSON.parse(p.body).outcome)).toEqual(['removed'])
    expect(await bindings()).toEqual({})
  })

  it('re-arms when a refresh brings the expiry forward', async () => {
    const token = flowToken(14)
    await register(token, 'short', 1, ['<sip:y@h.invalid>'], 300)
    await register(token, 'short', 3, ['<sip:y@h.invalid>'], 30)
    t.clock.advance(30_000)
    expect((await firePops(t)).map((p) => JSON.parse(p.body).outcome)).toEqual(['removed'])
  })

  it('re-arms a pop that arrives before the expiry', async () => {
    await register(flowToken(4), 'early', 1, ['<sip:q@h.invalid>'], 120)
    const timers = t.vellum.timers as unknown as {
      timers: Map<string, { spec: { opaque: string } }>
    }
    const [opaque] = [...timers.timers.values()].map((x) => x.spec.opaque)
    t.clock.advance(60_000)
    const res = await t.request('POST', '/timers/registrar', opaque!)
    expect(await res.json()).toEqual({ outcome: 'rearmed' })
    expect(Object.keys(await bindings())).toHaveLength(1)
  })
})

describe('tombstones', () => {
  it('need no sweep: the removed binding timer pop does nothing, and the AoR drops them', async () => {
    const w = flowToken(20)
    await register(flowToken(21), 'tb', 1, ['<sip:keep@h.invalid>'], 300)
    await register(flowToken(22), 'tc', 1, ['<sip:gone@h.invalid>'], 300)
    await post(
      edgeSubscribe({ target: impu, watcher: impu, token: w, callId: 'tw', cseq: 1, expires: 400 }),
      w
    )
    await register(flowToken(22), 'tc', 3, ['<sip:gone@h.invalid>;expires=0'])
    const aor = new AorStore(t.vellum.kv)
    expect(Object.keys(await aor.records(impu)).sort()).toEqual([
      'b:sip:gone@h.invalid',
      'b:sip:keep@h.invalid',
      `n:${impi}`,
      expect.stringMatching(/^s:/),
    ])
    t.clock.advance(121_000)
    expect(await firePops(t)).toEqual([])
    await register(flowToken(21), 'tb', 2, ['<sip:keep@h.invalid>'], 300)
    const before = notifies(w).length
    // Past the linger, the tombstone is gone from the AoR.
    t.clock.advance((AOR_LINGER_SECONDS - 120) * 1000)
    expect(Object.keys(await new AorStore(t.vellum.kv).records(impu))).not.toContain(
      'b:sip:gone@h.invalid'
    )
    // The removed binding's own expiry timer finds the tombstone gone: nothing to do.
    t.clock.advance(300_000 - AOR_LINGER_SECONDS * 1000)
    const pops = await firePops(t)
    expect(pops.map((p) => JSON.parse(p.body).outcome).sort()).toEqual(['absent', 'rearmed'])
    expect(notifies(w)).toHaveLength(before)
    expect(Object.keys(await bindings())).toEqual(['sip:keep@h.invalid'])
    expect(await regState()).toBe('REGISTERED')
  })
})

describe('flow closure', () => {
  it('removes the bindings whose Path carries the flow and leaves the others', async () => {
    const dead = flowToken(5)
    const alive = flowToken(6)
    await register(dead, 'fa', 1, ['<sip:d@h.invalid>;+sip.instance="<urn:uuid:d>";reg-id=1'])
    await register(alive, 'fb', 1, ['<sip:l@h.invalid>;+sip.instance="<urn:uuid:l>";reg-id=1'])
    const r = await t.request('POST', `/flows/${dead}/closed`, JSON.stringify({}))
    expect(await r.json()).toEqual({ removed: 1 })
    expect(Object.keys(await bindings())).toEqual(['urn:uuid:l:1'])
    expect(await regState()).toBe('REGISTERED')
    const r2 = await t.request('POST', `/flows/${alive}/closed`, JSON.stringify({ aor: impu }))
    expect(await r2.json()).toEqual({ removed: 1 })
    expect(await bindings()).toEqual({})
    expect(await regState()).toBe('NOT_REGISTERED')
  })

  it('keeps a binding that a new flow took over (RFC 5626 §6)', async () => {
    const old = flowToken(7)
    const fresh = flowToken(8)
    const c = '<sip:m@h.invalid>;+sip.instance="<urn:uuid:m>";reg-id=1'
    await register(old, 'm1', 1, [c])
    await register(fresh, 'm2', 1, [c])
    const r = await t.request('POST', `/flows/${old}/closed`, JSON.stringify({ aor: impu }))
    expect(await r.json()).toEqual({ removed: 0 })
    const b = (await bindings()) as Record<string, { paths: string[] }>
    expect(b['urn:uuid:m:1']?.paths[0]).toContain(fresh)
  })

  it('refuses a malformed body with 400 naming the field', async () => {
    const r = await t.request('POST', `/flows/${flowToken(9)}/closed`, JSON.stringify({ aor: 5 }))
    expect(r.status).toBe(400)
    expect(((await r.json()) as { reason: string }).reason).toContain('aor')
  })
})

describe('authentication timeout', () => {
  it('arms no timer for a challenge: an unanswered one leaves nothing to pop', async () => {
    const ch = await post(
      edgeRegister({
        impu,
        token: flowToken(10),
        callId: 'at',
        cseq: 1,
        contacts: ['<sip:a@h.invalid>'],
      }),
      flowToken(10)
    )
    expect(ch.find((m) => m.kind === 'response')).toMatchObject({ status: 401 })
    t.clock.advance(30_000)
    expect(await firePops(t)).toEqual([])
  })

  it('acknowledges an authentication-timeout pop armed by an older deployment', async () => {
    const r = await t.request(
      'POST',
      '/authentication-timeout',
      JSON.stringify({ impi, impu, nonce: 'n' })
    )
    expect(r.status).toBe(200)
    expect(await r.json()).toEqual({ outcome: 'kept' })
    expect((await t.request('POST', '/authentication-timeout', '{}')).status).toBe(400)
  })
})
