/**
 * Dime's Homestead-prov API through the local cloud (clearwater-interfaces §2.2, the calls Ellis
 * makes in §1.4): every route with its success and error statuses, the `/public/...` redirects,
 * the paced listing, and cache invalidation (a provisioning change is visible to the signalling
 * API at once, in both regions).
 */
import { describe, expect, it } from 'vitest'
import { parseRegDataXml } from '../../shared/ims/reg-data-xml'
import { endpoints } from '../support/cloud'
import { defaultIfc, dime, enc, freshNumber, provision, publicIdentityXml } from './dime-helpers'

const status = async (r: Promise<Response>) => (await r).status
const json = async (r: Promise<Response>) => (await (await r).json()) as Record<string, unknown>
const MISSING = '00000000-0000-4000-8000-000000000000'

describe('private ids', () => {
  it('PUT/GET/DELETE with digest or password, and the 400/404/204 cases', async () => {
    const { impi } = freshNumber()
    const p = `/private/${enc(impi)}`
    expect(
      await status(
        dime('PUT', p, JSON.stringify({ digest_ha1: 'ab'.repeat(16), realm: 'other.realm' }))
      )
    ).toBe(200)
    expect(await json(dime('GET', p))).toEqual({
      digest_ha1: 'ab'.repeat(16),
      realm: 'other.realm',
    })
    expect(
      await status(dime('PUT', `${p}/`, JSON.stringify({ plaintext_password: 'letmein1' })))
    ).toBe(200)
    const got = await json(dime('GET', p))
    expect(got.realm).toBe(endpoints().homeDomain)
    expect(got.plaintext_password).toBe('letmein1')
    expect(await status(dime('PUT', p, ''))).toBe(400)
    expect(await status(dime('PUT', p, '{}'))).toBe(400)
    const both = await dime(
      'PUT',
      p,
      JSON.stringify({ digest_ha1: 'ab'.repeat(16), plaintext_password: 'x' })
    )
    expect(both.status).toBe(400)
    expect(((await both.json()) as { reason: string }).reason).toMatch(/not both/)
    expect(await status(dime('GET', `${p}/associated_implicit_registration_sets`))).toBe(200)
    expect(await status(dime('DELETE', p))).toBe(200)
    expect(await status(dime('DELETE', p))).toBe(204)
    expect(await status(dime('GET', p))).toBe(404)
    expect(await status(dime('GET', `${p}/associated_implicit_registration_sets`))).toBe(404)
    expect(await status(dime('GET', `${p}/associated_public_ids`))).toBe(404)
    expect(await status(dime('POST', p, '{}'))).toBe(405)
  })
})

