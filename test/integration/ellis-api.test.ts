/**
 * Ellis's provisioning API through the local cloud: every route and status of
 * clearwater-interfaces §1.3 through the edges (`/api` proxied to the home region's Ellis) and
 * straight to a region's Ellis function, with the real Dime and Homer behind it. The tests use
 * both edges; where a step goes through the other region right after a write, it first waits
 * for the global table to replicate (`waitForReplication`), as a user who switched regions would
 * see it (docs/geo-redundancy.md).
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_THROTTLE } from '../../functions/ellis/throttle-config'
import { endpoints } from '../support/cloud'
import { waitForReplication } from '../support/replication'
import {
  admin,
  allocate,
  body,
  call,
  cookieOf,
  directApi,
  edgeApi,
  enc,
  json,
  logIn,
  type NumberJson,
  signedTo,
  signUp,
  uniqueEmail,
} from './ellis-support'

const simservsPath = (impu: string) => `/org.etsi.ngn.simservs/users/${enc(impu)}/simservs.xml`

describe('Ellis API through the local cloud', () => {
  it('answers ping through both edges and on its own function URL', async () => {
    for (const url of [
      edgeApi('a', '/ping'),
      edgeApi('b', '/ping'),
      directApi('a', '/ping'),
      directApi('b', '/ping/'),
    ]) {
      const r = await call(url)
      expect(r.status).toBe(200)
      expect(await r.text()).toBe('OK')
    }
    const viaEdge = await call(edgeApi('b', '/ping'))
    expect(viaEdge.headers.get('x-edgewater-region')).toBe('b')
    expect(viaEdge.headers.get('x-edgewater-served-by')).toBe('ellis-b')
    const unknown = await call(edgeApi('a', '/no/such/route'))
    expect(unknown.status).toBe(404)
    expect(await body(unknown)).toMatchObject({ error: true, status: 404, message: 'Not Found' })
  })

  it('signs up (201), refuses a wrong code (403), bad fields (400) and a taken address (409)', async () => {
    const email = uniqueEmail('signup')
    const headers = { ...json, 'ngv-signup-code': endpoints().signupCode }
    const ok = await call(edgeApi('a', '/accounts'), {
      method: 'POST',
      headers,
      body: JSON.stringify({ email, password: 'secret-pw', full_name: 'Sign Up' }),
    })
    expect(ok.status).toBe(201)
    expect(await ok.json()).toEqual({ username: email, full_name: 'Sign Up' })
    const wrong = await call(edgeApi('a', '/accounts'), {
      method: 'POST',
      headers: { ...json, 'ngv-signup-code': 'not-the-code' },
      body: JSON.stringify({ email: uniqueEmail('x'), password: 'secret-pw', full_name: 'X' }),
    })
    expect(wrong.status).toBe(403)
    const invalid = await call(edgeApi('a', '/accounts'), {
      method: 'POST',
      headers,
      body: JSON.stringify({ email: 'nope', password: '123', full_name: '' }),
    })
    expect(invalid.status).toBe(400)
    const reason = (await body(invalid)).reason!
    expect(reason).toContain('email:')
    expect(reason).toContain('password:')
    // The same address through the other region's edge, and directly on b's function URL.
    for (const url of [edgeApi('b', '/accounts'), directApi('b', '/accounts')]) {
      const dup = await call(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ email, password: 'secret-pw', full_name: 'Again' }),
      })
      expect(dup.status).toBe(409)
    }
  })

  it('serves browser forms: onsuccess/onfailure redirects, cookie on sign-up success', async () => {
    const email = uniqueEmail('form')
    const form = new URLSearchParams({
      email,
      password: 'secret-pw',
      full_name: 'Form User',
      signup_code: endpoints().signupCode,
    })
    const r = await call(edgeApi('a', '/accounts?onsuccess=/lines.html&onfailure=/signup.html'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    })
    expect(r.status).toBe(302)
    const loc = new URL(r.headers.get('location')!, 'http://x')
    expect(loc.pathname).toBe('/lines.html')
    expect(loc.searchParams.get('success')).toBe('true')
    const cookie = cookieOf(r)
    await waitForReplication()
    const who = await call(edgeApi('b', '/session'), { headers: { cookie } })
    expect(await who.json()).toEqual({ username: email, full_name: 'Form User' })
    const again = await call(
      edgeApi('a', '/accounts?onsuccess=/lines.html&onfailure=/signup.html'),
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      }
    )
    const fail = new URL(again.headers.get('location')!, 'http://x')
    expect(fail.pathname).toBe('/signup.html')
    expect(fail.searchParams.get('status')).toBe('409')
  })

  it('logs in (201, HttpOnly cookie), refuses bad passwords (403), throttles (429), logs out (204)', async () => {
    const email = uniqueEmail('login')
    await signUp(email)
    await waitForReplication()
    const ok = await call(edgeApi('b', '/session'), {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email, password: 'secret-pw' }),
    })
    expect(ok.status).toBe(201)
    expect(ok.headers.getSetCookie()[0]).toMatch(/; HttpOnly; SameSite=Lax$/)
    const cookie = cookieOf(ok)
    expect((await call(edgeApi('a', '/session'), { headers: { cookie } })).status).toBe(200)

    // One source's failures against one account (throttle-config.ts), spread over both regions.
    for (let i = 0; i < DEFAULT_THROTTLE.loginFailuresPerSource; i++) {
      const bad = await call(edgeApi(i % 2 ? 'a' : 'b', '/session'), {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ email, password: `wrong-${i}` }),
      })
      expect(bad.status).toBe(403)
      expect((await body(bad)).reason).toBe('Incorrect username or password')
    }
    const locked = await call(edgeApi('a', '/session'), {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email, password: 'secret-pw' }),
    })
    expect(locked.status).toBe(429)
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0)

    const out = await call(edgeApi('a', '/session'), { method: 'DELETE', headers: { cookie } })
    expect(out.status).toBe(204)
    expect(out.headers.getSetCookie()[0]).toContain('Max-Age=0')
    await waitForReplication()
    expect((await call(edgeApi('b', '/session'), { headers: { cookie } })).status).toBe(403)
  })

  it('allocates, lists, configures and deletes numbers with Clearwater shapes and statuses', async () => {
    const email = uniqueEmail('lines')
    const cookie = await signUp(email, 'b')
    await waitForReplication()
    const created = await allocate('a', email, cookie)
    expect(created.status).toBe(200)
    const n = (await created.json()) as NumberJson
    expect(n.sip_uri).toMatch(/^sip:\d+@example\.com$/)
    expect(n.private_id).toBe(n.sip_uri.slice(4))
    expect(n.sip_password).toMatch(/^[a-zA-Z3-9]{9}$/)
    const base = `/accounts/${email}/numbers/${enc(n.sip_uri)}`

    await waitForReplication()
    const list = (await (
      await call(edgeApi('b', `/accounts/${email}/numbers`), { headers: { cookie } })
    ).json()) as { numbers: NumberJson[] }
    expect(list.numbers).toHaveLength(1)
    expect(list.numbers[0]).toMatchObject({
      sip_uri: n.sip_uri,
      private_id: n.private_id,
      number_id: n.number_id,
      pstn: false,
      gab_listed: 1,
    })
    expect(list.numbers[0]).not.toHaveProperty('sip_password')

    // simservs: Homer's default document, a valid change (200, empty body), an invalid one (400).
    const ss = await call(edgeApi('a', `${base}/simservs`), { headers: { cookie } })
    expect(ss.status).toBe(200)
    const doc = await ss.text()
    expect(doc).toContain('<NoReplyTimer>30</NoReplyTimer>')
    const changed = doc.replace(
      '<NoReplyTimer>30</NoReplyTimer>',
      '<NoReplyTimer>25</NoReplyTimer>'
    )
    const put = await call(edgeApi('b', `${base}/simservs`), {
      method: 'PUT',
      headers: { cookie, 'content-type': 'application/simservs+xml' },
      body: changed,
    })
    expect(put.status).toBe(200)
    expect(await put.text()).toBe('')
    await waitForReplication()
    expect(await (await signedTo('a', 'homer', 'GET', simservsPath(n.sip_uri))).text()).toContain(
      '<NoReplyTimer>25</NoReplyTimer>'
    )
    const refused = await call(edgeApi('a', `${base}/simservs`), {
      method: 'PUT',
      headers: { cookie },
      body: doc.replace('<NoReplyTimer>30</NoReplyTimer>', '<NoReplyTimer>900</NoReplyTimer>'),
    })
    // Ellis checks the document as Homer does: the subscriber's mistake is a 400, not a 502.
    expect(refused.status).toBe(400)
    expect((await body(refused)).reason).toContain('NoReplyTimer')

    // iFCs: the default MMTEL iFC; malformed XML and an invalid document are 400 (Ellis checks
    // the document as Homestead-prov does, trigger patterns included), a good one 200.
    const ifcs = await call(edgeApi('a', `${base}/ifcs`), { headers: { cookie } })
    expect(await ifcs.text()).toContain(`sip:mmtel.${endpoints().homeDomain}`)
    expect(
      (
        await call(edgeApi('a', `${base}/ifcs`), {
          method: 'PUT',
          headers: { cookie },
          body: '<ServiceProfile>',
        })
      ).status
    ).toBe(400)
    expect(
      (
        await call(edgeApi('a', `${base}/ifcs`), {
          method: 'PUT',
          headers: { cookie },
          body: '<Other/>',
        })
      ).status
    ).toBe(400)
    const ifc =
      '<ServiceProfile><InitialFilterCriteria><ApplicationServer><ServerName>sip:as.example.com</ServerName><DefaultHandling>0</DefaultHandling></ApplicationServer></InitialFilterCriteria></ServiceProfile>'
    expect(
      (await call(edgeApi('b', `${base}/ifcs`), { method: 'PUT', headers: { cookie }, body: ifc }))
        .status
    ).toBe(200)
    await waitForReplication()
    expect(
      await (await call(edgeApi('a', `${base}/ifcs`), { headers: { cookie } })).text()
    ).toContain('sip:as.example.com')

    // Directory flag and the global address book.
    expect(
      await (await call(edgeApi('a', `${base}/listed`), { headers: { cookie } })).json()
    ).toEqual({ gab_listed: 1 })
    const gab = (await (await call(edgeApi('b', '/gab'), { headers: { cookie } })).json()) as {
      contacts: Array<{ email: string; numbers: string[] }>
    }
    expect(gab.contacts.find((c) => c.email === email)?.numbers).toEqual([n.sip_uri])
    expect(
      (await call(edgeApi('a', `${base}/listed/0`), { method: 'PUT', headers: { cookie } })).status
    ).toBe(200)
    const gab1 = (await (await call(edgeApi('a', '/1/gab'), { headers: { cookie } })).json()) as {
      contacts: Array<{ email: string }>
    }
    expect(gab1.contacts.some((c) => c.email === email)).toBe(false)
    expect((await call(edgeApi('a', '/gab'))).status).toBe(403)

    // A new SIP password.
    const pw = await call(edgeApi('a', `${base}/password`), { method: 'POST', headers: { cookie } })
    expect(pw.status).toBe(200)
    const { sip_password } = (await pw.json()) as { sip_password: string }
    expect(sip_password).toHaveLength(9)
    expect(sip_password).not.toBe(n.sip_password)

    // Authorisation and ownership: no credentials 403, another account 403, not owned 404.
    expect((await call(edgeApi('a', `/accounts/${email}/numbers`))).status).toBe(403)
    const other = uniqueEmail('other')
    const otherCookie = await signUp(other)
    expect(
      (await call(edgeApi('a', `/accounts/${email}/numbers`), { headers: { cookie: otherCookie } }))
        .status
    ).toBe(403)
    const notOwned = await call(
      edgeApi('a', `/accounts/${other}/numbers/${enc(n.sip_uri)}/simservs`),
      { headers: { cookie: otherCookie } }
    )
    expect(notOwned.status).toBe(404)
    expect((await body(notOwned)).reason).toBe("User doesn't own that number")
    expect(
      (
        await call(edgeApi('a', `/accounts/nobody-${Date.now()}@example.com/numbers`), {
          headers: admin(),
        })
      ).status
    ).toBe(404)

    // Delete: 200 {}, then everything is gone (Homer's document, Homestead's public id).
    const del = await call(edgeApi('b', base), { method: 'DELETE', headers: { cookie } })
    expect(del.status).toBe(200)
    expect(await del.json()).toEqual({})
    await waitForReplication()
    expect((await signedTo('a', 'homer', 'GET', simservsPath(n.sip_uri))).status).toBe(404)
    expect(
      (await signedTo('a', 'dime', 'GET', `/public/${enc(n.sip_uri)}/associated_private_ids`))
        .status
    ).toBe(404)
    const gone = await call(edgeApi('a', base), { method: 'DELETE', headers: { cookie } })
    expect(gone.status).toBe(404)
    expect((await body(gone)).reason).toBe("User doesn't own that number")
  })

  it('provisions specific identities with the API key, sharing a private id (live-test style)', async () => {
    const email = uniqueEmail('specific')
    const cookie = await signUp(email)
    const tag = `live${Date.now().toString(36)}`
    const desk = `sip:${tag}.desk@${endpoints().homeDomain}`
    const mobile = `sip:${tag}.mobile@${endpoints().homeDomain}`
    const impi = `${tag}.desk@${endpoints().homeDomain}`
    const userTry = await call(edgeApi('a', `/accounts/${email}/numbers/${enc(desk)}`), {
      method: 'POST',
      headers: { cookie, ...json },
      body: JSON.stringify({ private_id: impi, new_private_id: 'true' }),
    })
    expect(userTry.status).toBe(403)
    const first = await call(edgeApi('a', `/accounts/${email}/numbers/${enc(desk)}`), {
      method: 'POST',
      headers: { ...admin(), ...json },
      body: JSON.stringify({ private_id: impi, new_private_id: 'true' }),
    })
    expect(first.status).toBe(200)
    const f = (await first.json()) as NumberJson
    expect(f).toMatchObject({ sip_uri: desk, sip_username: impi, private_id: impi })
    expect(f.sip_password).toHaveLength(9)
    await waitForReplication()
    const second = await call(
      edgeApi(
        'b',
        `/accounts/${email}/numbers/${enc(mobile)}?private_id=${enc(impi)}&new_private_id=false`
      ),
      {
        method: 'POST',
        headers: admin(),
      }
    )
    expect(second.status).toBe(200)
    expect(await second.json()).not.toHaveProperty('sip_password')
    const ids = (await (
      await signedTo('b', 'dime', 'GET', `/private/${enc(impi)}/associated_public_ids`)
    ).json()) as { associated_public_ids: string[] }
    expect(ids.associated_public_ids.sort()).toEqual([desk, mobile].sort())
    await waitForReplication()
    const dup = await call(edgeApi('a', `/accounts/${email}/numbers/${enc(desk)}`), {
      method: 'POST',
      headers: { ...admin(), ...json },
      body: JSON.stringify({ private_id: impi, new_private_id: 'true' }),
    })
    expect(dup.status).toBe(409)
    // The default identity cannot go while another shares its private id.
    expect(
      (
        await call(edgeApi('a', `/accounts/${email}/numbers/${enc(desk)}`), {
          method: 'DELETE',
          headers: admin(),
        })
      ).status
    ).toBe(403)
    expect(
      (
        await call(edgeApi('a', `/accounts/${email}/numbers/${enc(mobile)}`), {
          method: 'DELETE',
          headers: admin(),
        })
      ).status
    ).toBe(200)
    expect(
      (
        await call(edgeApi('a', `/accounts/${email}/numbers/${enc(desk)}`), {
          method: 'DELETE',
          headers: admin(),
        })
      ).status
    ).toBe(200)
    expect((await signedTo('a', 'dime', 'GET', `/private/${enc(impi)}`)).status).toBe(404)
  })

  it('rolls back a failed allocation: nothing is left in Homestead, Homer or the pool', async () => {
    const email = uniqueEmail('rollback')
    const cookie = await signUp(email)
    const uri = `sip:rb${Date.now().toString(36)}@${endpoints().homeDomain}`
    // An unknown private id fails the allocation half-way (after the number is taken and while
    // Homer's document is being written in parallel): the caller's mistake, so 400 naming it.
    const r = await call(edgeApi('a', `/accounts/${email}/numbers/${enc(uri)}`), {
      method: 'POST',
      headers: { ...admin(), ...json },
      body: JSON.stringify({
        private_id: `nobody-${Date.now()}@example.com`,
        new_private_id: 'false',
      }),
    })
    expect(r.status).toBe(400)
    expect(String((await body(r)).reason)).toContain('private_id')
    expect((await signedTo('a', 'homer', 'GET', simservsPath(uri))).status).toBe(404)
    expect((await signedTo('a', 'dime', 'GET', `/public/${enc(uri)}/service_profile`)).status).toBe(
      404
    )
    const list = (await (
      await call(edgeApi('a', `/accounts/${email}/numbers`), { headers: { cookie } })
    ).json()) as { numbers: unknown[] }
    expect(list.numbers).toEqual([])
    await waitForReplication()
    // The number was released: provisioning it properly now succeeds (not 409).
    const retry = await call(edgeApi('b', `/accounts/${email}/numbers/${enc(uri)}`), {
      method: 'POST',
      headers: { ...admin(), ...json },
      body: JSON.stringify({ private_id: uri.slice(4), new_private_id: 'true' }),
    })
    expect(retry.status).toBe(200)
  })

  it('answers 503 "No available numbers" when a pool is empty (no PSTN ranges by default)', async () => {
    const email = uniqueEmail('pstn')
    const cookie = await signUp(email)
    const r = await allocate('a', email, cookie, '?pstn=true')
    expect(r.status).toBe(503)
    expect(await body(r)).toMatchObject({
      error: true,
      status: 503,
      reason: 'No available numbers',
    })
  })

  it('recovers a password by mailed link (200 always, 422 bad token) and deletes accounts (204)', async () => {
    const email = uniqueEmail('recover')
    const cookie = await signUp(email)
    expect(
      (await call(edgeApi('a', `/accounts/${email}/password`), { method: 'POST' })).status
    ).toBe(200)
    expect(
      (await call(edgeApi('a', `/accounts/${uniqueEmail('ghost')}/password`), { method: 'POST' }))
        .status
    ).toBe(200)
    expect((await call(edgeApi('a', `/outbox/${email}`), { headers: { cookie } })).status).toBe(403)
    await waitForReplication()
    const box = (await (
      await call(edgeApi('b', `/outbox/${email}`), { headers: admin() })
    ).json()) as { messages: Array<{ link: string }> }
    const link = new URL(box.messages[0]!.link)
    expect(`${link.protocol}//${link.host}`).toBe(endpoints().edges.a)
    expect(link.pathname).toBe('/reset.html')
    const token = link.searchParams.get('token')!
    const bad = await call(edgeApi('a', `/accounts/${email}/password`), {
      method: 'POST',
      headers: { 'ngv-recovery-token': 'wrong', 'content-type': 'text/plain' },
      body: 'new-password',
    })
    expect(bad.status).toBe(422)
    await waitForReplication()
    const good = await call(edgeApi('b', `/accounts/${email}/password`), {
      method: 'POST',
      headers: { 'ngv-recovery-token': token, 'content-type': 'text/plain' },
      body: 'new-password',
    })
    expect(good.status).toBe(200)
    await waitForReplication()
    expect((await call(edgeApi('a', '/session'), { headers: { cookie } })).status).toBe(403)
    const fresh = await logIn(email, 'a', 'new-password')

    const n = (await (await allocate('a', email, fresh)).json()) as NumberJson
    await waitForReplication()
    const del = await call(edgeApi('b', `/accounts/${email}`), {
      method: 'DELETE',
      headers: { cookie: fresh },
    })
    expect(del.status).toBe(204)
    await waitForReplication()
    expect(
      (await call(edgeApi('a', `/accounts/${email}/numbers`), { headers: admin() })).status
    ).toBe(404)
    expect(
      (await signedTo('b', 'dime', 'GET', `/public/${enc(n.sip_uri)}/associated_private_ids`))
        .status
    ).toBe(404)
    expect(
      (await call(edgeApi('a', `/accounts/${email}`), { method: 'DELETE', headers: admin() }))
        .status
    ).toBe(404)
  })

  it('publishes its OpenAPI document and a browsable page at /api/docs', async () => {
    const doc = (await (await call(edgeApi('a', '/openapi.json'))).json()) as {
      paths: Record<string, unknown>
    }
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/accounts',
        '/api/session',
        '/api/accounts/{email}/numbers/{sip_uri}/simservs',
      ])
    )
    const page = await call(edgeApi('b', '/docs'))
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('/api/docs.js')
  })
})
