import { describe, expect, it } from 'vitest'
import { opsCookieHeader, opsToken, opsTokenSession, readOpsCookie } from './ops-auth'
import { parseSince } from './ops-routes'

describe('the ops session', () => {
  const ID = '0123456789abcdef0123456789abcdef'
  const OTHER_ID = 'fedcba9876543210fedcba9876543210'

  it('names its session under its secret until it expires, and under no other secret', async () => {
    const t = await opsToken('cookie-secret-1', 10_000, ID)
    expect(await opsTokenSession(['cookie-secret-1'], t, 9_999)).toBe(ID)
    expect(await opsTokenSession(['cookie-secret-1'], t, 10_000)).toBeUndefined()
    expect(await opsTokenSession(['other'], t, 1)).toBeUndefined()
    // A secret being rotated out still verifies.
    expect(await opsTokenSession(['new', 'cookie-secret-1'], t, 1)).toBe(ID)
  })

  it('refuses a changed expiry or session id, a malformed token and none', async () => {
    const t = await opsToken('s', 10_000, ID)
    expect(await opsTokenSession(['s'], t.replace('ops.10000', 'ops.99999'), 1)).toBeUndefined()
    expect(await opsTokenSession(['s'], t.replace(ID, OTHER_ID), 1)).toBeUndefined()
    expect(await opsTokenSession(['s'], 'ops.1.zz', 1)).toBeUndefined()
    expect(await opsTokenSession(['s'], undefined, 1)).toBeUndefined()
  })

  it('is its own cookie, HttpOnly and SameSite=Strict, scoped to /ops', () => {
    const h = opsCookieHeader('ops.1.ab', true, 60)
    expect(h).toBe(
      'edgewater_ops=ops.1.ab; Path=/ops; HttpOnly; SameSite=Strict; Max-Age=60; Secure'
    )
    expect(readOpsCookie('session=abc; edgewater_ops=ops.1.ab')).toBe('ops.1.ab')
    expect(readOpsCookie('session=abc')).toBeUndefined()
  })
})

describe('the traces search range', () => {
  it('takes durations back from now, or epoch milliseconds', () => {
    const now = 1_800_000_000_000
    expect(parseSince('1h', now)).toBe(now - 3_600_000)
    expect(parseSince('30m', now)).toBe(now - 1_800_000)
    expect(parseSince('2d', now)).toBe(now - 172_800_000)
    expect(parseSince('1700000000000', now)).toBe(1_700_000_000_000)
    expect(parseSince('soon', now)).toBeUndefined()
    expect(parseSince('-1h', now)).toBeUndefined()
  })
})
