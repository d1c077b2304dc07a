import { describe, expect, it } from 'vitest'
import { parseRegDataXml } from '../../shared/ims/reg-data-xml'
import { md5Hex } from './md5'
import { DEFAULT_IFC, provisionLikeEllis, publicIdentityXml, testDime } from './test-kit'

const ALICE = 'sip:6505550001@example.com'
const ALICE_IMPI = '6505550001@example.com'
const enc = encodeURIComponent
const json = async (r: Response) => (await r.json()) as Record<string, unknown>
const status = (r: Promise<Response>) => r.then((x) => x.status)

describe('private ids', () => {
  it('stores a digest or a password (HA1 computed, realm defaulted) and reads it back', async () => {
    const kit = testDime()
    const ha1 = 'a'.repeat(32)
    expect(
      await status(
        kit.request(
          'PUT',
          '/private/alice%40example.com',
          JSON.stringify({ digest_ha1: ha1, realm: 'r.example' })
        )
      )
    ).toBe(200)
    expect(await json(await kit.request('GET', '/private/alice%40example.com'))).toEqual({
      digest_ha1: ha1,
      realm: 'r.example',
    })
    expect(
      await status(
        kit.request(
          'PUT',
          '/private/alice%40example.com/',
          JSON.stringify({ plaintext_password: 'pw123456' })
        )
      )
    ).toBe(200)
    expect(await json(await kit.request('GET', '/private/alice%40example.com/'))).toEqual({
      digest_ha1: md5Hex('alice@example.com:example.com:pw123456'),
      realm: 'example.com',
      plaintext_password: 'pw123456',
    })
    // A later digest PUT clears the stored plaintext.
    await kit.request('PUT', '/private/alice%40example.com', JSON.stringify({ digest_ha1: ha1 }))
    expect(await json(await kit.request('GET', '/private/alice%40example.com'))).not.toHaveProperty(
      'plaintext_password'
    )
    expect(await status(kit.request('DELETE', '/private/alice%40example.com'))).toBe(200)
    expect(await status(kit.request('GET', '/private/alice%40example.com'))).toBe(404)
    expect(await status(kit.request('DELETE', '/private/alice%40example.com'))).toBe(204)
  })

  it.each([
    ['', /empty/],
    ['{', /not valid JSON/],
    ['{}', /one of digest_ha1 or plaintext_password/],
    [JSON.stringify({ digest_ha1: 'a'.repeat(32), plaintext_password: 'x' }), /not both/],
    [JSON.stringify({ digest_ha1: 'xyz' }), /^digest_ha1: must be 32 hexadecimal/],
    [JSON.stringify({ plaintext_password: 'pw', realm: '' }), /^realm: must not be empty/],
  ])('refuses PUT body %s with 400', async (body, reason) => {
    const kit = testDime()
    const res = await kit.request('PUT', '/private/alice%40example.com', body)
    expect(res.status).toBe(400)
    expect((await json(res)).reason).toMatch(reason)
  })

  it('lists and changes IRS associations with the right status codes', async () => {
    const kit = testDime()
    const { irs } = await provisionLikeEllis(kit, ALICE)
    expect(
      await json(
        await kit.request(
          'GET',
          `/private/${enc(ALICE_IMPI)}/associated_implicit_registration_sets`
        )
      )
    ).toEqual({ associated_implicit_registration_sets: [irs] })
    expect(
      await json(await kit.request('GET', `/private/${enc(ALICE_IMPI)}/associated_public_ids`))
    ).toEqual({ associated_public_ids: [ALICE] })
    expect(
      await status(kit.request('GET', '/private/nobody/associated_implicit_registration_sets'))
    ).toBe(404)
    expect(await status(kit.request('GET', '/private/nobody/associated_public_ids'))).toBe(404)
    expect(
      await status(
        kit.request('PUT', `/private/nobody/associated_implicit_registration_sets/${irs}`)
      )
    ).toBe(404)
    expect(
      await status(
        kit.request(
          'PUT',
          `/private/${enc(ALICE_IMPI)}/associated_implicit_registration_sets/00000000-0000-4000-8000-000000000000`
        )
      )
    ).toBe(404)
    expect(
      await status(
        kit.request(
          'PUT',
          `/private/${enc(ALICE_IMPI)}/associated_implicit_registration_sets/${irs}`,
          'x'
        )
      )
    ).toBe(400)
    expect(
      await status(
        kit.request(
          'DELETE',
          `/private/${enc(ALICE_IMPI)}/associated_implicit_registration_sets/${irs}`
        )
      )
    ).toBe(200)
    expect(
      await status(
        kit.request(
          'DELETE',
          `/private/${enc(ALICE_IMPI)}/associated_implicit_registration_sets/${irs}`
        )
      )
    ).toBe(204)
    expect(await json(await kit.request('GET', `/irs/${irs}/private_ids`))).toEqual({
      private_ids: [],
    })
    expect(await status(kit.request('PUT', `/irs/${irs}/private_ids/${enc(ALICE_IMPI)}`))).toBe(200)
    expect(await json(await kit.request('GET', `/irs/${irs}/private_ids/`))).toEqual({
      private_ids: [ALICE_IMPI],
    })
    expect(await status(kit.request('DELETE', `/irs/${irs}/private_ids/${enc(ALICE_IMPI)}`))).toBe(
      200
    )
    expect(await status(kit.request('DELETE', `/irs/${irs}/private_ids/${enc(ALICE_IMPI)}`))).toBe(
      404
    )
  })
})

