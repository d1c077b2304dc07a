import { describe, expect, it } from 'vitest'
import { defaultPublicIdentity } from '../../../shared/ims/ims-subscription'
import { parseRegDataXml } from '../../../shared/ims/reg-data-xml'
import { computeHa1, md5Hex } from '../../../shared/sip'
import { Unavailable } from '../../../shared/vellum/errors'
import { provisionLikeEllis, testDime } from '../../../test/support/kits/dime-kit'

const ALICE = 'sip:6505550001@example.com'
const ALICE_IMPI = '6505550001@example.com'
const enc = encodeURIComponent

async function regData(res: Response) {
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/xml/)
  const r = parseRegDataXml(await res.text())
  if (!r.ok) throw new Error(r.error.message)
  return r.value
}
const put = (
  kit: ReturnType<typeof testDime>,
  impu: string,
  reqtype: string,
  q = '',
  headers?: Record<string, string>
) =>
  kit.request(
    'PUT',
    `/impu/${enc(impu)}/reg-data${q}`,
    JSON.stringify({ reqtype, server_name: 'sip:scscf.example.com:5054;transport=tcp' }),
    headers
  )

describe('trusted zone', () => {
  it('refuses unsigned requests on every API', async () => {
    const kit = testDime()
    for (const p of [
      '/ping',
      `/impu/${enc(ALICE)}/reg-data`,
      '/irs',
      '/call-id/x',
      '/cdrs?call-id=x',
    ]) {
      const res = await kit.unsigned('GET', p)
      expect(res.status).toBe(401)
    }
    expect((await kit.request('GET', '/ping')).status).toBe(200)
  })
})

describe('auth vectors (MAR)', () => {
  it('returns the digest for a private id that may authenticate the public id', async () => {
    const kit = testDime()
    await provisionLikeEllis(kit, ALICE, { password: 'pa55word' })
    const res = await kit.request(
      'GET',
      `/impi/${enc(ALICE_IMPI)}/av?impu=${enc(ALICE)}&server-name=sip:scscf`
    )
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      digest: {
        ha1: md5Hex(`${ALICE_IMPI}:example.com:pa55word`),
        // Provisioned in plaintext: the SHA-256 HA1 too (RFC 8760), so Sprout can offer it.
        ha1_sha256: computeHa1(ALICE_IMPI, 'example.com', 'pa55word', 'SHA-256'),
        realm: 'example.com',
        qop: 'auth',
      },
    })
    const digest = await kit.request('GET', `/impi/${enc(ALICE_IMPI)}/av/digest?impu=${enc(ALICE)}`)
    expect(((await digest.json()) as { digest: { ha1: string } }).digest.ha1).toHaveLength(32)
    const legacy = await kit.request(
      'GET',
      `/impi/${enc(ALICE_IMPI)}/digest?public_id=${enc(ALICE)}`
    )
    expect(await legacy.json()).toEqual({
      digest_ha1: md5Hex(`${ALICE_IMPI}:example.com:pa55word`),
    })
  })

  it('answers 404 for unknown users, foreign public ids, no impu, AKA and unknown schemes', async () => {
    const kit = testDime()
    await provisionLikeEllis(kit, ALICE)
    await provisionLikeEllis(kit, 'sip:bob@example.com')
    const get = (p: string) => kit.request('GET', p).then((r) => r.status)
    expect(await get(`/impi/nobody%40example.com/av?impu=${enc(ALICE)}`)).toBe(404)
    expect(await get(`/impi/${enc(ALICE_IMPI)}/av?impu=${enc('sip:bob@example.com')}`)).toBe(404)
    expect(await get(`/impi/${enc(ALICE_IMPI)}/av`)).toBe(404)
    expect(await get(`/impi/${enc(ALICE_IMPI)}/av/aka?impu=${enc(ALICE)}`)).toBe(404)
    expect(await get(`/impi/${enc(ALICE_IMPI)}/av/aka2?impu=${enc(ALICE)}`)).toBe(404)
    expect(await get(`/impi/${enc(ALICE_IMPI)}/av/gsm?impu=${enc(ALICE)}`)).toBe(404)
    expect(await get(`/impi/${enc(ALICE_IMPI)}/digest`)).toBe(404)
    expect(
      (await kit.request('POST', `/impi/${enc(ALICE_IMPI)}/av?impu=${enc(ALICE)}`)).status
    ).toBe(405)
  })
})

