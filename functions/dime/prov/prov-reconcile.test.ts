import { describe, expect, it } from 'vitest'
import { impiCacheKey, impuCacheKey } from '../../../shared/homestead/homestead-keys'
import { parseRegDataXml } from '../../../shared/ims/reg-data-xml'
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

  it('rebuilds the cache entries a change touches instead of dropping them (another region’s replica may lag)', async () => {
    const kit = testDime()
    const { irs, sp } = await provisionLikeEllis(kit, ALICE, { password: 'first-pw' })
    await regData(kit) // warm the cache
    const ifc = DEFAULT_IFC.replace('sip:mmtel.example.com', 'sip:voicemail.example.com')
    await kit.request('PUT', `/irs/${irs}/service_profiles/${sp}/filter_criteria`, ifc)
    await kit.request(
      'PUT',
      `/private/${enc(ALICE_IMPI)}`,
      JSON.stringify({ plaintext_password: 'second-pw' })
    )
    // The entries hold the new data before any read fills them.
    const impu = await kit.vellum.kv.get<{ subscriptionXml: string }>(impuCacheKey(ALICE))
    expect(impu?.subscriptionXml).toContain('sip:voicemail.example.com')
    const impi = await kit.vellum.kv.get<{ digestHa1: string }>(impiCacheKey(ALICE_IMPI))
    expect(impi?.digestHa1).toBe(md5Hex(`${ALICE_IMPI}:example.com:second-pw`))
    // An id that no longer exists loses its entry.
    expect(await status(kit.request('DELETE', `/private/${enc(ALICE_IMPI)}`))).toBeLessThan(300)
    expect(await kit.vellum.kv.get(impiCacheKey(ALICE_IMPI))).toBeUndefined()
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