describe('the Ellis provisioning sequence and the read-only public interface', () => {
  it('builds a subscriber, answers every lookup, then tears it down like Ellis', async () => {
    const { impu, impi } = freshNumber()
    const { irs, sp } = await provision(impu, impi)
    expect(await json(dime('GET', `/private/${enc(impi)}/associated_public_ids`))).toEqual({
      associated_public_ids: [impu],
    })
    expect(await json(dime('GET', `/irs/${irs}/public_ids`))).toEqual({ public_ids: [impu] })
    expect(await json(dime('GET', `/irs/${irs}/private_ids`))).toEqual({ private_ids: [impi] })
    expect(await json(dime('GET', `/irs/${irs}/service_profiles/${sp}/public_ids`))).toEqual({
      public_ids: [impu],
    })
    const irsRedirect = await dime('GET', `/public/${enc(impu)}/irs`)
    expect([irsRedirect.status, irsRedirect.headers.get('location')]).toEqual([303, `/irs/${irs}`])
    expect(
      (await json(dime('GET', `/public/${enc(impu)}/associated_private_ids`))).private_ids
    ).toEqual([impi])
    const fc = await dime('GET', `/irs/${irs}/service_profiles/${sp}/filter_criteria`)
    expect(await fc.text()).toBe(defaultIfc(endpoints().homeDomain))

    // A second number on the same private id (Ellis: new service profile per public id).
    const tel = `tel:+1${freshNumber().number}`
    const sp2Loc =
      (await dime('POST', `/irs/${irs}/service_profiles`)).headers.get('location') ?? ''
    expect(
      await status(dime('PUT', `${sp2Loc}/public_ids/${enc(tel)}`, publicIdentityXml(tel)))
    ).toBe(200)
    expect(await json(dime('GET', `/irs/${irs}/public_ids`))).toEqual({ public_ids: [impu, tel] })
    // Ellis deletes a non-last number: the public id, then its service profile.
    expect(await status(dime('DELETE', `${sp2Loc}/public_ids/${enc(tel)}`))).toBe(200)
    expect(await status(dime('DELETE', sp2Loc))).toBe(200)
    expect(await status(dime('DELETE', sp2Loc))).toBe(204)
    // Ellis deletes the last number: the IRS, then the private id.
    expect(await status(dime('DELETE', `/irs/${irs}`))).toBe(200)
    expect(await status(dime('DELETE', `/private/${enc(impi)}`))).toBe(200)
    for (const p of ['service_profile', 'irs', 'associated_private_ids'])
      expect(await status(dime('GET', `/public/${enc(impu)}/${p}`))).toBe(404)
    expect(await status(dime('DELETE', `/irs/${irs}`))).toBe(204)
  })

  it('answers the relationship and validation errors', async () => {
    const a = freshNumber()
    const b = freshNumber()
    const pa = await provision(a.impu, a.impi)
    const pb = await provision(b.impu, b.impi)
    const spA = `/irs/${pa.irs}/service_profiles/${pa.sp}`
    // Identity in the body differs from the URL: 403.
    expect(
      await status(
        dime(
          'PUT',
          `${spA}/public_ids/${enc('sip:x@example.com')}`,
          publicIdentityXml('sip:y@example.com')
        )
      )
    ).toBe(403)
    // Malformed XML / bad element: 400 naming it.
    const bad = await dime(
      'PUT',
      `${spA}/public_ids/${enc(a.impu)}`,
      `<PublicIdentity><Identity>${a.impu}</Identity><Extension><IdentityType>7</IdentityType></Extension></PublicIdentity>`
    )
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { reason: string }).reason).toMatch(
      /^PublicIdentity.Extension.IdentityType:/
    )
    const badIfc = await dime(
      'PUT',
      `${spA}/filter_criteria`,
      '<ServiceProfile><InitialFilterCriteria/></ServiceProfile>'
    )
    expect(badIfc.status).toBe(400)
    expect(((await badIfc.json()) as { reason: string }).reason).toMatch(
      /ApplicationServer: is missing/
    )
    // Profile of another IRS: 403; unknown profile or IRS: 404.
    expect(await status(dime('GET', `/irs/${pa.irs}/service_profiles/${pb.sp}/public_ids`))).toBe(
      403
    )
    expect(
      await status(
        dime('PUT', `/irs/${pa.irs}/service_profiles/${pb.sp}/filter_criteria`, defaultIfc('x'))
      )
    ).toBe(403)
    expect(
      await status(dime('GET', `/irs/${pa.irs}/service_profiles/${MISSING}/filter_criteria`))
    ).toBe(404)
    expect(await status(dime('DELETE', `${spA}/public_ids/${enc(b.impu)}`))).toBe(403)
    expect(
      await status(dime('DELETE', `${spA}/public_ids/${enc('sip:nobody-here@example.com')}`))
    ).toBe(404)
    expect(
      await status(
        dime(
          'PUT',
          `/irs/${pa.irs}/service_profiles/${MISSING}/public_ids/${enc(a.impu)}`,
          publicIdentityXml(a.impu)
        )
      )
    ).toBe(404)
    expect(await status(dime('GET', `/irs/${MISSING}/public_ids`))).toBe(404)
    expect(await status(dime('GET', `/irs/${MISSING}/private_ids`))).toBe(404)
    expect(await status(dime('POST', `/irs/${MISSING}/service_profiles`))).toBe(404)
    expect(await status(dime('PUT', `/irs/${MISSING}/private_ids/${enc(a.impi)}`))).toBe(404)
    expect(
      await status(
        dime('PUT', `/private/${enc(a.impi)}/associated_implicit_registration_sets/${MISSING}`)
      )
    ).toBe(404)
    expect(await status(dime('POST', '/irs', 'body'))).toBe(400)
    // Re-associating through the IRS-side route, and dissociating.
    expect(await status(dime('PUT', `/irs/${pb.irs}/private_ids/${enc(a.impi)}`))).toBe(200)
    const both = (await json(dime('GET', `/private/${enc(a.impi)}/associated_public_ids`)))
      .associated_public_ids as string[]
    expect([...both].sort()).toEqual([a.impu, b.impu].sort())
    expect(await status(dime('DELETE', `/irs/${pb.irs}/private_ids/${enc(a.impi)}`))).toBe(200)
    expect(await status(dime('DELETE', `/irs/${pb.irs}/private_ids/${enc(a.impi)}`))).toBe(404)
    expect(
      await status(
        dime('PUT', `/private/${enc(a.impi)}/associated_implicit_registration_sets/${pb.irs}`)
      )
    ).toBe(200)
    expect(
      await status(
        dime('DELETE', `/private/${enc(a.impi)}/associated_implicit_registration_sets/${pb.irs}`)
      )
    ).toBe(200)
    expect(
      await status(
        dime('DELETE', `/private/${enc(a.impi)}/associated_implicit_registration_sets/${pb.irs}`)
      )
    ).toBe(204)
  })
})

