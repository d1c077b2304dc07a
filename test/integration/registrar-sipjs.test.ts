/**
 * The registrar end to end with real sip.js user agents over WebSocket through the edge
 * (docs/internal-hop.md), subscribers provisioned through Dime's Homestead-prov API: register,
 * refresh, several bindings, unregister, wildcard unregister, wrong password, flow closure, and
 * the store round trips each REGISTER transaction cost on the real KV.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { endpoints, eventually } from '../support/cloud'
import { TestUa } from '../support/sip-ua'
import { bindingsOf, costs, subscriber } from './registrar-helpers'

const uas: TestUa[] = []
async function ua(
  sub: { impu: string; impi: string; password: string },
  opts: { instanceId?: string; password?: string; expires?: number } = {}
) {
  const u = await TestUa.start({
    server: endpoints().sip.a,
    impu: sub.impu,
    impi: sub.impi,
    password: opts.password ?? sub.password,
    ...(opts.instanceId ? { instanceId: opts.instanceId } : {}),
    ...(opts.expires !== undefined ? { expires: opts.expires } : {}),
  })
  uas.push(u)
  return u
}
afterEach(async () => {
  await Promise.all(uas.splice(0).map((u) => u.stop()))
})

const callIdOf = (u: TestUa) =>
  /\r\nCall-ID:\s*(\S+)/i.exec(u.sent.find((m) => m.startsWith('REGISTER')) ?? '')?.[1] ?? ''

describe('registrar with sip.js over the edge', () => {
  it('registers, refreshes, keeps two devices, unregisters one, then all with Contact: *', async () => {
    const sub = await subscriber('sipjs')
    const one = await ua(sub, { instanceId: '11111111-1111-4111-8111-111111111111' })
    const ok = await one.register()
    expect(ok.status).toBe(200)
    expect(ok.headers['p-associated-uri']).toEqual([`<${sub.impu}>`])
    expect(ok.headers['service-route']?.[0]).toBe('<sip:sprout.a.edgewater.internal;lr;orig>')
    expect(ok.headers.require).toEqual(['outbound'])
    const contact = ok.headers.contact?.[0] ?? ''
    expect(contact).toContain(';expires=300')
    expect(contact).toContain(
      `pub-gruu="${sub.impu};gr=urn:uuid:11111111-1111-4111-8111-111111111111"`
    )
    expect(one.registered).toBe(true)
    // sip.js counts the 401 then the 200.
    expect(one.receivedMatching(/^SIP\/2\.0 401/)).toHaveLength(1)

    // Refresh: sip.js resends its old credentials, gets a stale challenge, answers it.
    const again = await one.register()
    expect(again.status).toBe(200)
    const stored = await bindingsOf(sub.impu)
    expect(Object.keys(stored)).toEqual(['urn:uuid:11111111-1111-4111-8111-111111111111:1'])
    // The edge's Path, stored with the binding (the edge strips Path toward the client).
    expect(Object.values(stored)[0]?.paths[0]).toMatch(
      /^<sip:[0-9a-f]{64}\.[0-9a-f]{24}@edge\.edgewater\.internal;lr;ob>$/
    )

    const two = await ua(sub, { instanceId: '22222222-2222-4222-8222-222222222222' })
    const ok2 = await two.register()
    expect(ok2.headers.contact).toHaveLength(2)
    expect(Object.keys(await bindingsOf(sub.impu)).sort()).toEqual([
      'urn:uuid:11111111-1111-4111-8111-111111111111:1',
      'urn:uuid:22222222-2222-4222-8222-222222222222:1',
    ])

    const off = await one.unregister()
    expect(off.status).toBe(200)
    expect(Object.keys(await bindingsOf(sub.impu))).toEqual([
      'urn:uuid:22222222-2222-4222-8222-222222222222:1',
    ])

    const all = await two.unregister(true)
    expect(all.status).toBe(200)
    expect(all.headers.contact ?? []).toEqual([])
    expect(await bindingsOf(sub.impu)).toEqual({})

    // Architecture §8: every REGISTER transaction on the real KV within two sequential round
    // trips (Homestead's cache entries ride in the AoR read), but the answer that registers the
    // just-provisioned set: its AoR read misses locally and goes to the other region (two);
    // Homestead, in process, fills its two cache entries from the global table side by side
    // (three rounds each, three to five as the two fills interleave), writes the registration
    // state, re-reads and rewrites the set (three); then the registrar's write round (one).
    const figures = [...(await costs(callIdOf(one))), ...(await costs(callIdOf(two)))].filter(
      (c) => c.method === 'REGISTER'
    )
    console.log(
      'REGISTER transactions (cseq status depth calls ms):',
      figures.map((f) => `${f.cseq} ${f.status} ${f.depth} ${f.calls} ${f.ms}`).join(' | ')
    )
    expect(figures.length).toBeGreaterThanOrEqual(8)
    const creating = figures.find((f) => f.status === 200)
    for (const f of figures)
      expect(f.depth, `CSeq ${f.cseq} answered ${f.status}`).toBeLessThanOrEqual(
        f === creating ? 11 : 2
      )
    // A fresh challenge is the edge's (edge/register-challenge.ts): it reaches no function, so
    // Sprout records none for each UA's first REGISTER; the 401s Sprout records are stale ones
    // (sip.js resending its old credentials), judged after the one read of the nonce's last count.
    const firstCseq = (u: TestUa) =>
      Number(/\r\nCSeq:\s*(\d+)/i.exec(u.sent.find((m) => m.startsWith('REGISTER')) ?? '')?.[1])
    for (const u of [one, two]) {
      const own = await costs(callIdOf(u))
      expect(own.map((f) => f.cseq)).not.toContain(firstCseq(u))
      expect(u.receivedMatching(/^SIP\/2\.0 401/).length).toBeGreaterThanOrEqual(1)
    }
    const stale = figures.filter((f) => f.status === 401)
    expect(stale.length).toBeGreaterThanOrEqual(1)
    for (const f of stale) expect(f.calls, `CSeq ${f.cseq}`).toBe(1)
  })

  it('refuses a wrong password with 403', async () => {
    const sub = await subscriber('badpw')
    const u = await ua(sub, { password: 'not-the-password' })
    const res = await u.register()
    expect(res.status).toBe(403)
    expect(u.registered).toBe(false)
    expect(await bindingsOf(sub.impu)).toEqual({})
  })

  it('removes the bindings of a flow whose WebSocket closed', async () => {
    const sub = await subscriber('flow')
    const keep = await ua(sub, { instanceId: '33333333-3333-4333-8333-333333333333' })
    const lose = await ua(sub, { instanceId: '44444444-4444-4444-8444-444444444444' })
    expect((await keep.register()).status).toBe(200)
    expect((await lose.register()).status).toBe(200)
    expect(Object.keys(await bindingsOf(sub.impu))).toHaveLength(2)
    await lose.drop()
    const left = await eventually(async () => {
      const b = await bindingsOf(sub.impu)
      return Object.keys(b).length === 1 ? b : undefined
    })
    expect(Object.keys(left)).toEqual(['urn:uuid:33333333-3333-4333-8333-333333333333:1'])
  })
})
