/**
 * The local cloud's driven clock at the edge (local-clock.ts): `POST /internal/clock` moves the
 * clock the edge mints digest nonces by, only in the local cloud and only when signed.
 */
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { signedInit } from '../shared/hop/signed-fetch'
import type { EdgeEnv } from './env'
import { coreClockNow, localClockRoute } from './local-clock'

const SECRET = 'edge-unit-test-hop-secret-0123'
const urls = (r: string) => ({
  sprout: `http://sprout-${r}.test`,
  dime: `http://dime-${r}.test`,
  homer: `http://homer-${r}.test`,
  ellis: `http://ellis-${r}.test`,
  timers: `http://timers-${r}.test`,
})
const env = (local: boolean) =>
  ({
    ...(local ? { EDGEWATER_ENV: 'local' } : {}),
    HOME_REGION: 'a',
    FUNCTION_URLS: JSON.stringify({ a: urls('a'), b: urls('b') }),
    HOP_SECRET: SECRET,
    FLOW_TOKEN_SECRET: 'edge-unit-test-flow-token-secret-0123',
    HOME_DOMAIN: 'example.com',
  }) as unknown as EdgeEnv

const URL = 'http://edge.test/internal/clock'
const app = new Hono<{ Bindings: EdgeEnv }>()
app.post('/internal/clock', localClockRoute)

async function post(offsetMs: unknown, o: { local?: boolean; secret?: string } = {}) {
  const body = JSON.stringify({ offsetMs })
  const init = await signedInit(o.secret ?? SECRET, URL, { method: 'POST', body })
  return app.request(URL, init, env(o.local ?? true))
}

describe('the edge’s copy of the local cloud’s clock', () => {
  it('moves by a signed offset in the local cloud, and by nothing else', async () => {
    expect((await post(125_000)).status).toBe(200)
    const moved = coreClockNow() - Date.now()
    expect(moved).toBeGreaterThanOrEqual(124_990)
    expect(moved).toBeLessThanOrEqual(125_010)
    expect((await post(5_000, { secret: 'another-secret-of-enough-length' })).status).toBe(401)
    expect((await post(5_000, { local: false })).status).toBe(404)
    expect((await post(-1)).status).toBe(400)
    expect((await post('soon')).status).toBe(400)
    expect(Math.abs(coreClockNow() - Date.now() - 125_000)).toBeLessThanOrEqual(10)
    expect((await post(0)).status).toBe(200)
    expect(Math.abs(coreClockNow() - Date.now())).toBeLessThanOrEqual(10)
  })
})
