/**
 * `GET /api/ice-servers` through both regions' edges (docs/media.md): a logged-in portal session
 * gets the configured STUN and TURN servers, TURN with a TURN REST API credential that the TURN
 * server's shared secret verifies (draft-uberti-behave-turn-rest-00 §2.2, recomputed here with
 * Node's crypto); no session, a forged cookie, a logged-out session and the admin API key get 401.
 */
import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DEFAULT_TURN_TTL_S } from '../../functions/ellis/ice-config'
import { localIceSettings } from '../../infra/local/ice-settings'
import { clockNow } from '../support/cloud'
import { waitForReplication } from '../support/replication'
import { admin, call, edgeApi, signUp, uniqueEmail } from './ellis-support'

interface Answer {
  iceServers: Array<{ urls: string[]; username?: string; credential?: string }>
  username?: string
  password?: string
  ttl?: number
  uris: string[]
}

const list = (csv: string) =>
  csv
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)

describe('Ellis ICE servers', () => {
  it('gives a logged-in user the configured STUN and TURN servers with a verifiable credential', async () => {
    const ice = localIceSettings()
    const ttl = Number(ice.turnTtlS ?? DEFAULT_TURN_TTL_S)
    const email = uniqueEmail('ice')
    const cookie = await signUp(email, 'a')
    const before = Math.floor((await clockNow()) / 1000)
    const r = await call(edgeApi('a', '/ice-servers'), { headers: { cookie } })
    expect(r.status).toBe(200)
    expect(r.headers.get('cache-control')).toBe('no-store')
    const a = (await r.json()) as Answer
    expect(a.ttl).toBe(ttl)
    expect(a.uris).toEqual(list(ice.turnUrls))
    const [expiry, userId] = a.username!.split(':')
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + ttl)
    expect(Number(expiry)).toBeLessThanOrEqual(Math.floor((await clockNow()) / 1000) + ttl)
    expect(userId).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(a.username).not.toContain(email.split('@')[0])
    // What coturn's use-auth-secret computes from the username and its static-auth-secret.
    const expected = createHmac('sha1', ice.turnSecret).update(a.username!).digest('base64')
    expect(a.password).toBe(expected)
    expect(a.iceServers).toEqual([
      { urls: list(ice.stunUrls) },
      { urls: list(ice.turnUrls), username: a.username, credential: expected },
    ])
    // The other region issues the same user id (one secret, both regions), once it has the
    // account (the global table's replication delay).
    await waitForReplication()
    const b = (await (await call(edgeApi('b', '/ice-servers'), { headers: { cookie } })).json()) as
      | Answer
      | undefined
    expect(b?.username?.split(':')[1]).toBe(userId)
  })

  it('answers 401 without a live portal session', async () => {
    const noCookie = await call(edgeApi('a', '/ice-servers'))
    expect(noCookie.status).toBe(401)
    expect(noCookie.headers.get('www-authenticate')).toMatch(/^Session realm=/)
    expect(await noCookie.json()).toMatchObject({ error: true, status: 401 })
    const forged = await call(edgeApi('b', '/ice-servers'), {
      headers: { cookie: 'username=alice%40example.com|9999999999999|0|forged' },
    })
    expect(forged.status).toBe(401)
    // The API key is for provisioning, not for relaying media.
    expect((await call(edgeApi('a', '/ice-servers'), { headers: admin() })).status).toBe(401)
    // After logout the old cookie no longer gets credentials.
    const cookie = await signUp(uniqueEmail('ice-out'), 'a')
    expect((await call(edgeApi('a', '/ice-servers'), { headers: { cookie } })).status).toBe(200)
    const out = await call(edgeApi('a', '/session'), { method: 'DELETE', headers: { cookie } })
    expect(out.status).toBe(204)
    const after = await call(edgeApi('a', '/ice-servers'), { headers: { cookie } })
    expect(after.status).toBe(401)
    expect(((await after.json()) as { reason: string }).reason).toMatch(/session has ended/)
    // Other methods are refused with the allowed one named.
    const post = await call(edgeApi('a', '/ice-servers'), { method: 'POST', headers: { cookie } })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toContain('GET')
  })
})
