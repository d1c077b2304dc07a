/**
 * Live test 73, "ISC Interface - Third-party Registration - implicit registration"
 * (clearwater-interfaces §5.5, §10): two public identities of one implicit registration set in
 * different service profiles, each profile's iFC naming a different application server. One
 * REGISTER of the first identity sends each AS its own third-party REGISTER for its own served
 * identity (Expires 300), and the un-REGISTER sends each its Expires 0. The two ASs are the local
 * cloud's test AS under two names: `test` answers 200, `test-fail` answers 503 (its iFC says
 * SESSION_CONTINUED, so the registration stands); the recorded `mode` tells them apart.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { endpoints, eventually } from '../support/cloud'
import { TestUa } from '../support/sip-ua'
import { dime, enc, publicIdentityXml } from './dime-helpers'
import { bindingsOf, registerIfc, sprout, subscriber } from './registrar-helpers'

const uas: TestUa[] = []
afterEach(async () => {
  await Promise.all(uas.splice(0).map((u) => u.stop()))
})

interface Received {
  expires: number | null
  mode: string
  method: string
}

async function received(impu: string): Promise<Received[]> {
  const r = await sprout('GET', `/test-as/received?impu=${enc(impu)}`)
  return ((await r.json()) as { received: Received[] }).received.filter(
    (x) => x.method === 'REGISTER'
  )
}

async function expectOk(r: Promise<Response>, what: string): Promise<Response> {
  const res = await r
  if (!res.ok) throw new Error(`${what}: ${res.status} ${await res.text()}`)
  return res
}

describe('third-party registration with several service profiles (live test 73)', () => {
  it("sends each profile's application server its own REGISTER, 300 then 0", async () => {
    const first = await subscriber('tp73', registerIfc('sip:test.as.edgewater.internal'))
    // A second identity of the same set, in a service profile of its own with another AS.
    const second = `sip:${first.impi.split('@')[0]}2@${endpoints().homeDomain}`
    const spLoc =
      (
        await expectOk(dime('POST', `/irs/${first.irs}/service_profiles`), 'service profile')
      ).headers.get('location') ?? ''
    await expectOk(
      dime('PUT', `${spLoc}/public_ids/${enc(second)}`, publicIdentityXml(second)),
      'public id'
    )
    await expectOk(
      dime('PUT', `${spLoc}/filter_criteria`, registerIfc('sip:test-fail.as.edgewater.internal')),
      'iFC'
    )

    const u = await TestUa.start({
      server: endpoints().sip.a,
      impu: first.impu,
      impi: first.impi,
      password: first.password,
      expires: 3600,
    })
    uas.push(u)
    const ok = await u.register()
    expect(ok.status).toBe(200)
    // Both identities of the set are registered (P-Associated-URI, live test 10).
    expect(ok.headers['p-associated-uri']?.join(',')).toContain(second)

    const [a, b] = await eventually(async () => {
      const got = await Promise.all([received(first.impu), received(second)])
      return got[0].length >= 1 && got[1].length >= 1 ? got : undefined
    })
    expect(a.map((r) => [r.mode, r.expires])).toEqual([['ok', 300]])
    expect(b.map((r) => [r.mode, r.expires])).toEqual([['fail', 300]])
    // The SESSION_CONTINUED AS's 503 leaves the registration in place.
    expect(Object.keys(await bindingsOf(first.impu))).toHaveLength(1)

    expect((await u.unregister()).status).toBe(200)
    const [a2, b2] = await eventually(async () => {
      const got = await Promise.all([received(first.impu), received(second)])
      return got[0].length >= 2 && got[1].length >= 2 ? got : undefined
    })
    expect(a2.map((r) => r.expires)).toEqual([300, 0])
    expect(b2.map((r) => r.expires)).toEqual([300, 0])
  })
})