describe('IRS, service profiles, public ids, filter criteria', () => {
  it('creates with 201 and Location, and cascades deletes', async () => {
    const kit = testDime()
    const { irs, sp } = await provisionLikeEllis(kit, ALICE)
    expect(irs).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    expect(await json(await kit.request('GET', `/irs/${irs}/public_ids`))).toEqual({
      public_ids: [ALICE],
    })
    expect(
      await json(await kit.request('GET', `/irs/${irs}/service_profiles/${sp}/public_ids`))
    ).toEqual({ public_ids: [ALICE] })
    const fc = await kit.request('GET', `/irs/${irs}/service_profiles/${sp}/filter_criteria`)
    expect(fc.status).toBe(200)
    expect(await fc.text()).toBe(DEFAULT_IFC)
    expect(await status(kit.request('DELETE', `/irs/${irs}`))).toBe(200)
    expect(await status(kit.request('DELETE', `/irs/${irs}`))).toBe(204)
    expect(await status(kit.request('GET', `/irs/${irs}/public_ids`))).toBe(404)
    expect(await status(kit.request('GET', `/public/${enc(ALICE)}/irs`))).toBe(404)
    // The private id survives, dissociated.
    expect(
      await json(
        await kit.request(
          'GET',
          `/private/${enc(ALICE_IMPI)}/associated_implicit_registration_sets`
        )
      )
    ).toEqual({ associated_implicit_registration_sets: [] })
    expect(await status(kit.request('POST', `/irs/${irs}/service_profiles`))).toBe(404)
    expect(await status(kit.request('POST', '/irs', 'not empty'))).toBe(400)
    expect(await status(kit.request('GET', '/irs/not-a-uuid/public_ids'))).toBe(404)
    expect(await status(kit.request('GET', '/irs'))).toBe(405)
  })

  it('checks that profiles and public ids belong to the IRS and profile of the URL (403/404)', async () => {
    const kit = testDime()
    const a = await provisionLikeEllis(kit, ALICE)
    const b = await provisionLikeEllis(kit, 'sip:bob@example.com')
    const missing = '00000000-0000-4000-8000-000000000000'
    const pub = (irs: string, sp: string, impu = 'sip:carol@example.com') =>
      kit.request(
        'PUT',
        `/irs/${irs}/service_profiles/${sp}/public_ids/${enc(impu)}`,
        publicIdentityXml(impu)
      )
    expect(await status(pub(a.irs, b.sp))).toBe(403)
    expect(await status(pub(a.irs, missing))).toBe(404)
    expect(
      await status(kit.request('GET', `/irs/${a.irs}/service_profiles/${b.sp}/filter_criteria`))
    ).toBe(403)
    expect(
      await status(
        kit.request('PUT', `/irs/${a.irs}/service_profiles/${missing}/filter_criteria`, DEFAULT_IFC)
      )
    ).toBe(404)
    expect(await status(kit.request('DELETE', `/irs/${a.irs}/service_profiles/${b.sp}`))).toBe(403)
    expect(
      await status(
        kit.request(
          'DELETE',
          `/irs/${a.irs}/service_profiles/${a.sp}/public_ids/${enc('sip:bob@example.com')}`
        )
      )
    ).toBe(403)
    expect(
      await status(
        kit.request(
          'DELETE',
          `/irs/${a.irs}/service_profiles/${a.sp}/public_ids/${enc('sip:nobody@example.com')}`
        )
      )
    ).toBe(404)
    expect(
      await status(kit.request('GET', `/irs/${a.irs}/service_profiles/${missing}/public_ids`))
    ).toBe(404)
  })

  it('validates PublicIdentity and iFC documents, naming the element', async () => {
    const kit = testDime()
    const { irs, sp } = await provisionLikeEllis(kit, ALICE)
    const base = `/irs/${irs}/service_profiles/${sp}`
    const mismatch = await kit.request(
      'PUT',
      `${base}/public_ids/${enc('sip:x@example.com')}`,
      publicIdentityXml('sip:y@example.com')
    )
    expect(mismatch.status).toBe(403)
    const badXml = await kit.request(
      'PUT',
      `${base}/public_ids/${enc('sip:x@example.com')}`,
      '<PublicIdentity><Identity>sip:x@example.com</Identity>'
    )
    expect(badXml.status).toBe(400)
    expect((await json(badXml)).reason).toMatch(/not well-formed/)
    const badBar = await kit.request(
      'PUT',
      `${base}/public_ids/${enc('sip:x@example.com')}`,
      '<PublicIdentity><Identity>sip:x@example.com</Identity><BarringIndication>yes</BarringIndication></PublicIdentity>'
    )
    expect((await json(badBar)).reason).toMatch(/^PublicIdentity.BarringIndication:/)
    const badIfc = await kit.request(
      'PUT',
      `${base}/filter_criteria`,
      '<ServiceProfile><InitialFilterCriteria><TriggerPoint><ConditionTypeCNF>1</ConditionTypeCNF><SPT><Group>0</Group><SessionCase>9</SessionCase></SPT></TriggerPoint><ApplicationServer><ServerName>sip:as</ServerName></ApplicationServer></InitialFilterCriteria></ServiceProfile>'
    )
    expect(badIfc.status).toBe(400)
    expect((await json(badIfc)).reason).toBe(
      'ServiceProfile.InitialFilterCriteria[0].TriggerPoint.SPT[0].SessionCase: must be between 0 and 4, got 9'
    )
    expect(await status(kit.request('PUT', `${base}/filter_criteria`, ''))).toBe(400)
    expect(
      await status(kit.request('PUT', `${base}/public_ids/${enc('sip:x@example.com')}`, ''))
    ).toBe(400)
  })

  it('deletes a service profile with its public ids', async () => {
    const kit = testDime()
    const { irs, sp } = await provisionLikeEllis(kit, ALICE)
    expect(await status(kit.request('DELETE', `/irs/${irs}/service_profiles/${sp}`))).toBe(200)
    expect(await status(kit.request('DELETE', `/irs/${irs}/service_profiles/${sp}`))).toBe(204)
    expect(await status(kit.request('GET', `/public/${enc(ALICE)}/service_profile`))).toBe(404)
    expect(await json(await kit.request('GET', `/irs/${irs}/public_ids`))).toEqual({
      public_ids: [],
    })
  })
})

