/**
 * Issue 14, finding 12: a logged-out session cookie must not read the address book; browser-form
 * mode must not put a SIP password into a redirect URL (it ends up in history, logs and
 * Referer); and the signup code must not be guessable without limit.
 */
import { describe, expect, it } from 'vitest'
import {
  allocate,
  body,
  call,
  edgeApi,
  enc,
  json,
  type NumberJson,
  signUp,
  uniqueEmail,
} from '../integration/ellis-support'
import { endpoints } from '../support/cloud'
import { waitForReplication } from '../support/replication'

describe('address book after logout', () => {
  it('refuses a cookie whose session has ended, and still serves a live one', async () => {
    const email = uniqueEmail('gab-logout')
    const cookie = await signUp(email)
    expect((await call(edgeApi('a', '/gab'), { headers: { cookie } })).status).toBe(200)
    const out = await call(edgeApi('a', '/session'), { method: 'DELETE', headers: { cookie } })
    expect(out.status).toBe(204)
    // At once in the region the user logged out through; in the other region as soon as the
    // global table has replicated the ended session (docs/geo-redundancy.md).
    for (const region of ['a', 'b'] as const) {
      if (region === 'b') await waitForReplication()
      for (const path of ['/gab', '/1/gab']) {
        const r = await call(edgeApi(region, path), { headers: { cookie } })
        expect(r.status).toBe(403)
        expect(await r.text()).not.toContain('contacts')
      }
    }
    // Logging in again gives a cookie that works.
    const fresh = await signUpAgain(email)
    expect((await call(edgeApi('a', '/gab'), { headers: { cookie: fresh } })).status).toBe(200)
  })
})

async function signUpAgain(email: string): Promise<string> {
  const s = await call(edgeApi('a', '/session'), {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email, password: 'secret-pw' }),
  })
  expect(s.status).toBe(201)
  return s.headers.getSetCookie()[0]!.split(';')[0]!
}

describe('browser-form mode and SIP passwords', () => {
  it('never puts sip_password in the redirect of a number allocation or a password reset', async () => {
    const email = uniqueEmail('form-pw')
    const cookie = await signUp(email)
    const r = await call(
      edgeApi('a', `/accounts/${enc(email)}/numbers?onsuccess=/lines.html&onfailure=/lines.html`),
      { method: 'POST', headers: { cookie } }
    )
    expect(r.status).toBe(302)
    const location = new URL(r.headers.get('location')!, 'http://portal.invalid')
    expect(location.pathname).toBe('/lines.html')
    expect(location.searchParams.get('success')).toBe('true')
    const data = JSON.parse(location.searchParams.get('data')!) as NumberJson
    expect(data.sip_uri).toMatch(/^sip:/)
    expect(location.href).not.toContain('sip_password')
    expect(data.sip_password).toBeUndefined()

    const reset = await call(
      edgeApi(
        'a',
        `/accounts/${enc(email)}/numbers/${enc(data.sip_uri)}/password?onsuccess=/lines.html`
      ),
      { method: 'POST', headers: { cookie } }
    )
    expect(reset.status).toBe(302)
    expect(reset.headers.get('location')).not.toContain('sip_password')

    // The JSON API (what the portal uses) still hands the password to its owner.
    const viaJson = await allocate('a', email, cookie)
    expect(viaJson.status).toBe(200)
    expect(((await viaJson.json()) as NumberJson).sip_password).toMatch(/^\w{9}$/)
  })
})

describe('signup code guessing', () => {
  async function signUpFrom(source: string, code: string) {
    return call(edgeApi('a', '/accounts'), {
      method: 'POST',
      headers: { ...json, 'ngv-signup-code': code, 'cf-connecting-ip': source },
      body: JSON.stringify({ email: uniqueEmail('code'), password: 'secret-pw', full_name: 'X' }),
    })
  }

  it('throttles a source that keeps guessing, and others still sign up', async () => {
    const attacker = '203.0.113.77'
    const statuses: number[] = []
    for (let i = 0; i < 15; i++) statuses.push((await signUpFrom(attacker, `guess-${i}`)).status)
    expect(statuses[0]).toBe(403)
    expect(statuses.at(-1)).toBe(429)
    // Once throttled, even the right code is not tried: guessing has stopped.
    const right = await signUpFrom(attacker, endpoints().signupCode)
    expect(right.status).toBe(429)
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await body(right)).reason).toMatch(/signup code/i)
    // Someone else signs up normally.
    expect((await signUpFrom('198.51.100.30', endpoints().signupCode)).status).toBe(201)
  })
})