describe('reg-data and the registration state machine', () => {
  it('walks NOT_REGISTERED → REGISTERED → NOT_REGISTERED with the IMS subscription', async () => {
    const kit = testDime({ CHARGING_CCFS: 'ccf1.example.com,ccf2.example.com' })
    await provisionLikeEllis(kit, ALICE)
    const g0 = await regData(await kit.request('GET', `/impu/${enc(ALICE)}/reg-data`))
    expect(g0.state).toBe('NOT_REGISTERED')
    expect(g0.previousState).toBeUndefined()
    expect(g0.subscription && defaultPublicIdentity(g0.subscription)).toBe(ALICE)
    expect(g0.subscription?.serviceProfiles[0]?.ifcs[0]?.applicationServer.serverName).toBe(
      'sip:mmtel.example.com'
    )
    expect(g0.chargingAddresses.ccfs).toEqual(['ccf1.example.com', 'ccf2.example.com'])

    const r1 = await regData(await put(kit, ALICE, 'reg', `?private_id=${enc(ALICE_IMPI)}`))
    expect([r1.state, r1.previousState]).toEqual(['REGISTERED', 'NOT_REGISTERED'])
    const r2 = await regData(await put(kit, ALICE, 'reg', `?private_id=${enc(ALICE_IMPI)}`))
    expect([r2.state, r2.previousState]).toEqual(['REGISTERED', 'REGISTERED'])
    // The S-CSCF named by Sprout is what the I-CSCF queries now return.
    const loc = await kit.request('GET', `/impu/${enc(ALICE)}/location`)
    expect(await loc.json()).toEqual({
      'result-code': 2001,
      scscf: 'sip:scscf.example.com:5054;transport=tcp',
    })

    const af = await regData(await put(kit, ALICE, 'dereg-auth-failed'))
    expect([af.state, af.previousState]).toEqual(['REGISTERED', undefined])
    const d1 = await regData(await put(kit, ALICE, 'dereg-user'))
    expect([d1.state, d1.previousState]).toEqual(['NOT_REGISTERED', undefined])
    const d2 = await put(kit, ALICE, 'dereg-user')
    expect(d2.status).toBe(400)
    expect(((await d2.json()) as { reason: string }).reason).toMatch(/not registered/)
  })

  it('call gives unregistered service, and deregistering from there works', async () => {
    const kit = testDime()
    await provisionLikeEllis(kit, ALICE)
    const c1 = await regData(await put(kit, ALICE, 'call'))
    expect([c1.state, c1.previousState]).toEqual(['UNREGISTERED', 'NOT_REGISTERED'])
    const c2 = await regData(await put(kit, ALICE, 'call'))
    expect([c2.state, c2.previousState]).toEqual(['UNREGISTERED', 'UNREGISTERED'])
    const loc = await kit.request('GET', `/impu/${enc(ALICE)}/location`)
    expect(((await loc.json()) as Record<string, unknown>)['result-code']).toBe(2001)
    const r = await regData(await put(kit, ALICE, 'reg'))
    expect([r.state, r.previousState]).toEqual(['REGISTERED', 'UNREGISTERED'])
    for (const t of ['dereg-timeout', 'dereg-admin']) {
      await put(kit, ALICE, 'call')
      expect((await regData(await put(kit, ALICE, t))).state).toBe('NOT_REGISTERED')
    }
  })

  it('keeps the state per implicit registration set: every public id of the set sees it', async () => {
    const kit = testDime()
    const { irs, sp } = await provisionLikeEllis(kit, ALICE)
    const tel = 'tel:+16505550001'
    const put2 = await kit.request(
      'PUT',
      `/irs/${irs}/service_profiles/${sp}/public_ids/${enc(tel)}`,
      `<PublicIdentity><Identity>${tel}</Identity></PublicIdentity>`
    )
    expect(put2.status).toBe(200)
    await put(kit, ALICE, 'reg', `?private_id=${enc(ALICE_IMPI)}`)
    expect((await regData(await kit.request('GET', `/impu/${enc(tel)}/reg-data`))).state).toBe(
      'REGISTERED'
    )
  })

  it('rejects bad requests with the field named, unknown users with 404, other methods with 405', async () => {
    const kit = testDime()
    await provisionLikeEllis(kit, ALICE)
    const bad = async (body: string) => {
      const res = await kit.request('PUT', `/impu/${enc(ALICE)}/reg-data`, body)
      expect(res.status).toBe(400)
      return ((await res.json()) as { reason: string }).reason
    }
    expect(await bad('{"reqtype":"dereg-auth-failure"}')).toMatch(
      /^reqtype: must be one of reg, call/
    )
    expect(await bad('{}')).toMatch(/^reqtype:/)
    expect(await bad('not json')).toMatch(/not valid JSON/)
    expect((await kit.request('GET', '/impu/sip%3Anobody%40example.com/reg-data')).status).toBe(404)
    expect((await put(kit, 'sip:nobody@example.com', 'reg')).status).toBe(404)
    expect((await put(kit, 'sip:nobody@example.com', 'call')).status).toBe(404)
    expect((await put(kit, 'sip:nobody@example.com', 'dereg-user')).status).toBe(400)
    expect((await put(kit, ALICE, 'reg', '?private_id=mallory%40example.com')).status).toBe(404)
    expect((await kit.request('DELETE', `/impu/${enc(ALICE)}/reg-data`)).status).toBe(405)
    expect((await kit.request('POST', `/impu/${enc(ALICE)}/reg-data`, '{}')).status).toBe(405)
  })

  it("refuses a private identity another set's reg-data, on GET as on PUT (issue 14 finding 2)", async () => {
    const kit = testDime()
    await provisionLikeEllis(kit, ALICE)
    await provisionLikeEllis(kit, 'sip:bob@example.com')
    const get = (q: string) => kit.request('GET', `/impu/${enc(ALICE)}/reg-data${q}`)
    expect((await get(`?private_id=${enc(ALICE_IMPI)}`)).status).toBe(200)
    const foreign = await get(`?private_id=${enc('bob@example.com')}`)
    expect(foreign.status).toBe(404)
    expect(await foreign.text()).not.toContain('<IMSSubscription')
    expect((await put(kit, ALICE, 'reg', `?private_id=${enc('bob@example.com')}`)).status).toBe(404)
    expect(
      (await put(kit, ALICE, 'dereg-user', `?private_id=${enc('bob@example.com')}`)).status
    ).toBe(404)
    // Without a private identity (Sprout's own lookups), the set is read as before.
    expect((await get('')).status).toBe(200)
  })

  it('answers a re-registration from the cache and re-reads the profile when asked (no-cache) or when due', async () => {
    const kit = testDime()
    await provisionLikeEllis(kit, ALICE)
    await put(kit, ALICE, 'reg', `?private_id=${enc(ALICE_IMPI)}`)
    // A change written behind the cache's back (as if the invalidation were lost).
    const item = kit.vellum.table
    const { irs } = (await item.get({ pk: `IMPU#${ALICE}`, sk: 'IMPU' })) as unknown as {
      irs: string
    }
    const spItems = await item.query({ pk: `IRS#${irs}`, sk: { prefix: 'SP#' } })
    const sp = spItems.items[0]!
    await item.update(sp, {
      set: {
        ifc_xml:
          '<ServiceProfile><InitialFilterCriteria><ApplicationServer><ServerName>sip:new-as</ServerName></ApplicationServer></InitialFilterCriteria></ServiceProfile>',
      },
    })
    const server = async (headers?: Record<string, string>) =>
      (await regData(await put(kit, ALICE, 'reg', `?private_id=${enc(ALICE_IMPI)}`, headers)))
        .subscription?.serviceProfiles[0]?.ifcs[0]?.applicationServer.serverName
    expect(await server()).toBe('sip:mmtel.example.com')
    expect(await server({ 'cache-control': 'no-cache' })).toBe('sip:new-as')
    await item.update(sp, {
      set: {
        ifc_xml:
          '<ServiceProfile><InitialFilterCriteria><ApplicationServer><ServerName>sip:newer-as</ServerName></ApplicationServer></InitialFilterCriteria></ServiceProfile>',
      },
    })
    expect(await server()).toBe('sip:new-as')
    kit.clock.advance(1800_000)
    expect(await server()).toBe('sip:newer-as')
  })
})