describe('/public lookups', () => {
  it('redirects with 303 and lists private ids', async () => {
    const kit = testDime()
    const { irs, sp } = await provisionLikeEllis(kit, ALICE)
    const r1 = await kit.request('GET', `/public/${enc(ALICE)}/service_profile`)
    expect(r1.status).toBe(303)
    expect(r1.headers.get('location')).toBe(`/irs/${irs}/service_profiles/${sp}`)
    const r2 = await kit.request('GET', `/public/${enc(ALICE)}/irs/`)
    expect(r2.status).toBe(303)
    expect(r2.headers.get('location')).toBe(`/irs/${irs}`)
    expect(
      await json(await kit.request('GET', `/public/${enc(ALICE)}/associated_private_ids`))
    ).toEqual({ public_id: ALICE, private_ids: [ALICE_IMPI] })
    for (const p of ['service_profile', 'irs', 'associated_private_ids'])
      expect(await status(kit.request('GET', `/public/sip%3Anobody%40example.com/${p}`))).toBe(404)
  })

  it('lists every public id, by chunk or paced over all chunks', async () => {
    const kit = testDime({ DIME_LISTING_PAUSE_MS: '0' })
    const ids = Array.from(
      { length: 12 },
      (_, i) => `sip:65055500${String(i).padStart(2, '0')}@example.com`
    )
    const { irs, sp } = await provisionLikeEllis(kit, ids[0]!)
    for (const id of ids.slice(1))
      await kit.request(
        'PUT',
        `/irs/${irs}/service_profiles/${sp}/public_ids/${enc(id)}`,
        publicIdentityXml(id)
      )
    const all = (await json(await kit.request('GET', '/public/?chunk-proportion=7'))) as {
      public_ids: Array<{ public_id: string; sp: string; irs: string }>
    }
    expect(all.public_ids.map((p) => p.public_id).sort()).toEqual([...ids].sort())
    expect(all.public_ids.every((p) => p.sp === sp && p.irs === irs)).toBe(true)
    const chunks = await Promise.all(
      [0, 1, 2].map(
        async (m) =>
          (
            (await json(
              await kit.request('GET', `/public?excludeuuids=true&chunk-proportion=3&chunk=${m}`)
            )) as { public_ids: Array<Record<string, string>> }
          ).public_ids
      )
    )
    expect(
      chunks
        .flat()
        .map((p) => p.public_id)
        .sort()
    ).toEqual([...ids].sort())
    expect(chunks.flat().every((p) => Object.keys(p).join() === 'public_id')).toBe(true)
    expect(await status(kit.request('GET', '/public/?chunk-proportion=3&chunk=3'))).toBe(400)
    expect(await status(kit.request('GET', '/public/?chunk-proportion=0'))).toBe(400)
    expect(await status(kit.request('GET', '/public/?excludeuuids=maybe'))).toBe(400)
  })
})

