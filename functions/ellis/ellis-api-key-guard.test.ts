import { describe, expect, it, vi } from 'vitest'
import { API_KEY, ellisKit } from '../../test/support/kits/ellis-kit'
import { DEFAULT_THROTTLE } from './throttle-config'

const LIMIT = DEFAULT_THROTTLE.signupCodeFailures
type Kit = ReturnType<typeof ellisKit>

/** `NGV-API-Key` on two of the surfaces that take it: the admin API and /ops/api. */
const surfaces = {
  admin: (kit: Kit, region: 'a' | 'b', key: string, client: string) =>
    kit.request(region, 'GET', '/api/shards', {
      headers: { 'ngv-api-key': key, 'x-forwarded-for': client },
    }),
  ops: (kit: Kit, region: 'a' | 'b', key: string, client: string) =>
    kit.request(region, 'GET', '/ops/api/flags', {
      headers: { 'ngv-api-key': key, 'x-forwarded-for': client },
    }),
}

describe('NGV-API-Key sent as a header', () => {
  for (const [name, send] of Object.entries(surfaces))
    it(`${name}: refuses wrong keys (403), then their source (429), even with the right key`, async () => {
      const kit = ellisKit()
      for (let i = 0; i < LIMIT; i++)
        expect((await send(kit, 'a', `guess-${i}`, '203.0.113.7')).status).toBe(403)
      const cut = await send(kit, 'a', API_KEY, '203.0.113.7')
      expect(cut.status).toBe(429)
      expect(Number(cut.headers.get('retry-after'))).toBeGreaterThan(0)
      // Another source, the operator's own, is not affected.
      expect((await send(kit, 'a', API_KEY, '198.51.100.7')).status).toBe(200)
    })

  it('shares one budget with /ops/login, and the other region learns it at the next wrong key', async () => {
    const kit = ellisKit()
    for (let i = 0; i < LIMIT; i++) {
      const r = await kit.request('a', 'POST', '/ops/login', {
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.8' },
        body: JSON.stringify({ api_key: `guess-${i}` }),
      })
      expect(r.status).toBe(403)
    }
    expect((await surfaces.ops(kit, 'b', 'one-more', '203.0.113.8')).status).toBe(429)
    expect((await surfaces.admin(kit, 'b', API_KEY, '203.0.113.8')).status).toBe(429)
  })

  it('costs no store command for a right key', async () => {
    const kit = ellisKit()
    const kv = kit.vellum.kv
    const spies = [vi.spyOn(kv, 'get'), vi.spyOn(kv, 'incr'), vi.spyOn(kv, 'set')]
    expect((await surfaces.ops(kit, 'a', API_KEY, '198.51.100.9')).status).toBe(200)
    for (const s of spies) expect(s).not.toHaveBeenCalled()
    expect((await surfaces.ops(kit, 'a', 'wrong', '198.51.100.9')).status).toBe(403)
    expect(spies[1]).toHaveBeenCalledTimes(1)
  })
})
