/**
 * Issue 14, finding 11 (Ellis): failed logins must not let anyone lock a subscriber out. An
 * attacker guessing a victim's password is throttled per source (and, spread over many sources,
 * slowed down per account), while the victim keeps logging in from their own address. Sources
 * are the client addresses the edge vouches for (`cf-connecting-ip`, which Cloudflare sets and
 * the local edge passes on).
 */
import { describe, expect, it } from 'vitest'
import { call, edgeApi, json, uniqueEmail } from '../integration/ellis-support'
import { endpoints } from '../support/cloud'

const PASSWORD = 'victim-pw-1'

async function login(email: string, password: string, source: string): Promise<Response> {
  return call(edgeApi('a', '/session'), {
    method: 'POST',
    headers: { ...json, 'cf-connecting-ip': source },
    body: JSON.stringify({ email, password }),
  })
}

async function victim(tag: string, home: string): Promise<string> {
  const email = uniqueEmail(tag)
  const r = await call(edgeApi('a', '/accounts'), {
    method: 'POST',
    headers: { ...json, 'ngv-signup-code': endpoints().signupCode, 'cf-connecting-ip': home },
    body: JSON.stringify({ email, password: PASSWORD, full_name: 'Victim' }),
  })
  expect(r.status).toBe(201)
  // The victim has logged in from home before.
  expect((await login(email, PASSWORD, home)).status).toBe(201)
  return email
}

describe('Ellis login throttling', () => {
  it('throttles one source guessing an account, and the victim still logs in', async () => {
    const home = '198.51.100.21'
    const email = await victim('lockout-one', home)
    const statuses: number[] = []
    for (let i = 0; i < 14; i++)
      statuses.push((await login(email, `guess-${i}`, '203.0.113.66')).status)
    // The attacker is cut off well before its 14th guess…
    expect(statuses.slice(0, 3)).toEqual([403, 403, 403])
    expect(statuses.at(-1)).toBe(429)
    // …even with the right password: the throttle answers before the password is checked.
    const right = await login(email, PASSWORD, '203.0.113.66')
    expect(right.status).toBe(429)
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0)
    // The victim is not locked out.
    const mine = await login(email, PASSWORD, home)
    expect(mine.status).toBe(201)
    expect(mine.headers.getSetCookie().some((c) => c.startsWith('username='))).toBe(true)
  })

  it('slows a distributed guess down instead of locking the account', async () => {
    const home = '198.51.100.22'
    const email = await victim('lockout-many', home)
    // Ten sources, one guess each: no source is over its own limit.
    for (let i = 0; i < 10; i++)
      expect((await login(email, `guess-${i}`, `203.0.113.${100 + i}`)).status).toBe(403)
    // Now unknown sources share a slow lane: at most one attempt per interval gets through.
    const late: Response[] = []
    for (let i = 0; i < 3; i++) late.push(await login(email, `late-${i}`, `192.0.2.${10 + i}`))
    const slowed = late.filter((r) => r.status === 429)
    expect(slowed.length).toBeGreaterThan(0)
    for (const r of slowed) {
      const after = Number(r.headers.get('retry-after'))
      expect(after).toBeGreaterThan(0)
      expect(after).toBeLessThanOrEqual(60)
    }
    // The victim, from the address they used before, is not slowed at all.
    expect((await login(email, PASSWORD, home)).status).toBe(201)
  })
})