describe('cache invalidation and pushes to Sprout', () => {
  const regData = async (kit: ReturnType<typeof testDime>, impu = ALICE) => {
    const r = parseRegDataXml(
      await (await kit.request('GET', `/impu/${enc(impu)}/reg-data`)).text()
    )
    if (!r.ok) throw new Error(r.error.message)
    return r.value
  }
  const register = (kit: ReturnType<typeof testDime>) =>
    kit.request(
      'PUT',
      `/impu/${enc(ALICE)}/reg-data?private_id=${enc(ALICE_IMPI)}`,
      '{"reqtype":"reg"}'
    )

  it('a new iFC reaches reg-data at once and is pushed (PPR) while registered; 404 from Sprout is tolerated', async () => {
    const kit = testDime()
    const { irs, sp } = await provisionLikeEllis(kit, ALICE)
    await regData(kit) // warm the cache
    expect(kit.outbound).toHaveLength(0) // not registered: nothing to push
    await register(kit)
    const ifc = DEFAULT_IFC.replace('sip:mmtel.example.com', 'sip:voicemail.example.com')
    expect(
      await status(kit.request('PUT', `/irs/${irs}/service_profiles/${sp}/filter_criteria`, ifc))
    ).toBe(200)
    const rd = await regData(kit)
    expect(rd.state).toBe('REGISTERED')
    expect(rd.subscription?.serviceProfiles[0]?.ifcs[0]?.applicationServer.serverName).toBe(
      'sip:voicemail.example.com'
    )
    expect(kit.outbound).toHaveLength(1)
    const push = kit.outbound[0]!
    expect(push.method).toBe('PUT')
    expect(push.url).toBe(`http://127.0.0.1:9800/registrations/${enc(ALICE)}`)
    expect(push.headers['x-edgewater-signature']).toMatch(/^[0-9a-f]{64}$/)
    const body = JSON.parse(push.body) as { 'user-data-xml': string }
    expect(body['user-data-xml']).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?><IMSSubscription/
    )
    expect(body['user-data-xml']).toContain('sip:voicemail.example.com')
    expect(kit.logs.join('\n')).not.toMatch(/"level":"error"/)
  })

  it('a new digest reaches the auth vector at once', async () => {
    const kit = testDime()
    await provisionLikeEllis(kit, ALICE, { password: 'first-pw' })
    const av = async () =>
      (
        (await json(await kit.request('GET', `/impi/${enc(ALICE_IMPI)}/av?impu=${enc(ALICE)}`)))
          .digest as { ha1: string }
      ).ha1
    expect(await av()).toBe(md5Hex(`${ALICE_IMPI}:example.com:first-pw`))
    await kit.request(
      'PUT',
      `/private/${enc(ALICE_IMPI)}`,
      JSON.stringify({ plaintext_password: 'second-pw' })
    )
    expect(await av()).toBe(md5Hex(`${ALICE_IMPI}:example.com:second-pw`))
  })

  it('deleting the default public id of a registered set deregisters it (RTR) and resets the state', async () => {
    const kit = testDime({}, 'info')
    const { irs, sp } = await provisionLikeEllis(kit, ALICE)
    const tel = 'tel:+16505550001'
    await kit.request(
      'PUT',
      `/irs/${irs}/service_profiles/${sp}/public_ids/${enc(tel)}`,
      publicIdentityXml(tel)
    )
    await register(kit)
    expect((await regData(kit, tel)).state).toBe('REGISTERED')
    expect(
      await status(
        kit.request('DELETE', `/irs/${irs}/service_profiles/${sp}/public_ids/${enc(ALICE)}`)
      )
    ).toBe(200)
    const dereg = kit.outbound.find((o) => o.method === 'DELETE')
    expect(dereg?.url).toBe('http://127.0.0.1:9800/registrations?send-notifications=true')
    expect(JSON.parse(dereg?.body ?? '')).toEqual({
      registrations: [{ 'primary-impu': ALICE, impi: ALICE_IMPI }],
    })
    expect(kit.logs.join('\n')).toMatch(/sprout has no route for this push yet/)
    // tel: alone has no sip: identity: the set is no longer served.
    expect(await status(kit.request('GET', `/impu/${enc(tel)}/reg-data`))).toBe(404)
    expect(await status(kit.request('GET', `/impu/${enc(ALICE)}/reg-data`))).toBe(404)
  })

  it('deleting the IRS or the registering private id of a registered set deregisters it', async () => {
    for (const how of ['irs', 'impi'] as const) {
      const kit = testDime()
      const { irs } = await provisionLikeEllis(kit, ALICE)
      await register(kit)
      const path = how === 'irs' ? `/irs/${irs}` : `/private/${enc(ALICE_IMPI)}`
      expect(await status(kit.request('DELETE', path))).toBe(200)
      expect(kit.outbound.map((o) => o.method)).toEqual(['DELETE'])
      if (how === 'impi') expect((await regData(kit)).state).toBe('NOT_REGISTERED')
      else expect(await status(kit.request('GET', `/impu/${enc(ALICE)}/reg-data`))).toBe(404)
    }
  })

  it('adding a public id to a registered set pushes the new profile and serves the new id', async () => {
    const kit = testDime()
    const { irs, sp } = await provisionLikeEllis(kit, ALICE)
    await register(kit)
    const tel = 'tel:+16505550001'
    await kit.request(
      'PUT',
      `/irs/${irs}/service_profiles/${sp}/public_ids/${enc(tel)}`,
      publicIdentityXml(tel)
    )
    expect(kit.outbound.map((o) => `${o.method} ${o.url}`)).toEqual([
      `PUT http://127.0.0.1:9800/registrations/${enc(ALICE)}`,
    ])
    expect((await regData(kit, tel)).state).toBe('REGISTERED')
  })

  it('a push that Sprout refuses or cannot take does not fail provisioning', async () => {
    const kit = testDime()
    const { irs, sp } = await provisionLikeEllis(kit, ALICE)
    await register(kit)
    kit.respond = () => {
      throw new Error('connection refused')
    }
    expect(
      await status(
        kit.request(
          'PUT',
          `/irs/${irs}/service_profiles/${sp}/filter_criteria`,
          DEFAULT_IFC.replace('mmtel', 'x')
        )
      )
    ).toBe(200)
    expect(kit.logs.join('\n')).toMatch(/push to sprout failed/)
  })
})
