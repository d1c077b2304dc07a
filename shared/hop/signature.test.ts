import { describe, expect, it } from 'vitest'
import { createReplayGuard } from './replay-guard'
import {
  type HopKeys,
  NONCE_HEADER,
  SIGNATURE_HEADER,
  signRequest,
  TARGET_HEADER,
  TIMESTAMP_HEADER,
  verifySignature,
} from './signature'

const secret = 'a-test-secret-of-enough-length-0123456789'
const other = 'another-secret-of-enough-length-0123456789'
/** Sprout of region a as every sender addresses it. */
const SPROUT_A = 'https://sprout-a.example.net'
const url = `${SPROUT_A}/impi/alice%40example.com/av?x=1`
const T0 = 1_000_000

/** Sprout-a's keys: its own address only, a fresh replay memory per test. */
const sproutA = (o: Partial<HopKeys> = {}): HopKeys => ({
  secret,
  self: [SPROUT_A],
  replay: createReplayGuard(),
  ...o,
})

async function signed(
  o: { url?: string; secret?: string; headers?: Record<string, string>; body?: string } = {}
) {
  const h = await signRequest(o.secret ?? secret, 'POST', o.url ?? url, o.body ?? 'body', {
    now: T0,
    headers: o.headers,
  })
  return new Headers({ ...o.headers, ...h })
}

async function check(
  overrides: {
    method?: string
    url?: string
    body?: string
    now?: number
    keys?: HopKeys
    headers?: Record<string, string>
  } = {}
) {
  const headers = await signed()
  for (const [k, v] of Object.entries(overrides.headers ?? {})) headers.set(k, v)
  return verifySignature(
    overrides.keys ?? sproutA(),
    overrides.method ?? 'POST',
    overrides.url ?? url,
    headers,
    new TextEncoder().encode(overrides.body ?? 'body'),
    { now: overrides.now ?? T0 + 500 }
  )
}

