import { describe, expect, it } from 'vitest'
import { Unavailable } from '../../../shared/vellum'
import { API_KEY, ellisKit, json } from '../../../test/support/kits/ellis-kit'
import { OPS_SESSION_S } from './ops-auth'

async function opsLogin(kit: ReturnType<typeof ellisKit>): Promise<string> {
  const r = await kit.request('a', 'POST', '/ops/login', {
    headers: json,
    body: JSON.stringify({ api_key: API_KEY }),
  })
  expect(r.status).toBe(200)
  const c = r.headers.getSetCookie().find((x) => x.startsWith('edgewater_ops='))
  if (!c) throw new Error('no ops cookie')
  return c.split(';')[0]!
}

const flags = (kit: ReturnType<typeof ellisKit>, region: 'a' | 'b', cookie: string) =>
  kit.request(region, 'GET', '/ops/api/flags', { headers: { cookie } })

describe('the ops session', () => {
  it('ends at logout for every copy of the cookie, in both regions', async () => {
    const kit = ellisKit()
    const cookie = await opsLogin(kit)
    expect((await flags(kit, 'a', cookie)).status).toBe(200)
    expect((await flags(kit, 'b', cookie)).status).toBe(200)
    const out = await kit.request('a', 'POST', '/ops/logout', { headers: { cookie } })
    expect(out.status).toBe(303)
    expect(out.headers.get('set-cookie')).toMatch(/^edgewater_ops=;.*Max-Age=0/)
    // A copy taken before the logout opens nothing, though it is genuine and unexpired.
    expect((await flags(kit, 'a', cookie)).status).toBe(403)
    expect((await flags(kit, 'b', cookie)).status).toBe(403)
    const page = await kit.request('a', 'GET', '/ops', { headers: { cookie } })
    expect(await page.text()).toContain('api_key')
  })

  it("leaves the operator's other sessions alone, and a new login works", async () => {
    const kit = ellisKit()
    const laptop = await opsLogin(kit)
    const desk = await opsLogin(kit)
    await kit.request('a', 'POST', '/ops/logout', { headers: { cookie: laptop } })
    expect((await flags(kit, 'a', desk)).status).toBe(200)
    expect((await flags(kit, 'a', await opsLogin(kit))).status).toBe(200)
  })

  it('is refused when it expires', async () => {
    const kit = ellisKit()
    const cookie = await opsLogin(kit)
    kit.clock.advance(OPS_SESSION_S * 1000 + 1)
    expect((await flags(kit, 'a', cookie)).status).toBe(403)
  })

  it('answers 503, not 403, while the session store is down', async () => {
    const kit = ellisKit()
    const cookie = await opsLogin(kit)
    const get = kit.vellum.kv.get.bind(kit.vellum.kv)
    kit.vellum.kv.get = (() => Promise.reject(new Unavailable('kv down', 'kv'))) as typeof get
    const r = await flags(kit, 'a', cookie)
    expect(r.status).toBe(503)
    expect(r.headers.get('retry-after')).toBe('1')
    kit.vellum.kv.get = get
    expect((await flags(kit, 'a', cookie)).status).toBe(200)
  })
})
