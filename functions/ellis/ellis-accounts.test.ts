import { describe, expect, it } from 'vitest'
import {
  admin,
  bodyOf,
  cookieOf,
  ellisKit,
  json,
  SIGNUP_CODE,
  signUp,
} from '../../test/support/kits/ellis-kit'
import { DEFAULT_THROTTLE, THROTTLE_WINDOWS } from './throttle-config'

const signupHeaders = { ...json, 'ngv-signup-code': SIGNUP_CODE }
const account = (email: string, extra: Record<string, string> = {}) =>
  JSON.stringify({ email, password: 'secret-pw', full_name: 'Alice Example', ...extra })

describe('Ellis accounts and sessions (in-process, both regions)', () => {
  it('creates an account (201), refuses a bad code (403), bad fields (400) and duplicates (409)', async () => {
    const kit = ellisKit()
    const ok = await kit.request('a', 'POST', '/api/accounts', {
      headers: signupHeaders,
      body: account('alice@example.com'),
    })
    expect(ok.status).toBe(201)
    expect(await ok.json()).toEqual({ username: 'alice@example.com', full_name: 'Alice Example' })
    expect(ok.headers.get('x-edgewater-served-by')).toMatch(/^ellis-[ab]$/)

    const badCode = await kit.request('a', 'POST', '/api/accounts', {
      headers: { ...json, 'ngv-signup-code': 'wrong' },
      body: account('bob@example.com'),
    })
    expect(badCode.status).toBe(403)
    expect(await badCode.json()).toMatchObject({
      error: true,
      status: 403,
      message: 'Forbidden',
      reason: 'Incorrect signup code',
    })

    const codeInBody = await kit.request('b', 'POST', '/api/accounts', {
      headers: json,
      body: account('carol@example.com', { signup_code: SIGNUP_CODE }),
    })
    expect(codeInBody.status).toBe(201)

    const short = await kit.request('a', 'POST', '/api/accounts', {
      headers: signupHeaders,
      body: JSON.stringify({ email: 'dan@example.com', password: '123', full_name: 'Dan' }),
    })
    expect(short.status).toBe(400)
    expect((await bodyOf(short)).reason).toMatch(/^password: must be at least 6 characters/)

    const badEmail = await kit.request('a', 'POST', '/api/accounts', {
      headers: signupHeaders,
      body: JSON.stringify({ email: 'not-an-email', password: '123456' }),
    })
    expect(badEmail.status).toBe(400)
    const reason = (await bodyOf(badEmail)).reason as string
    expect(reason).toContain('email: must look like name@domain')
    expect(reason).toContain('full_name: is required')

    // The same address through the other region and in other case: still a duplicate.
    const dup = await kit.request('b', 'POST', '/api/accounts', {
      headers: signupHeaders,
      body: account('ALICE@example.com'),
    })
    expect(dup.status).toBe(409)
  })

  it('accepts form bodies and answers browser forms with redirects (onsuccess sets the cookie)', async () => {
    const kit = ellisKit()
    const form = new URLSearchParams({
      email: 'erin@example.com',
      password: 'secret-pw',
      full_name: 'Erin',
      signup_code: SIGNUP_CODE,
    }).toString()
    const r = await kit.request(
      'a',
      'POST',
      '/api/accounts?onsuccess=/lines.html&onfailure=/signup.html',
      {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      }
    )
    expect(r.status).toBe(302)
    const loc = new URL(r.headers.get('location')!, 'http://x')
    expect(loc.pathname).toBe('/lines.html')
    expect(loc.searchParams.get('success')).toBe('true')
    expect(JSON.parse(loc.searchParams.get('data')!)).toEqual({
      username: 'erin@example.com',
      full_name: 'Erin',
    })
    expect(cookieOf(r)).toMatch(/^username=/)

    const again = await kit.request(
      'b',
      'POST',
      '/api/accounts?onsuccess=/lines.html&onfailure=/signup.html',
      {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      }
    )
    expect(again.status).toBe(302)
    const fail = new URL(again.headers.get('location')!, 'http://x')
    expect(fail.pathname).toBe('/signup.html')
    expect(fail.searchParams.get('error')).toBe('true')
    expect(fail.searchParams.get('status')).toBe('409')

    // Off-site targets are ignored: plain JSON comes back.
    const offsite = await kit.request('a', 'POST', '/api/session?onsuccess=https://evil.example/', {
      headers: json,
      body: JSON.stringify({ email: 'erin@example.com', password: 'secret-pw' }),
    })
    expect(offsite.status).toBe(201)
  })

  it('logs in with a signed HttpOnly cookie, refuses wrong passwords, logs out everywhere', async () => {
    const kit = ellisKit()
    await signUp(kit, 'frank@example.com')
    const login = await kit.request('b', 'POST', '/api/session', {
      headers: json,
      body: JSON.stringify({ email: 'frank@example.com', password: 'secret-pw' }),
    })
    expect(login.status).toBe(201)
    const setCookie = login.headers.getSetCookie()[0]!
    expect(setCookie).toMatch(/^username=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/)
    const cookie = cookieOf(login)

    const who = await kit.request('a', 'GET', '/api/session', { headers: { cookie } })
    expect(who.status).toBe(200)
    expect((await bodyOf(who)).username).toBe('frank@example.com')

    // A tampered cookie is nobody.
    const forged = cookie.replace('username=', 'username=x')
    expect(
      (
        await kit.request('a', 'GET', '/api/accounts/frank@example.com/numbers', {
          headers: { cookie: forged },
        })
      ).status
    ).toBe(403)

    const wrong = await kit.request('a', 'POST', '/api/session', {
      headers: json,
      body: JSON.stringify({ email: 'frank@example.com', password: 'not-it' }),
    })
    expect(wrong.status).toBe(403)
    expect((await bodyOf(wrong)).reason).toBe('Incorrect username or password')
    const unknown = await kit.request('a', 'POST', '/api/session', {
      headers: json,
      body: JSON.stringify({ email: 'nobody@example.com', password: 'whatever' }),
    })
    expect(unknown.status).toBe(403)

    const out = await kit.request('a', 'DELETE', '/api/session', { headers: { cookie } })
    expect(out.status).toBe(204)
    expect(out.headers.getSetCookie()[0]).toContain('Max-Age=0')
    expect((await kit.request('b', 'GET', '/api/session', { headers: { cookie } })).status).toBe(
      403
    )
  })

  it('throttles failed logins per source (429), slows a guessed account, never locks its owner out', async () => {
    const kit = ellisKit()
    const t = DEFAULT_THROTTLE
    await signUp(kit, 'gina@example.com')
    const attempt = (password: string, client = '198.51.100.7', email = 'gina@example.com') =>
      kit.request('a', 'POST', '/api/session', {
        headers: { ...json, 'x-forwarded-for': client },
        body: JSON.stringify({ email, password }),
      })
    // Gina logs in from home once, so her address is known to her account.
    expect((await attempt('secret-pw', '192.0.2.1')).status).toBe(201)
    for (let i = 0; i < t.loginFailuresPerSource; i++)
      expect((await attempt('bad-pw-1')).status).toBe(403)
    const cut = await attempt('secret-pw')
    expect(cut.status).toBe(429)
    expect(cut.headers.get('retry-after')).toBe(String(THROTTLE_WINDOWS.loginWindowS))
    // Other sources push the account over the slow-down mark: one attempt per interval.
    for (let i = t.loginFailuresPerSource; i < t.loginSlowdownAfter; i++)
      expect((await attempt('bad-pw-2', `203.0.113.${i}`)).status).toBe(403)
    expect((await attempt('bad-pw-3', '198.51.100.50')).status).toBe(403)
    const slowed = await attempt('secret-pw', '198.51.100.51')
    expect(slowed.status).toBe(429)
    expect(Number(slowed.headers.get('retry-after'))).toBeLessThanOrEqual(t.loginSlowdownIntervalS)
    // Gina, from home, is not slowed; a new address gets in after the interval.
    expect((await attempt('secret-pw', '192.0.2.1')).status).toBe(201)
    kit.clock.advance(t.loginSlowdownIntervalS * 1000)
    expect((await attempt('secret-pw', '198.51.100.51')).status).toBe(201)

    // Per client: failures spread over many addresses still stop one client.
    for (let i = 0; i < t.loginFailuresPerClient; i++)
      expect((await attempt('x-wrong', '203.0.113.200', `nobody${i}@example.com`)).status).toBe(403)
    const blocked = await attempt('x-wrong', '203.0.113.200', 'other@example.com')
    expect(blocked.status).toBe(429)
    expect((await bodyOf(blocked)).reason).toContain('from your address')
  })

  it('throttles wrong signup codes per source (429); other sources still sign up', async () => {
    const kit = ellisKit()
    const t = DEFAULT_THROTTLE
    const create = (code: string, client: string, email: string) =>
      kit.request('a', 'POST', '/api/accounts', {
        headers: { ...json, 'ngv-signup-code': code, 'x-forwarded-for': client },
        body: JSON.stringify({ email, password: 'secret-pw', full_name: 'X' }),
      })
    for (let i = 0; i < t.signupCodeFailures; i++)
      expect((await create('guess', '203.0.113.8', `g${i}@example.com`)).status).toBe(403)
    const cut = await create(SIGNUP_CODE, '203.0.113.8', 'g-right@example.com')
    expect(cut.status).toBe(429)
    expect((await create(SIGNUP_CODE, '198.51.100.8', 'h@example.com')).status).toBe(201)
  })

  it('recovers a password with a mailed token (422 for a bad one) and ends old sessions', async () => {
    const kit = ellisKit()
    const cookie = await signUp(kit, 'hal@example.com')
    const ask = await kit.request('a', 'POST', '/api/accounts/hal@example.com/password', {})
    expect(ask.status).toBe(200)
    expect(
      (await kit.request('a', 'POST', '/api/accounts/nobody@example.com/password', {})).status
    ).toBe(200)

    const box = await kit.request('b', 'GET', '/api/outbox/hal@example.com', { headers: admin })
    const { messages } = (await box.json()) as { messages: Array<{ link: string }> }
    expect(messages).toHaveLength(1)
    const token = new URL(messages[0]!.link).searchParams.get('token')!
    expect(token.length).toBeGreaterThan(30)
    expect(
      (await kit.request('a', 'GET', '/api/outbox/hal@example.com', { headers: { cookie } })).status
    ).toBe(403)

    const bad = await kit.request('a', 'POST', '/api/accounts/hal@example.com/password', {
      headers: { 'ngv-recovery-token': 'not-the-token', 'content-type': 'text/plain' },
      body: 'brand-new-pw',
    })
    expect(bad.status).toBe(422)
    const shortPw = await kit.request('a', 'POST', '/api/accounts/hal@example.com/password', {
      headers: { 'ngv-recovery-token': token, 'content-type': 'text/plain' },
      body: '123',
    })
    expect(shortPw.status).toBe(400)
    const good = await kit.request('b', 'POST', '/api/accounts/hal@example.com/password', {
      headers: json,
      body: JSON.stringify({ recovery_token: token, password: 'brand-new-pw' }),
    })
    expect(good.status).toBe(200)
    // The token is single-use, the old session is over, the new password works.
    const reuse = await kit.request('a', 'POST', '/api/accounts/hal@example.com/password', {
      headers: { 'ngv-recovery-token': token, 'content-type': 'text/plain' },
      body: 'another-pw',
    })
    expect(reuse.status).toBe(422)
    expect((await kit.request('a', 'GET', '/api/session', { headers: { cookie } })).status).toBe(
      403
    )
    const relog = await kit.request('a', 'POST', '/api/session', {
      headers: json,
      body: JSON.stringify({ email: 'hal@example.com', password: 'brand-new-pw' }),
    })
    expect(relog.status).toBe(201)
  })

  it('throttles recovery mail per address with 503 and Retry-After', async () => {
    const kit = ellisKit()
    await signUp(kit, 'ivy@example.com')
    for (let i = 0; i < 5; i++)
      expect(
        (await kit.request('a', 'POST', '/api/accounts/ivy@example.com/password', {})).status
      ).toBe(200)
    const sixth = await kit.request('a', 'POST', '/api/accounts/ivy@example.com/password', {})
    expect(sixth.status).toBe(503)
    expect(sixth.headers.get('retry-after')).toBeTruthy()
  })

  it('answers ping, unknown paths and wrong methods the Clearwater way', async () => {
    const kit = ellisKit()
    const ping = await kit.request('a', 'GET', '/api/ping')
    expect(ping.status).toBe(200)
    expect(await ping.text()).toBe('OK')
    const unknown = await kit.request('a', 'GET', '/api/nothing/here')
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toMatchObject({ error: true, status: 404, message: 'Not Found' })
    const method = await kit.request('a', 'PUT', '/api/session')
    expect(method.status).toBe(405)
    expect(method.headers.get('allow')).toContain('POST')
    expect((await kit.request('a', 'GET', '/api/ping/')).status).toBe(200)
  })
})
