import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../shared/config/cached-config'
import { DEFAULT_TURN_TTL_S, iceConfig } from './ice-config'
import { iceServersFor, turnPassword, turnUserId } from './turn-credentials'

const SECRET = 'a-turn-shared-secret-of-at-least-32-bytes'
/** Node's own HMAC, independent of the WebCrypto code under test. */
const nodePassword = (secret: string, username: string) =>
  createHmac('sha1', secret).update(username).digest('base64')

describe('TURN REST API credentials (draft-uberti-behave-turn-rest-00 §2.2)', () => {
  it('computes base64(HMAC-SHA1(secret, username)) exactly as coturn does', async () => {
    // A fixed vector, checked once against Node's crypto and pinned here.
    expect(nodePassword('north', '1433895918:alice')).toBe('RqMvcGPYTJMGThVLSi4amT4zFtI=')
    expect(await turnPassword('north', '1433895918:alice')).toBe('RqMvcGPYTJMGThVLSi4amT4zFtI=')
    for (const u of ['1:x', '1767312000:q1w2e3r4t5y6u7i8', '2000000000:user+with/odd=chars'])
      expect(await turnPassword(SECRET, u)).toBe(nodePassword(SECRET, u))
  })

  it('issues username "<expiry>:<opaque id>", the password of that username, ttl and uris', async () => {
    const config = iceConfig({
      ICE_STUN_URLS: 'stun:stun.example.com:3478, stun:[2001:db8::1]',
      ICE_TURN_URLS: 'turn:turn.example.com:3478?transport=udp,turns:turn.example.com:5349',
      ICE_TURN_SECRET: SECRET,
      ICE_TURN_TTL_S: '3600',
    })
    const now = Date.UTC(2026, 11, 7, 10, 0, 0, 500)
    const a = await iceServersFor(config, 'alice@example.com', now)
    const expiry = Math.floor(now / 1000) + 3600
    const id = await turnUserId(SECRET, 'alice@example.com')
    expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/)
    expect(a.username).toBe(`${expiry}:${id}`)
    expect(a.password).toBe(nodePassword(SECRET, a.username!))
    expect(a.ttl).toBe(3600)
    expect(a.uris).toEqual([
      'turn:turn.example.com:3478?transport=udp',
      'turns:turn.example.com:5349',
    ])
    expect(a.iceServers).toEqual([
      { urls: ['stun:stun.example.com:3478', 'stun:[2001:db8::1]'] },
      { urls: a.uris, username: a.username, credential: a.password },
    ])
    // The address stays out of the username; another account gets another id.
    expect(a.username).not.toContain('alice')
    const b = await iceServersFor(config, 'bob@example.com', now)
    expect(b.username).not.toBe(a.username)
    expect((await iceServersFor(config, 'alice@example.com', now + 60_000)).username).toBe(
      `${expiry + 60}:${id}`
    )
  })

  it('hands out STUN only, or nothing, when no TURN server is configured', async () => {
    const stunOnly = await iceServersFor(
      iceConfig({ ICE_STUN_URLS: 'stun:stun.example.com' }),
      'a@example.com',
      0
    )
    expect(stunOnly).toEqual({ iceServers: [{ urls: ['stun:stun.example.com'] }], uris: [] })
    expect(await iceServersFor(iceConfig({}), 'a@example.com', 0)).toEqual({
      iceServers: [],
      uris: [],
    })
  })
})

describe('ICE settings', () => {
  it('defaults the TTL to four hours and refuses bad URIs, TTLs and a missing or weak secret', () => {
    expect(iceConfig({})).toEqual({
      stunUrls: [],
      turnUrls: [],
      turnSecret: undefined,
      turnTtlS: DEFAULT_TURN_TTL_S,
    })
    expect(DEFAULT_TURN_TTL_S).toBe(14_400)
    const bad = (raw: Record<string, string>, re: RegExp) =>
      expect(() => iceConfig(raw)).toThrow(
        expect.objectContaining({ message: expect.stringMatching(re) })
      )
    bad({ ICE_STUN_URLS: 'http://stun.example.com' }, /ICE_STUN_URLS.*stun:\/stuns: URI/)
    bad({ ICE_STUN_URLS: 'turn:turn.example.com' }, /ICE_STUN_URLS/)
    bad(
      { ICE_TURN_URLS: 'turn:t.example.com?transport=sctp', ICE_TURN_SECRET: SECRET },
      /ICE_TURN_URLS.*turn:\/turns: URI/
    )
    bad({ ICE_TURN_URLS: 'turn:t.example.com' }, /ICE_TURN_SECRET is not set/)
    bad({ ICE_TURN_URLS: 'turn:t.example.com', ICE_TURN_SECRET: 'short' }, /at least 32 bytes/)
    bad({ ICE_TURN_TTL_S: '59' }, /ICE_TURN_TTL_S/)
    bad({ ICE_TURN_TTL_S: String(8 * 86_400) }, /ICE_TURN_TTL_S/)
    expect(() => iceConfig({ ICE_TURN_TTL_S: 'x' })).toThrow(ConfigError)
    // The local cloud accepts a short dev secret.
    expect(
      iceConfig({
        EDGEWATER_ENV: 'local',
        ICE_TURN_URLS: 'turn:127.0.0.1:3478',
        ICE_TURN_SECRET: 'dev',
      }).turnSecret
    ).toBe('dev')
  })
})
