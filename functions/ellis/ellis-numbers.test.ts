import { describe, expect, it, vi } from 'vitest'
import { keys } from '../../shared/vellum'
import {
  admin,
  bodyOf,
  type EllisKit,
  ellisKit,
  json,
  signUp,
} from '../../test/support/kits/ellis-kit'
import { simservsPath } from './homer-client'
import { SIP_PASSWORD_ALPHABET } from './secrets'

const numbersOf = async (kit: EllisKit, email: string, cookie: string) => {
  const r = await kit.request('a', 'GET', `/api/accounts/${email}/numbers`, { headers: { cookie } })
  expect(r.status).toBe(200)
  return ((await r.json()) as { numbers: Array<Record<string, unknown>> }).numbers
}

const enc = encodeURIComponent

describe('Ellis numbers (in-process Dime and Homer)', () => {
  it('allocates a number with a new private id, SIP password, default iFC and simservs', async () => {
    const kit = ellisKit()
    const cookie = await signUp(kit, 'alice@example.com')
    const r = await kit.request('a', 'POST', '/api/accounts/alice@example.com/numbers', {
      headers: { cookie },
    })
    expect(r.status).toBe(200)
    const n = (await r.json()) as Record<string, string | boolean | number>
    expect(n.sip_uri).toMatch(/^sip:650555\d{4}@example\.com$/)
    expect(n.private_id).toBe(String(n.sip_uri).slice(4))
    expect(n.number).toBe(String(n.sip_uri).slice(4, 14))
    expect(n.sip_username).toBe(n.number)
    expect(n.domain).toBe('example.com')
    expect(n.formatted_number).toMatch(/^\(650\) 555-\d{4}$/)
    expect(n.pstn).toBe(false)
    expect(n.number_id).toMatch(/^[0-9a-f]{32}$/)
    const pw = String(n.sip_password)
    expect(pw).toHaveLength(9)
    for (const ch of pw) expect(SIP_PASSWORD_ALPHABET).toContain(ch)

    // Homestead-prov holds the private id, its IRS, the public id and the MMTEL iFC.
    const sip = String(n.sip_uri)
    const ifcs = await kit.request(
      'a',
      'GET',
      `/api/accounts/alice@example.com/numbers/${enc(sip)}/ifcs`,
      { headers: { cookie } }
    )
    expect(ifcs.status).toBe(200)
    expect(await ifcs.text()).toContain('<ServerName>sip:mmtel.example.com</ServerName>')
    // Homer holds the default simservs.
    const ss = await kit.request(
      'b',
      'GET',
      `/api/accounts/alice@example.com/numbers/${enc(sip)}/simservs`,
      { headers: { cookie } }
    )
    expect(ss.status).toBe(200)
    expect(await ss.text()).toContain('<NoReplyTimer>30</NoReplyTimer>')

    const list = await numbersOf(kit, 'alice@example.com', cookie)
    expect(list).toHaveLength(1)
    expect(list[0]).toMatchObject({
      sip_uri: sip,
      private_id: n.private_id,
      gab_listed: 1,
      number_id: n.number_id,
    })
    expect(list[0]).not.toHaveProperty('sip_password')
  })

  it('rolls everything back when Homer refuses the simservs (502, nothing left behind)', async () => {
    const kit = ellisKit()
    const cookie = await signUp(kit, 'bob@example.com')
    kit.faults.push((call) =>
      call.method === 'PUT' && call.url.includes('/org.etsi.ngn.simservs/')
        ? new Response(
            JSON.stringify({
              error: 'service unavailable',
              reason: 'Homer is refusing writes (test)',
            }),
            { status: 503 }
          )
        : undefined
    )
    const r = await kit.request('a', 'POST', '/api/accounts/bob@example.com/numbers', {
      headers: { cookie },
    })
    expect(r.status).toBe(502)
    const body = (await r.json()) as { detail: Record<string, string>; reason: string }
    expect(body.detail['Upstream error']).toBe('503')
    expect(body.detail['Upstream URL']).toContain('/org.etsi.ngn.simservs/users/')
    expect(body.detail['Upstream reason']).toBe('Homer is refusing writes (test)')

    // Which number was taken: the first PUT of a private id names it.
    const put = kit.calls.find((c) => c.method === 'PUT' && /\/private\/[^/]+$/.test(c.url))!
    const impi = decodeURIComponent(put.url.split('/private/')[1]!)
    const sip = `sip:${impi}`
    // Homestead: no private id, no public id. Homer: no document. Pool: the number is free again.
    expect(await kit.vellum.table.get(keys.privateIdKey(impi))).toBeUndefined()
    expect(await kit.vellum.table.get(keys.publicIdKey(sip))).toBeUndefined()
    expect((await kit.homer.signed('GET', simservsPath(sip))).status).toBe(404)
    const num = await kit.vellum.table.get(keys.numberKey(sip))
    expect(num?.owner).toBeUndefined()
    expect(num?.gsi1pk).toMatch(/^POOL#/)
    expect(await numbersOf(kit, 'bob@example.com', cookie)).toEqual([])
    const deletes = kit.calls
      .filter((c) => c.method === 'DELETE')
      .map((c) => new URL(c.url).pathname)
    expect(deletes.some((p) => p.startsWith('/irs/'))).toBe(true)
    expect(deletes.some((p) => p.startsWith('/private/'))).toBe(true)
  })

  it('leaves a number that is still being provisioned alone when the account lists its numbers', async () => {
    const kit = ellisKit()
    const cookie = await signUp(kit, 'lia@example.com')
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    let held = false
    kit.faults.push(async (call) => {
      if (call.method === 'PUT' && call.url.includes('/org.etsi.ngn.simservs/') && !held) {
        held = true
        await gate
      }
      return undefined
    })
    const allocation = kit.request('a', 'POST', '/api/accounts/lia@example.com/numbers', {
      headers: { cookie },
    })
    await vi.waitFor(() => expect(held).toBe(true))
    // Mid-allocation: Homestead does not know the public id yet, and the listing must not reclaim it.
    expect(await numbersOf(kit, 'lia@example.com', cookie)).toEqual([])
    const gab = await kit.request('a', 'GET', '/api/gab', { headers: { cookie } })
    expect(((await gab.json()) as { contacts: unknown[] }).contacts).toEqual([])
    release()
    const r = await allocation
    expect(r.status).toBe(200)
    const n = (await r.json()) as { sip_uri: string }
    expect((await kit.vellum.table.get(keys.numberKey(n.sip_uri)))?.owner).toBe('lia@example.com')
    const list = await numbersOf(kit, 'lia@example.com', cookie)
    expect(list.map((x) => x.sip_uri)).toEqual([n.sip_uri])
  })

  it('rolls back when Homestead-prov fails mid-way (the iFC write)', async () => {
    const kit = ellisKit()
    const cookie = await signUp(kit, 'carl@example.com')
    kit.faults.push((call) =>
      call.url.endsWith('/filter_criteria') && call.method === 'PUT' ? 'drop' : undefined
    )
    const r = await kit.request('a', 'POST', '/api/accounts/carl@example.com/numbers', {
      headers: { cookie },
    })
    expect(r.status).toBe(502)
    expect(((await r.json()) as { detail: Record<string, string> }).detail['Upstream error']).toBe(
      'unreachable'
    )
    const put = kit.calls.find((c) => c.method === 'PUT' && /\/private\/[^/]+$/.test(c.url))!
    const sip = `sip:${decodeURIComponent(put.url.split('/private/')[1]!)}`
    expect(await kit.vellum.table.get(keys.publicIdKey(sip))).toBeUndefined()
    expect((await kit.homer.signed('GET', simservsPath(sip))).status).toBe(404)
    expect((await kit.vellum.table.get(keys.numberKey(sip)))?.owner).toBeUndefined()
  })

  it('adds a number to an existing private id, refuses to delete the default id while shared, deletes both', async () => {
    const kit = ellisKit()
    const cookie = await signUp(kit, 'dora@example.com')
    const first = (await (
      await kit.request('a', 'POST', '/api/accounts/dora@example.com/numbers', {
        headers: { cookie },
      })
    ).json()) as Record<string, string>
    const second = await kit.request('a', 'POST', '/api/accounts/dora@example.com/numbers', {
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: `private_id=${enc(first.private_id!)}`,
    })
    expect(second.status).toBe(200)
    const s = (await second.json()) as Record<string, string>
    expect(s.private_id).toBe(first.private_id)
    expect(s.sip_username).toBe(first.private_id)
    expect(s).not.toHaveProperty('sip_password')

    // Someone else's private id is refused.
    const eve = await signUp(kit, 'eve@example.com')
    const steal = await kit.request(
      'a',
      'POST',
      `/api/accounts/eve@example.com/numbers?private_id=${enc(first.private_id!)}`,
      { headers: { cookie: eve } }
    )
    expect(steal.status).toBe(403)

    const delDefault = await kit.request(
      'a',
      'DELETE',
      `/api/accounts/dora@example.com/numbers/${enc(first.sip_uri!)}`,
      { headers: { cookie } }
    )
    expect(delDefault.status).toBe(403)
    const delSecond = await kit.request(
      'b',
      'DELETE',
      `/api/accounts/dora@example.com/numbers/${enc(s.sip_uri!)}`,
      { headers: { cookie } }
    )
    expect(delSecond.status).toBe(200)
    expect(await delSecond.json()).toEqual({})
    const delFirst = await kit.request(
      'a',
      'DELETE',
      `/api/accounts/dora@example.com/numbers/${enc(first.sip_uri!)}`,
      { headers: { cookie } }
    )
    expect(delFirst.status).toBe(200)
    expect(await kit.vellum.table.get(keys.privateIdKey(first.private_id!))).toBeUndefined()
    expect(await numbersOf(kit, 'dora@example.com', cookie)).toEqual([])
    // 404s: gone, and someone else's.
    const gone = await kit.request(
      'a',
      'DELETE',
      `/api/accounts/dora@example.com/numbers/${enc(first.sip_uri!)}`,
      { headers: { cookie } }
    )
    expect(gone.status).toBe(404)
  })

  it('checks ownership (404 not found / not owned, 403 other account) and resets SIP passwords', async () => {
    const kit = ellisKit()
    const a = await signUp(kit, 'fay@example.com')
    const b = await signUp(kit, 'gus@example.com')
    const n = (await (
      await kit.request('a', 'POST', '/api/accounts/fay@example.com/numbers', {
        headers: { cookie: a },
      })
    ).json()) as Record<string, string>
    const uri = enc(n.sip_uri!)
    const notOwned = await kit.request(
      'a',
      'GET',
      `/api/accounts/gus@example.com/numbers/${uri}/simservs`,
      { headers: { cookie: b } }
    )
    expect(notOwned.status).toBe(404)
    expect((await bodyOf(notOwned)).reason).toBe("User doesn't own that number")
    const missing = await kit.request(
      'a',
      'GET',
      `/api/accounts/gus@example.com/numbers/${enc('sip:1@example.com')}/listed`,
      { headers: { cookie: b } }
    )
    expect((await bodyOf(missing)).reason).toBe('Number not found')
    const otherAccount = await kit.request('a', 'GET', '/api/accounts/fay@example.com/numbers', {
      headers: { cookie: b },
    })
    expect(otherAccount.status).toBe(403)
    const noAuth = await kit.request('a', 'GET', '/api/accounts/fay@example.com/numbers')
    expect(noAuth.status).toBe(403)
    expect((await bodyOf(noAuth)).reason).toBe(
      'NGV-API-Key header or authentication cookie was missing or incorrect'
    )
    const unknownAccount = await kit.request(
      'a',
      'GET',
      '/api/accounts/nobody@example.com/numbers',
      { headers: admin }
    )
    expect(unknownAccount.status).toBe(404)

    const reset = await kit.request(
      'b',
      'POST',
      `/api/accounts/fay@example.com/numbers/${uri}/password`,
      { headers: { cookie: a } }
    )
    expect(reset.status).toBe(200)
    const { sip_password } = (await reset.json()) as { sip_password: string }
    expect(sip_password).toHaveLength(9)
    expect(sip_password).not.toBe(n.sip_password)
  })

  it('provisions specific numbers with the API key only (403 otherwise, 409 if taken)', async () => {
    const kit = ellisKit()
    const cookie = await signUp(kit, 'hana@example.com')
    const path = `/api/accounts/hana@example.com/numbers/${enc('sip:hana.desk@example.com')}`
    const user = await kit.request('a', 'POST', path, {
      headers: { cookie, ...json },
      body: JSON.stringify({ private_id: 'hana.desk@example.com', new_private_id: 'true' }),
    })
    expect(user.status).toBe(403)
    const noPriv = await kit.request('a', 'POST', path, { headers: admin })
    expect(noPriv.status).toBe(400)
    const r = await kit.request('a', 'POST', path, {
      headers: { ...admin, ...json },
      body: JSON.stringify({ private_id: 'hana.desk@example.com', new_private_id: 'true' }),
    })
    expect(r.status).toBe(200)
    const n = (await r.json()) as Record<string, string>
    expect(n).toMatchObject({
      sip_uri: 'sip:hana.desk@example.com',
      sip_username: 'hana.desk@example.com',
      private_id: 'hana.desk@example.com',
    })
    expect(n.sip_password).toHaveLength(9)
    const again = await kit.request('b', 'POST', path, {
      headers: { ...admin, ...json },
      body: JSON.stringify({ private_id: 'hana.desk@example.com' }),
    })
    expect(again.status).toBe(409)
    // A second public id on the same private id (the live tests' "multiple identities").
    const second = await kit.request(
      'b',
      'POST',
      `/api/accounts/hana@example.com/numbers/${enc('sip:hana.mobile@example.com')}`,
      {
        headers: { ...admin, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'private_id=hana.desk%40example.com&new_private_id=false',
      }
    )
    expect(second.status).toBe(200)
    expect(await second.json()).not.toHaveProperty('sip_password')
  })

  it('toggles the address-book flag and lists the global address book', async () => {
    const kit = ellisKit()
    const cookie = await signUp(kit, 'ian@example.com')
    const n = (await (
      await kit.request('a', 'POST', '/api/accounts/ian@example.com/numbers', {
        headers: { cookie },
      })
    ).json()) as Record<string, string>
    const base = `/api/accounts/ian@example.com/numbers/${enc(n.sip_uri!)}/listed`
    expect(await (await kit.request('a', 'GET', base, { headers: { cookie } })).json()).toEqual({
      gab_listed: 1,
    })
    const gab = await kit.request('a', 'GET', '/api/gab', { headers: { cookie } })
    expect(
      ((await gab.json()) as { contacts: Array<{ numbers: string[] }> }).contacts.flatMap(
        (x) => x.numbers
      )
    ).toContain(n.sip_uri)
    expect((await kit.request('a', 'PUT', `${base}/0`, { headers: { cookie } })).status).toBe(200)
    expect(await (await kit.request('b', 'GET', base, { headers: { cookie } })).json()).toEqual({
      gab_listed: 0,
    })
    const gab2 = await kit.request('b', 'GET', '/api/1/gab', { headers: { cookie } })
    expect(((await gab2.json()) as { contacts: unknown[] }).contacts).toEqual([])
    expect((await kit.request('a', 'GET', '/api/gab')).status).toBe(403)
    // After logout the old cookie reads nothing.
    await kit.request('a', 'DELETE', '/api/session', { headers: { cookie } })
    expect((await kit.request('b', 'GET', '/api/gab', { headers: { cookie } })).status).toBe(403)
  })

  it('leaves sip_password out of browser-form redirects', async () => {
    const kit = ellisKit()
    const cookie = await signUp(kit, 'kim@example.com')
    const r = await kit.request(
      'a',
      'POST',
      '/api/accounts/kim@example.com/numbers?onsuccess=/lines.html',
      { headers: { cookie } }
    )
    expect(r.status).toBe(302)
    const to = new URL(r.headers.get('location')!, 'http://x.invalid')
    const data = JSON.parse(to.searchParams.get('data')!) as Record<string, unknown>
    expect(data.sip_uri).toMatch(/^sip:/)
    expect(data).not.toHaveProperty('sip_password')
  })

  it('proxies simservs and iFC writes (400 malformed or invalid iFCs and simservs)', async () => {
    const kit = ellisKit()
    const cookie = await signUp(kit, 'jo@example.com')
    const n = (await (
      await kit.request('a', 'POST', '/api/accounts/jo@example.com/numbers', {
        headers: { cookie },
      })
    ).json()) as Record<string, string>
    const base = `/api/accounts/jo@example.com/numbers/${enc(n.sip_uri!)}`
    const doc = `<?xml version="1.0" encoding="UTF-8"?><simservs xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap" xmlns:cp="urn:ietf:params:xml:ns:common-policy"><communication-diversion active="true"><NoReplyTimer>15</NoReplyTimer><cp:ruleset><cp:rule id="r1"><cp:conditions><busy/></cp:conditions><cp:actions><forward-to><target>sip:voicemail@example.com</target></forward-to></cp:actions></cp:rule></cp:ruleset></communication-diversion></simservs>`
    const put = await kit.request('a', 'PUT', `${base}/simservs`, {
      headers: { cookie, 'content-type': 'application/simservs+xml' },
      body: doc,
    })
    expect(put.status).toBe(200)
    expect(await put.text()).toBe('')
    expect(
      await (await kit.request('a', 'GET', `${base}/simservs`, { headers: { cookie } })).text()
    ).toBe(doc)
    const invalid = await kit.request('a', 'PUT', `${base}/simservs`, {
      headers: { cookie },
      body: doc.replace('<NoReplyTimer>15</NoReplyTimer>', '<NoReplyTimer>500</NoReplyTimer>'),
    })
    // Ellis checks the simservs document as Homer does: the subscriber's mistake is a 400.
    expect(invalid.status).toBe(400)
    expect(((await invalid.json()) as { reason: string }).reason).toMatch(/NoReplyTimer/)

    const malformed = await kit.request('a', 'PUT', `${base}/ifcs`, {
      headers: { cookie },
      body: '<ServiceProfile><oops>',
    })
    expect(malformed.status).toBe(400)
    // Ellis checks the iFC document as Homestead-prov does, before proxying it: 400 with the reason.
    const invalidIfcs = await kit.request('a', 'PUT', `${base}/ifcs`, {
      headers: { cookie },
      body: '<Nothing/>',
    })
    expect(invalidIfcs.status).toBe(400)
    // A trigger the linear-time matcher cannot run (shared/ims/ifc-pattern.ts; issue 14 finding 3).
    const backref = await kit.request('a', 'PUT', `${base}/ifcs`, {
      headers: { cookie },
      body: '<ServiceProfile><InitialFilterCriteria><TriggerPoint><ConditionTypeCNF>0</ConditionTypeCNF><SPT><Group>0</Group><RequestURI>(a)\\1</RequestURI></SPT></TriggerPoint><ApplicationServer><ServerName>sip:as.example.com</ServerName></ApplicationServer></InitialFilterCriteria></ServiceProfile>',
    })
    expect(backref.status).toBe(400)
    expect(JSON.stringify(await backref.json())).toMatch(/RequestURI: uses a backreference/)
    const ifc = `<ServiceProfile><InitialFilterCriteria><Priority>1</Priority><ApplicationServer><ServerName>sip:as.example.com</ServerName><DefaultHandling>0</DefaultHandling></ApplicationServer></InitialFilterCriteria></ServiceProfile>`
    expect(
      (await kit.request('a', 'PUT', `${base}/ifcs`, { headers: { cookie }, body: ifc })).status
    ).toBe(200)
    expect(
      await (await kit.request('b', 'GET', `${base}/ifcs`, { headers: { cookie } })).text()
    ).toContain('sip:as.example.com')
  })

  it('deletes an account with all its numbers (204) and returns them to the pool', async () => {
    const kit = ellisKit()
    const cookie = await signUp(kit, 'kim@example.com')
    const uris: string[] = []
    for (let i = 0; i < 2; i++)
      uris.push(
        (
          (await (
            await kit.request('a', 'POST', '/api/accounts/kim@example.com/numbers', {
              headers: { cookie },
            })
          ).json()) as { sip_uri: string }
        ).sip_uri
      )
    const del = await kit.request('b', 'DELETE', '/api/accounts/kim@example.com', {
      headers: { cookie },
    })
    expect(del.status).toBe(204)
    for (const u of uris) {
      expect((await kit.vellum.table.get(keys.numberKey(u)))?.owner).toBeUndefined()
      expect(await kit.vellum.table.get(keys.publicIdKey(u))).toBeUndefined()
    }
    expect(await kit.vellum.table.get(keys.accountKey('kim@example.com'))).toBeUndefined()
    expect(
      (await kit.request('a', 'GET', '/api/accounts/kim@example.com/numbers', { headers: admin }))
        .status
    ).toBe(404)
  })
})