describe('trusted-zone signature', () => {
  it('verifies a request signed with the same secret for this receiver', async () => {
    expect(await check()).toEqual({ ok: true })
  })

  it('checks the target against its own address, not the Host it was reached at (gateways)', async () => {
    expect(await check({ url: 'http://127.0.0.1:8801/impi/alice%40example.com/av?x=1' })).toEqual({
      ok: true,
    })
  })

  it.each([
    ['method', { method: 'PUT' }],
    ['path', { url: `${SPROUT_A}/impi/bob%40example.com/av?x=1` }],
    ['query', { url: `${SPROUT_A}/impi/alice%40example.com/av?x=2` }],
    ['body', { body: 'bodY' }],
    ['secret', { keys: sproutA({ secret: other }) }],
    ['nonce', { headers: { [NONCE_HEADER]: '00'.repeat(12) } }],
  ])('refuses a changed %s', async (_what, o) => {
    expect(await check(o)).toEqual({ ok: false, reason: 'bad signature' })
  })

  it('binds the target: a request for Sprout-a is refused by Dime-a and by Sprout-b', async () => {
    const dimeA = sproutA({ self: ['https://dime-a.example.net'] })
    const sproutB = sproutA({ self: ['https://sprout-b.example.net'] })
    for (const keys of [dimeA, sproutB])
      expect(await check({ keys })).toEqual({ ok: false, reason: 'signed for another target' })
    // Rewriting the declared target breaks the signature.
    expect(
      await check({
        keys: dimeA,
        headers: { [TARGET_HEADER]: 'https://dime-a.example.net' },
      })
    ).toEqual({ ok: false, reason: 'bad signature' })
  })

  it('without a configured address, the target is the origin the request arrived at', async () => {
    const bare = { secret, replay: createReplayGuard() }
    expect(await check({ keys: bare })).toEqual({ ok: true })
    expect(
      await check({
        keys: { ...bare, replay: createReplayGuard() },
        url: 'https://dime-a.example.net/impi/alice%40example.com/av?x=1',
      })
    ).toEqual({ ok: false, reason: 'signed for another target' })
  })

  it('signs the headers a receiver trusts: adding or changing one breaks the signature', async () => {
    const vouched = { 'x-edgewater-client-ip': '192.0.2.7', 'x-forwarded-host': 'portal.example' }
    const h = await signed({ headers: vouched })
    const body = new TextEncoder().encode('body')
    const verify = (headers: Headers) =>
      verifySignature(sproutA(), 'POST', url, headers, body, { now: T0 })
    expect(await verify(new Headers(h))).toEqual({ ok: true })
    for (const [k, v] of [
      ['x-edgewater-client-ip', '198.51.100.1'],
      ['x-forwarded-proto', 'http'],
      ['x-xcap-asserted-identity', 'sip:victim@example.com'],
      ['x-edgewater-forwarded-by', 'b'],
    ] as const) {
      const tampered = new Headers(h)
      tampered.set(k, v)
      expect(await verify(tampered)).toEqual({ ok: false, reason: 'bad signature' })
    }
  })

  it('refuses a replay of an accepted request within its window', async () => {
    const keys = sproutA()
    const h = await signed()
    const body = new TextEncoder().encode('body')
    const verify = (now: number) =>
      verifySignature(keys, 'POST', url, new Headers(h), body, { now })
    expect(await verify(T0 + 10)).toEqual({ ok: true })
    expect(await verify(T0 + 20)).toEqual({ ok: false, reason: 'replayed signature' })
    // Two requests with the same content are told apart by their nonces.
    expect(
      await verifySignature(keys, 'POST', url, await signed(), body, { now: T0 + 30 })
    ).toEqual({ ok: true })
  })

  it('takes one request verified twice (two middlewares) as one request', async () => {
    const keys = sproutA()
    const h = await signed()
    const body = new TextEncoder().encode('body')
    expect(await verifySignature(keys, 'POST', url, h, body, { now: T0 })).toEqual({ ok: true })
    expect(await verifySignature(keys, 'POST', url, h, body, { now: T0 })).toEqual({ ok: true })
  })

  it('verifies with the previous secret during a rotation, and signs with the current', async () => {
    const rotating = (o: Partial<HopKeys> = {}) =>
      sproutA({ secret: other, previous: secret, ...o })
    expect(await check({ keys: rotating() })).toEqual({ ok: true })
    // Once the previous secret is dropped, old signatures stop verifying.
    expect(await check({ keys: rotating({ previous: undefined }) })).toEqual({
      ok: false,
      reason: 'bad signature',
    })
    const h = new Headers(await signRequest(rotating(), 'GET', url, null, { now: T0 }))
    const onlyNew = sproutA({ secret: other })
    expect(await verifySignature(onlyNew, 'GET', url, h, new Uint8Array(), { now: T0 })).toEqual({
      ok: true,
    })
  })

  it('refuses a stale or future timestamp, with a configurable window', async () => {
    for (const now of [T0 + 10_001, T0 - 10_001])
      expect(await check({ now })).toEqual({ ok: false, reason: 'stale signature' })
    expect(await check({ now: T0 + 20_000, keys: sproutA({ maxSkewMs: 30_000 }) })).toEqual({
      ok: true,
    })
  })

  it('refuses missing or malformed headers', async () => {
    const none = await verifySignature(secret, 'GET', url, new Headers(), new Uint8Array(), {
      now: 0,
    })
    expect(none).toEqual({ ok: false, reason: 'missing trusted-zone signature' })
    expect(await check({ headers: { [SIGNATURE_HEADER]: 'zz' } })).toEqual({
      ok: false,
      reason: 'malformed signature',
    })
    expect(await check({ headers: { [TIMESTAMP_HEADER]: 'soon' } })).toEqual({
      ok: false,
      reason: 'stale signature',
    })
  })
})

