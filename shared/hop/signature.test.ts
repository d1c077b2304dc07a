import { describe, expect, it } from 'vitest'
import { SIGNATURE_HEADER, signRequest, TIMESTAMP_HEADER, verifySignature } from './signature'

const secret = 'a-test-secret-of-enough-length'
const url = 'http://127.0.0.1:8801/impi/alice%40example.com/av?x=1'

async function check(
  overrides: {
    method?: string
    url?: string
    body?: string
    now?: number
    secret?: string
    headers?: Record<string, string>
  } = {}
) {
  const h = await signRequest(secret, 'POST', url, 'body', 1_000_000)
  const headers = new Headers({ ...h, ...overrides.headers })
  return verifySignature(
    overrides.secret ?? secret,
    overrides.method ?? 'POST',
    overrides.url ?? url,
    headers,
    new TextEncoder().encode(overrides.body ?? 'body'),
    overrides.now ?? 1_000_500
  )
}

describe('trusted-zone signature', () => {
  it('verifies a request signed with the same secret', async () => {
    expect(await check()).toEqual({ ok: true })
  })

  it('signs only path and query, so the host may differ (gateways, function URLs)', async () => {
    expect(
      await check({ url: 'https://elsewhere.invalid/impi/alice%40example.com/av?x=1' })
    ).toEqual({ ok: true })
  })

  it.each([
    ['method', { method: 'PUT' }],
    ['path', { url: 'http://127.0.0.1:8801/impi/bob%40example.com/av?x=1' }],
    ['query', { url: 'http://127.0.0.1:8801/impi/alice%40example.com/av?x=2' }],
    ['body', { body: 'bodY' }],
    ['secret', { secret: 'another-secret-of-enough-length' }],
  ])('refuses a changed %s', async (_what, o) => {
    expect(await check(o)).toEqual({ ok: false, reason: 'bad signature' })
  })

  it('refuses a stale or future timestamp', async () => {
    expect(await check({ now: 1_000_000 + 31_000 })).toEqual({
      ok: false,
      reason: 'stale signature',
    })
    expect(await check({ now: 1_000_000 - 31_000 })).toEqual({
      ok: false,
      reason: 'stale signature',
    })
  })

  it('refuses missing or malformed headers', async () => {
    const none = await verifySignature(secret, 'GET', url, new Headers(), new Uint8Array(), 0)
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
