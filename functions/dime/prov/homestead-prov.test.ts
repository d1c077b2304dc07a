import { describe, expect, it } from 'vitest'
import { md5Hex } from '../../../shared/sip'
import {
  DEFAULT_IFC,
  provisionLikeEllis,
  publicIdentityXml,
  testDime,
} from '../../../test/support/kits/dime-kit'

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

  it('refuses iFC trigger patterns the linear-time matcher cannot run, within tightenable limits', async () => {
    const ifcWith = (pattern: string) =>
      `<ServiceProfile><InitialFilterCriteria><TriggerPoint><ConditionTypeCNF>0</ConditionTypeCNF><SPT><Group>0</Group><RequestURI>${pattern}</RequestURI></SPT></TriggerPoint><ApplicationServer><ServerName>sip:as</ServerName></ApplicationServer></InitialFilterCriteria></ServiceProfile>`
    const at = 'ServiceProfile.InitialFilterCriteria[0].TriggerPoint.SPT[0].RequestURI'
    const kit = testDime()
    const { irs, sp } = await provisionLikeEllis(kit, ALICE)
    const fc = `/irs/${irs}/service_profiles/${sp}/filter_criteria`
    const backref = await kit.request('PUT', fc, ifcWith('(example)\\.\\1'))
    expect(backref.status).toBe(400)
    expect((await json(backref)).reason).toContain(`${at}: uses a backreference`)
    const lookahead = await kit.request('PUT', fc, ifcWith('(?!evil)'))
    expect((await json(lookahead)).reason).toMatch(/lookahead or lookbehind/)
    // ^(a+)+$ is exponential for a backtracking engine, linear here: accepted.
    expect(await status(kit.request('PUT', fc, ifcWith('^(a+)+$')))).toBe(200)

    // IFC_MAX_PATTERN_LENGTH / IFC_MAX_PATTERN_PROGRAM tighten the defaults, never loosen them.
    const strict = testDime({ IFC_MAX_PATTERN_LENGTH: '8', IFC_MAX_PATTERN_PROGRAM: '20' })
    const s = await provisionLikeEllis(strict, ALICE)
    const sfc = `/irs/${s.irs}/service_profiles/${s.sp}/filter_criteria`
    const long = await strict.request('PUT', sfc, ifcWith('example\\.com'))
    expect((await json(long)).reason).toMatch(/is 12 characters long; .* limited to 8/)
    const big = await strict.request('PUT', sfc, ifcWith('a{30}'))
    expect((await json(big)).reason).toMatch(/instructions; .* limited to 20/)
    expect(() => testDime({ IFC_MAX_PATTERN_LENGTH: '1000' })).toThrow(/IFC_MAX_PATTERN_LENGTH/)
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