describe('signature formats', () => {
  it('signs a text body as the bytes of its UTF-8 encoding', async () => {
    const text = 'MESSAGE sip:b SIP/2.0\r\n\r\nhé 🎉 \ud800'
    const opts = { now: T0, nonce: 'n1' }
    const fromText = await signRequest(secret, 'POST', url, text, opts)
    const fromBytes = await signRequest(secret, 'POST', url, new TextEncoder().encode(text), opts)
    expect(fromText).toEqual(fromBytes)
    expect(await signRequest(secret, 'GET', url, null, opts)).toEqual(
      await signRequest(secret, 'GET', url, new Uint8Array(), opts)
    )
  })
  const enc = new TextEncoder()
  const hex = (b: ArrayBuffer) =>
    [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('')

  /** A request signed the way a sender of the previous format (`edgewater-hop-2`) signs it. */
  async function signedV2(body: string): Promise<Headers> {
    const key = await crypto.subtle.importKey(
      'raw',
      enc.encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign']
    )
    const lines = [
      'edgewater-hop-2',
      'POST',
      SPROUT_A,
      '/impi/alice%40example.com/av?x=1',
      String(T0),
      'n0nce',
      'x-edgewater-client-ip:192.0.2.7',
      'x-edgewater-forwarded-by:',
      'x-forwarded-host:',
      'x-forwarded-proto:',
      'x-xcap-asserted-identity:',
      hex(await crypto.subtle.digest('SHA-256', enc.encode(body))),
    ]
    const sig = await crypto.subtle.sign('HMAC', key, enc.encode(lines.join('\n')))
    return new Headers({
      'x-edgewater-client-ip': '192.0.2.7',
      [TIMESTAMP_HEADER]: String(T0),
      [NONCE_HEADER]: 'n0nce',
      [TARGET_HEADER]: SPROUT_A,
      [SIGNATURE_HEADER]: hex(sig),
    })
  }

  it('accepts a request signed in the previous format, with its body bound as before', async () => {
    const verify = (h: Headers, body: string) =>
      verifySignature(sproutA(), 'POST', url, h, enc.encode(body), { now: T0 })
    expect(await verify(await signedV2('v2 body'), 'v2 body')).toEqual({ ok: true })
    expect(await verify(await signedV2('v2 body'), 'v2 bodY')).toEqual({
      ok: false,
      reason: 'bad signature',
    })
  })

  it('binds every byte of the body, and reads trusted headers whatever their spelling', async () => {
    const h = await signRequest(secret, 'POST', url, 'INVITE sip:bob SIP/2.0\r\n', {
      now: T0,
      headers: { 'X-Edgewater-Client-IP': '192.0.2.9' },
    })
    const headers = new Headers({ 'x-edgewater-client-ip': '192.0.2.9', ...h })
    const verify = (body: string, hs = headers) =>
      verifySignature(sproutA(), 'POST', url, hs, enc.encode(body), { now: T0 })
    expect(await verify('INVITE sip:bob SIP/2.0\r\n', new Headers(headers))).toEqual({ ok: true })
    expect(await verify('INVITE sip:bob SIP/2.0\r\n\r\n', new Headers(headers))).toEqual({
      ok: false,
      reason: 'bad signature',
    })
    const unvouched = new Headers(headers)
    unvouched.delete('x-edgewater-client-ip')
    expect(await verify('INVITE sip:bob SIP/2.0\r\n', unvouched)).toEqual({
      ok: false,
      reason: 'bad signature',
    })
  })
})

describe('replay guard', () => {
  it('forgets a signature once it has expired', () => {
    const g = createReplayGuard()
    expect(g.admit('s', 100, 0)).toBe(true)
    expect(g.admit('s', 100, 50)).toBe(false)
    expect(g.admit('t', 300, 150)).toBe(true)
    expect(g.size).toBe(1)
    expect(g.admit('s', 400, 150)).toBe(true)
  })

  it('holds at most its capacity, forgetting the oldest', () => {
    const g = createReplayGuard(2)
    for (const s of ['a', 'b', 'c']) expect(g.admit(s, 1_000, 0)).toBe(true)
    expect(g.size).toBe(2)
    expect(g.admit('c', 1_000, 1)).toBe(false)
    expect(g.admit('a', 1_000, 1)).toBe(true)
    expect(() => createReplayGuard(0)).toThrow(/capacity/)
  })
})
