/**
 * Homer's Ut interface through the local cloud: a UE reaches its simservs with HTTP Digest
 * (RFC 7616, MD5 and SHA-256, qop=auth) against credentials provisioned in Dime through the
 * Homestead-prov API (clearwater-interfaces §2.2), only for the identities of its own implicit
 * registration set; nonces expire on the cloud's clock and are valid in both regions.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import {
  type BaseAlgorithm,
  type DigestCredentials,
  digestHa1,
  expectedResponse,
} from '../../functions/homer/ut-digest'
import type { Region } from '../../shared/config/regions'
import { signRequest } from '../../shared/hop/signature'
import { DEFAULT_SIMSERVS_XML } from '../../shared/ims/simservs-default'
import { md5Hex } from '../../shared/sip'
import { advanceClock, endpoints } from '../support/cloud'
import { waitForReplication } from '../support/replication'
import { cdivDocument, homerUrl, mmtelRead, signedHomer, simservsPath } from './homer-support'

async function dime(method: string, path: string, body?: string): Promise<Response> {
  const url = `${endpoints().functions.a.dime}${path}`
  const sig = await signRequest(endpoints().hopSecret, method, url, body ?? null)
  return fetch(url, { method, headers: sig, ...(body !== undefined ? { body } : {}) })
}

interface Subscriber {
  impi: string
  password: string
  impus: string[]
}

/** Provisions one private id with one IRS holding `impus`, as Ellis does (§1.4). */
async function provision(s: Subscriber, plaintext: boolean): Promise<void> {
  const realm = endpoints().homeDomain
  const cred = plaintext
    ? { plaintext_password: s.password }
    : { digest_ha1: md5Hex(`${s.impi}:${realm}:${s.password}`), realm }
  const enc = encodeURIComponent
  expect((await dime('PUT', `/private/${enc(s.impi)}`, JSON.stringify(cred))).status).toBe(200)
  const irsRes = await dime('POST', '/irs')
  expect(irsRes.status).toBe(201)
  const irs = irsRes.headers.get('location')!.split('/').pop()!
  expect(
    (await dime('PUT', `/private/${enc(s.impi)}/associated_implicit_registration_sets/${irs}`))
      .status
  ).toBe(200)
  for (const impu of s.impus) {
    const spRes = await dime('POST', `/irs/${irs}/service_profiles`)
    expect(spRes.status).toBe(201)
    const sp = spRes.headers.get('location')!.split('/').pop()!
    const xml = `<PublicIdentity><Identity>${impu}</Identity></PublicIdentity>`
    expect(
      (await dime('PUT', `/irs/${irs}/service_profiles/${sp}/public_ids/${enc(impu)}`, xml)).status
    ).toBe(200)
  }
}

function pickChallenge(header: string, alg: BaseAlgorithm): string {
  const parts = header.split(/,\s*(?=Digest )/)
  const c = parts.find((p) => new RegExp(`algorithm=${alg}(,|$)`).test(p))
  if (!c) throw new Error(`no ${alg} challenge in ${header}`)
  return c
}

async function answer(
  challenge: string,
  s: { impi: string; password: string },
  method: string,
  path: string,
  alg: BaseAlgorithm,
  nc = 1
): Promise<string> {
  const realm = /realm="([^"]+)"/.exec(challenge)![1]!
  const nonce = /nonce="([^"]+)"/.exec(challenge)![1]!
  const cred: DigestCredentials = {
    username: s.impi,
    realm,
    nonce,
    uri: path,
    response: '',
    algorithm: alg,
    qop: 'auth',
    nc: nc.toString(16).padStart(8, '0'),
    cnonce: Math.random().toString(36).slice(2),
    opaque: undefined,
  }
  const response = await expectedResponse(
    cred,
    method,
    await digestHa1(alg, s.impi, realm, s.password)
  )
  return `Digest username="${s.impi}", realm="${realm}", nonce="${nonce}", uri="${path}", algorithm=${alg}, qop=auth, nc=${cred.nc}, cnonce="${cred.cnonce}", response="${response}"`
}

/** A UE request: challenged once, then answered. */
async function ue(
  region: Region,
  s: { impi: string; password: string },
  method: string,
  path: string,
  opts: { body?: string; alg?: BaseAlgorithm; answerIn?: Region } = {}
) {
  const alg = opts.alg ?? 'MD5'
  const init = (headers: Record<string, string> = {}) => ({
    method,
    headers,
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  })
  const first = await fetch(homerUrl(region, path), init())
  expect(first.status).toBe(401)
  const challenge = pickChallenge(first.headers.get('www-authenticate')!, alg)
  const authorization = await answer(challenge, s, method, path, alg)
  const res = await fetch(homerUrl(opts.answerIn ?? region, path), init({ authorization }))
  return { res, challenge, authorization }
}

const stamp = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
const domain = () => endpoints().homeDomain
const alice = () => ({
  impi: `ut-alice-${stamp}@${domain()}`,
  password: 'alice-pw-1',
  impus: [`sip:ut-alice-${stamp}@${domain()}`, `sip:ut-alice-work-${stamp}@${domain()}`],
})
const bob = () => ({
  impi: `ut-bob-${stamp}@${domain()}`,
  password: 'bob-pw-22',
  impus: [`sip:ut-bob-${stamp}@${domain()}`],
})

