/**
 * Third-party registration over the local cloud (clearwater-interfaces §5.5, live tests 72–73):
 * a subscriber whose iFC sends REGISTERs to the test application server (mounted on Sprout,
 * named `test`/`test-fail` through AS_URLS) gets Expires 300 on registration and 0 on
 * deregistration at the AS; a SESSION_TERMINATED AS that answers 503 deregisters it.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { endpoints, eventually } from '../support/cloud'
import { TestUa } from '../support/sip-ua'
import { asReceived, bindingsOf, registerIfc, subscriber } from './registrar-helpers'

const uas: TestUa[] = []
afterEach(async () => {
  await Promise.all(uas.splice(0).map((u) => u.stop()))
})
async function ua(sub: { impu: string; impi: string; password: string }) {
  const u = await TestUa.start({
    server: endpoints().sip.a,
    impu: sub.impu,
    impi: sub.impi,
    password: sub.password,
    expires: 3600,
  })
  uas.push(u)
  return u
}

describe('third-party REGISTER to an application server', () => {
  it('mirrors the registration: Expires 300, then 0 on unregister', async () => {
    const sub = await subscriber('isc', registerIfc('sip:test.as.edgewater.internal'))
    const u = await ua(sub)
    expect((await u.register()).status).toBe(200)
    const got = await eventually(async () => {
      const r = await asReceived(sub.impu)
      return r.length >= 1 ? r : undefined
    })
    expect(got[0]!.expires).toBe(300)
    expect((await u.unregister()).status).toBe(200)
    const all = await eventually(async () => {
      const r = await asReceived(sub.impu)
      return r.length >= 2 ? r : undefined
    })
    expect(all.map((r) => r.expires)).toEqual([300, 0])
  })

  it('deregisters the subscriber when a SESSION_TERMINATED AS refuses the REGISTER', async () => {
    const sub = await subscriber('iscfail', registerIfc('sip:test-fail.as.edgewater.internal', 1))
    const u = await ua(sub)
    expect((await u.register()).status).toBe(200)
    await eventually(async () => (await asReceived(sub.impu)).length >= 1)
    await eventually(async () => Object.keys(await bindingsOf(sub.impu)).length === 0)
  })
})