describe('registration-status (UAR) and location (LIR)', () => {
  it('answers first/subsequent registration with the S-CSCF, and refuses what it must', async () => {
    const kit = testDime({ SCSCF_URI: 'sip:scscf.example.com' })
    await provisionLikeEllis(kit, ALICE)
    const uar = (q: string) =>
      kit.request('GET', `/impi/${enc(ALICE_IMPI)}/registration-status?impu=${enc(ALICE)}${q}`)
    expect(await (await uar('')).json()).toEqual({
      'result-code': 2001,
      scscf: 'sip:scscf.example.com',
    })
    expect((await uar('&auth-type=DEREG')).status).toBe(404)
    await put(kit, ALICE, 'reg', `?private_id=${enc(ALICE_IMPI)}`)
    expect(await (await uar('&visited-network=example.com')).json()).toEqual({
      'result-code': 2002,
      scscf: 'sip:scscf.example.com:5054;transport=tcp',
    })
    expect(await (await uar('&auth-type=DEREG')).json()).toMatchObject({ 'result-code': 2001 })
    expect(await (await uar('&auth-type=CAPAB')).json()).toMatchObject({
      'mandatory-capabilities': [],
      'optional-capabilities': [],
    })
    expect((await uar('&visited-network=other.net')).status).toBe(403)
    expect((await uar('&auth-type=BOGUS')).status).toBe(400)
    expect(
      (
        await kit.request(
          'GET',
          `/impi/${enc(ALICE_IMPI)}/registration-status?impu=sip%3Ax%40example.com`
        )
      ).status
    ).toBe(404)
    expect(
      (await kit.request('GET', `/impi/nobody/registration-status?impu=${enc(ALICE)}`)).status
    ).toBe(404)
  })

  it('refuses registration when every identity of the set is barred', async () => {
    const kit = testDime()
    const { irs, sp } = await provisionLikeEllis(kit, ALICE)
    await kit.request(
      'PUT',
      `/irs/${irs}/service_profiles/${sp}/public_ids/${enc(ALICE)}`,
      `<PublicIdentity><Identity>${ALICE}</Identity><BarringIndication>1</BarringIndication></PublicIdentity>`
    )
    const res = await kit.request(
      'GET',
      `/impi/${enc(ALICE_IMPI)}/registration-status?impu=${enc(ALICE)}`
    )
    expect(res.status).toBe(403)
  })

  it('location: unregistered service (2003) when not registered, 404 when unknown', async () => {
    const kit = testDime()
    await provisionLikeEllis(kit, ALICE)
    expect(
      await (await kit.request('GET', `/impu/${enc(ALICE)}/location?originating=true`)).json()
    ).toEqual({
      'result-code': 2003,
      scscf: 'sip:scscf.example.com;transport=tcp',
    })
    expect((await kit.request('GET', '/impu/sip%3Anobody%40example.com/location')).status).toBe(404)
  })
})

describe('store outages', () => {
  it('answer 503 with Retry-After (never a 4xx), so Sprout can try the other region', async () => {
    const kit = testDime()
    await provisionLikeEllis(kit, ALICE)
    kit.vellum.kv.get = async () => {
      throw new Unavailable('kv down', 'kv')
    }
    for (const [m, p] of [
      ['GET', `/impu/${enc(ALICE)}/reg-data`],
      ['GET', `/impi/${enc(ALICE_IMPI)}/av?impu=${enc(ALICE)}`],
      ['GET', `/impu/${enc(ALICE)}/location`],
    ] as const) {
      const res = await kit.request(m, p)
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toBe('0')
      expect(await res.json()).toEqual({ error: 'service unavailable', reason: 'kv unavailable' })
    }
    const put = await kit.request('PUT', `/impu/${enc(ALICE)}/reg-data`, '{"reqtype":"reg"}')
    expect(put.status).toBe(503)
  })
})