describe('Ut digest access', () => {
  beforeAll(async () => {
    await provision(alice(), false)
    await provision(bob(), true)
  })

  it('challenges an unauthenticated UE with SHA-256 and MD5, qop=auth', async () => {
    const r = await fetch(homerUrl('a', simservsPath(alice().impus[0]!)))
    expect(r.status).toBe(401)
    const h = r.headers.get('www-authenticate')!
    expect(h).toMatch(/Digest realm="[^"]+", qop="auth", algorithm=SHA-256, nonce="[\w-]+"/)
    expect(h).toMatch(/Digest realm="[^"]+", qop="auth", algorithm=MD5, nonce="[\w-]+"/)
  })

  it('lets a UE write and read its own simservs with MD5; MMTEL sees the change', async () => {
    const a = alice()
    const path = simservsPath(a.impus[0]!)
    const put = await ue('a', a, 'PUT', path, {
      body: cdivDocument('sip:voicemail@example.com', 35),
    })
    expect(put.res.status).toBe(200)
    expect(put.res.headers.get('etag')).toMatch(/^"/)
    // Read back through the other region once the global table has replicated the write.
    await waitForReplication()
    const get = await ue('b', a, 'GET', path)
    expect(get.res.status).toBe(200)
    expect(await get.res.text()).toContain('<target>sip:voicemail@example.com</target>')
    const m = await mmtelRead('b', a.impus[0]!)
    expect(m.model?.cdiv?.noReplyTimerS).toBe(35)
    // Another identity of the same implicit registration set is the UE's too.
    const other = await ue('a', a, 'PUT', simservsPath(a.impus[1]!), { body: DEFAULT_SIMSERVS_XML })
    expect(other.res.status).toBe(200)
  })

  it('verifies SHA-256 for a subscriber provisioned with a plaintext password', async () => {
    const b = bob()
    const r = await ue('a', b, 'PUT', simservsPath(b.impus[0]!), {
      body: DEFAULT_SIMSERVS_XML,
      alg: 'SHA-256',
    })
    expect(r.res.status).toBe(200)
  })

  it('offers MD5 only when the UE chose SHA-256 but only an MD5 HA1 is stored', async () => {
    const a = alice()
    const r = await ue('a', a, 'GET', simservsPath(a.impus[0]!), { alg: 'SHA-256' })
    expect(r.res.status).toBe(401)
    const h = r.res.headers.get('www-authenticate')!
    expect(h).toContain('algorithm=MD5')
    expect(h).not.toContain('SHA-256')
  })

  it('answers 401 to a wrong password and 403 to another subscriber identity', async () => {
    const a = alice()
    const wrong = await ue('a', { ...a, password: 'guess' }, 'GET', simservsPath(a.impus[0]!))
    expect(wrong.res.status).toBe(401)
    const foreign = await ue('a', a, 'PUT', simservsPath(bob().impus[0]!), {
      body: DEFAULT_SIMSERVS_XML,
    })
    expect(foreign.res.status).toBe(403)
    expect(await foreign.res.json()).toMatchObject({ error: 'forbidden' })
    // Bob's document is untouched.
    const bobs = await signedHomer('a', 'GET', simservsPath(bob().impus[0]!))
    expect(await bobs.text()).toBe(DEFAULT_SIMSERVS_XML)
  })

  it('accepts a nonce issued in one region when answered in the other', async () => {
    const a = alice()
    const r = await ue('a', a, 'GET', simservsPath(a.impus[0]!), { answerIn: 'b' })
    expect(r.res.status).toBe(200)
  })

  it('refuses a replayed nonce-count with stale=true', async () => {
    const a = alice()
    const path = simservsPath(a.impus[0]!)
    const { res, authorization } = await ue('a', a, 'GET', path)
    expect(res.status).toBe(200)
    const replay = await fetch(homerUrl('a', path), { headers: { authorization } })
    expect(replay.status).toBe(401)
    expect(replay.headers.get('www-authenticate')).toContain('stale=true')
  })

  it('tells the UE its nonce is stale once it has expired on the cloud clock', async () => {
    const a = alice()
    const path = simservsPath(a.impus[0]!)
    const first = await fetch(homerUrl('a', path))
    const challenge = pickChallenge(first.headers.get('www-authenticate')!, 'MD5')
    await advanceClock(301_000)
    const authorization = await answer(challenge, a, 'GET', path, 'MD5')
    const r = await fetch(homerUrl('a', path), { headers: { authorization } })
    expect(r.status).toBe(401)
    expect(r.headers.get('www-authenticate')).toContain('stale=true')
    // The fresh nonce in that answer works.
    const retry = await answer(
      pickChallenge(r.headers.get('www-authenticate')!, 'MD5'),
      a,
      'GET',
      path,
      'MD5'
    )
    expect((await fetch(homerUrl('a', path), { headers: { authorization: retry } })).status).toBe(
      200
    )
  })
})