describe('listing', () => {
  it('streams all public ids paced by chunk, or one chunk', async () => {
    const mine = [freshNumber(), freshNumber()]
    for (const n of mine) await provision(n.impu, n.impi)
    const all = (await json(dime('GET', '/public/?chunk-proportion=2'))) as unknown as {
      public_ids: Array<{ public_id: string; sp: string; irs: string }>
    }
    for (const n of mine) {
      const e = all.public_ids.find((p) => p.public_id === n.impu)
      expect(e?.sp).toMatch(/^[0-9a-f-]{36}$/)
      expect(e?.irs).toMatch(/^[0-9a-f-]{36}$/)
    }
    const halves = await Promise.all(
      [0, 1].map((m) =>
        json(dime('GET', `/public?excludeuuids=true&chunk-proportion=2&chunk=${m}`))
      )
    )
    const ids = halves.flatMap((h) =>
      (h.public_ids as Array<{ public_id: string }>).map((p) => p.public_id)
    )
    for (const n of mine) expect(ids.filter((i) => i === n.impu)).toHaveLength(1)
    expect(await status(dime('GET', '/public/?chunk=5&chunk-proportion=2'))).toBe(400)
  })
})

describe('cache invalidation', () => {
  it('a new iFC and a new password are served at once, in both regions', async () => {
    const { impu, impi } = freshNumber()
    const { irs, sp } = await provision(impu, impi, 'first-pw')
    const server = async (region: 'a' | 'b') => {
      const r = parseRegDataXml(
        await (await dime('GET', `/impu/${enc(impu)}/reg-data`, undefined, { region })).text()
      )
      if (!r.ok) throw new Error(r.error.message)
      return r.value.subscription?.serviceProfiles[0]?.ifcs[0]?.applicationServer.serverName
    }
    const ha1 = async (region: 'a' | 'b') =>
      (
        (await json(dime('GET', `/impi/${enc(impi)}/av?impu=${enc(impu)}`, undefined, { region })))
          .digest as { ha1: string }
      ).ha1
    // Warm both regions' caches (each region reads its own KV first).
    expect(await server('a')).toBe(`sip:mmtel.${endpoints().homeDomain}`)
    expect(await server('b')).toBe(`sip:mmtel.${endpoints().homeDomain}`)
    const before = await ha1('b')
    await dime(
      'PUT',
      `/irs/${irs}/service_profiles/${sp}/filter_criteria`,
      defaultIfc(endpoints().homeDomain).replace('sip:mmtel.', 'sip:voicemail.')
    )
    await dime('PUT', `/private/${enc(impi)}`, JSON.stringify({ plaintext_password: 'second-pw' }))
    expect(await server('a')).toBe(`sip:voicemail.${endpoints().homeDomain}`)
    expect(await server('b')).toBe(`sip:voicemail.${endpoints().homeDomain}`)
    expect(await ha1('b')).not.toBe(before)
    expect(await ha1('a')).toBe(await ha1('b'))
  })
})
