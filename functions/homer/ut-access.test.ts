import { describe, expect, it } from 'vitest'
import { DEFAULT_SIMSERVS_XML } from '../../shared/ims/simservs-default'
import { homerHarness, userPath } from '../../test/support/kits/homer-kit'
import { DEFAULT_UT_LIMITS } from './homer-config'
import { sameIdentity } from './ut-access'

const IMPI = '6505550001@example.com'
const ALICE = 'sip:6505550001@example.com'
const ALICE_TEL = 'tel:+16505550001'
const BOB = 'sip:6505550002@example.com'

function withAlice(plaintext = false) {
  const h = homerHarness()
  h.subscribers.set(IMPI, { password: 'secret9', plaintext, publicIds: [ALICE, ALICE_TEL] })
  return h
}

/** One UE request: first without credentials, then answering the challenge. */
async function ueRequest(
  h: ReturnType<typeof homerHarness>,
  method: string,
  path: string,
  opts: { body?: string; password?: string; impi?: string; algorithm?: 'MD5' | 'SHA-256' } = {}
) {
  const first = await h.request(path, { method, ...(opts.body ? { body: opts.body } : {}) })
  expect(first.status).toBe(401)
  const challenges = first.headers.get('www-authenticate')!
  const pick = opts.algorithm ?? 'MD5'
  const challenge =
    challenges
      .split(/,\s*(?=Digest )/)
      .find((c) => c.includes(`algorithm=${pick},`) || c.endsWith(`algorithm=${pick}`)) ??
    challenges
  const authorization = await h.authorization({
    challenge,
    impi: opts.impi ?? IMPI,
    password: opts.password ?? 'secret9',
    method,
    path,
    algorithm: pick,
  })
  const res = await h.request(path, {
    method,
    headers: { authorization },
    ...(opts.body ? { body: opts.body } : {}),
  })
  return { first, res, authorization, challenge }
}

type Harness = ReturnType<typeof homerHarness>

/** The MD5 challenge to a request for Alice's document without credentials. */
async function md5Challenge(h: Harness, method = 'GET'): Promise<string> {
  const first = await h.request(userPath(ALICE), { method })
  return first.headers.get('www-authenticate')!.split(/,\s*(?=Digest )/)[1]!
}

/** Alice's answer to `challenge`: a GET of her document with her password unless said. */
function aliceAnswer(
  h: Harness,
  challenge: string,
  o: { password?: string; method?: string; path?: string; nc?: number } = {}
): Promise<string> {
  return h.authorization({
    challenge,
    impi: IMPI,
    password: o.password ?? 'secret9',
    method: o.method ?? 'GET',
    path: o.path ?? userPath(ALICE),
    ...(o.nc === undefined ? {} : { nc: o.nc }),
  })
}

describe('Ut digest authentication', () => {
  it('challenges with SHA-256 then MD5, qop=auth, and a fresh nonce each time', async () => {
    const h = withAlice()
    const a = await h.request(userPath(ALICE))
    const b = await h.request(userPath(ALICE))
    expect(a.status).toBe(401)
    const ch = a.headers.get('www-authenticate')!
    expect(ch).toMatch(
      /^Digest realm="example.com", qop="auth", algorithm=SHA-256, nonce="[\w-]+", Digest realm="example.com", qop="auth", algorithm=MD5, nonce="[\w-]+"$/
    )
    expect(ch).not.toBe(b.headers.get('www-authenticate'))
  })

  it('lets a UE PUT and GET its own simservs with MD5 digest', async () => {
    const h = withAlice()
    const put = await ueRequest(h, 'PUT', userPath(ALICE), { body: DEFAULT_SIMSERVS_XML })
    expect(put.res.status).toBe(200)
    const get = await ueRequest(h, 'GET', userPath(ALICE))
    expect(get.res.status).toBe(200)
    expect(await get.res.text()).toBe(DEFAULT_SIMSERVS_XML)
    // Another identity of the same implicit registration set is the UE's too.
    expect((await ueRequest(h, 'GET', userPath(ALICE_TEL))).res.status).toBe(404)
  })

  it('verifies SHA-256 when the password is provisioned in plaintext', async () => {
    const h = withAlice(true)
    const r = await ueRequest(h, 'PUT', userPath(ALICE), {
      body: DEFAULT_SIMSERVS_XML,
      algorithm: 'SHA-256',
    })
    expect(r.res.status).toBe(200)
  })

  it('re-challenges with MD5 only when just an MD5 HA1 is stored and the UE chose SHA-256', async () => {
    const h = withAlice(false)
    const r = await ueRequest(h, 'GET', userPath(ALICE), { algorithm: 'SHA-256' })
    expect(r.res.status).toBe(401)
    const ch = r.res.headers.get('www-authenticate')!
    expect(ch).toContain('algorithm=MD5')
    expect(ch).not.toContain('SHA-256')
  })

  it('answers 401 with a fresh challenge for a wrong password or an unknown user', async () => {
    const h = withAlice()
    const wrong = await ueRequest(h, 'GET', userPath(ALICE), { password: 'nope' })
    expect(wrong.res.status).toBe(401)
    expect(wrong.res.headers.get('www-authenticate')).toContain('Digest realm="example.com"')
    expect(wrong.res.headers.get('www-authenticate')).not.toContain('stale=true')
    const unknown = await ueRequest(h, 'GET', userPath(ALICE), { impi: 'ghost@example.com' })
    expect(unknown.res.status).toBe(401)
  })

  it('refuses an identity outside the UE implicit registration set with 403', async () => {
    const h = withAlice()
    const r = await ueRequest(h, 'PUT', userPath(BOB), { body: DEFAULT_SIMSERVS_XML })
    expect(r.res.status).toBe(403)
    expect(await r.res.json()).toMatchObject({
      reason: `${BOB} is not in the implicit registration set of ${IMPI}`,
    })
    expect((await h.signed('GET', userPath(BOB))).status).toBe(404)
  })

  it('answers stale=true to a correct response on an expired nonce', async () => {
    const h = withAlice()
    const challenge = await md5Challenge(h)
    h.advance(301_000)
    const authorization = await aliceAnswer(h, challenge)
    const r = await h.request(userPath(ALICE), { headers: { authorization } })
    expect(r.status).toBe(401)
    expect(r.headers.get('www-authenticate')).toContain('stale=true')
  })

  it('refuses a replayed nonce-count, and accepts the next count', async () => {
    const h = withAlice()
    await h.signed('PUT', userPath(ALICE), DEFAULT_SIMSERVS_XML)
    const { res, challenge, authorization } = await ueRequest(h, 'GET', userPath(ALICE))
    expect(res.status).toBe(200)
    const replay = await h.request(userPath(ALICE), { headers: { authorization } })
    expect(replay.status).toBe(401)
    expect(replay.headers.get('www-authenticate')).toContain('stale=true')
    const next = await aliceAnswer(h, challenge, { nc: 2 })
    expect((await h.request(userPath(ALICE), { headers: { authorization: next } })).status).toBe(
      200
    )
  })

  it('refuses credentials computed for another URI or method', async () => {
    const h = withAlice()
    const challenge = await md5Challenge(h, 'DELETE')
    const forGet = await aliceAnswer(h, challenge)
    expect(
      (await h.request(userPath(ALICE), { method: 'DELETE', headers: { authorization: forGet } }))
        .status
    ).toBe(401)
    const otherUri = await aliceAnswer(h, challenge, {
      method: 'DELETE',
      path: userPath(ALICE_TEL),
    })
    expect(
      (await h.request(userPath(ALICE), { method: 'DELETE', headers: { authorization: otherUri } }))
        .status
    ).toBe(400)
  })

  it('answers 400 to malformed Digest credentials and 503 when Dime is down', async () => {
    const h = withAlice()
    const bad = await h.request(userPath(ALICE), {
      headers: { authorization: 'Digest username="x' },
    })
    expect(bad.status).toBe(400)
    const challenge = await md5Challenge(h)
    const authorization = await aliceAnswer(h, challenge)
    h.state.dimeDown = true
    const down = await h.request(userPath(ALICE), { headers: { authorization } })
    expect(down.status).toBe(503)
    expect(down.headers.get('retry-after')).toBe('1')
  })

  it('answers an expired nonce identically for a right and a wrong password', async () => {
    const h = withAlice()
    const challenge = await md5Challenge(h)
    h.advance(301_000)
    const answer = (password: string) =>
      h
        .authorization({ challenge, impi: IMPI, password, method: 'GET', path: userPath(ALICE) })
        .then((authorization) => h.request(userPath(ALICE), { headers: { authorization } }))
    const right = await answer('secret9')
    const wrong = await answer('not-it')
    const shape = (r: Response) => r.headers.get('www-authenticate')!.replace(/nonce="[^"]+"/g, '')
    expect([right.status, wrong.status]).toEqual([401, 401])
    expect(shape(wrong)).toBe(shape(right))
    expect(shape(right)).toContain('stale=true')
    expect(h.state.dimeCalls).toBe(0)
  })

  it('refuses a nonce Homer did not issue with a fresh challenge, without calling Dime', async () => {
    const h = withAlice()
    const authorization = await h.authorization({
      challenge:
        'Digest realm="example.com", qop="auth", algorithm=MD5, nonce="bm90LW91cnMtbm9uY2U"',
      impi: IMPI,
      password: 'secret9',
      method: 'GET',
      path: userPath(ALICE),
    })
    const r = await h.request(userPath(ALICE), { headers: { authorization } })
    expect(r.status).toBe(401)
    expect(r.headers.get('www-authenticate')).not.toContain('stale=true')
    expect(h.state.dimeCalls).toBe(0)
  })

  it('accepts one of several identical answers arriving together', async () => {
    const h = withAlice()
    await h.signed('PUT', userPath(ALICE), DEFAULT_SIMSERVS_XML)
    const challenge = await md5Challenge(h)
    const authorization = await aliceAnswer(h, challenge)
    const all = await Promise.all(
      Array.from({ length: 5 }, () => h.request(userPath(ALICE), { headers: { authorization } }))
    )
    expect(all.map((r) => r.status).sort()).toEqual([200, 401, 401, 401, 401])
  })

  it('slows an identity down after failed answers (429 before the password), then lets it in', async () => {
    const h = withAlice()
    await h.signed('PUT', userPath(ALICE), DEFAULT_SIMSERVS_XML)
    const limits = DEFAULT_UT_LIMITS
    for (let i = 0; i < limits.failuresBeforeSlowdown; i++)
      expect(
        (await ueRequest(h, 'GET', userPath(ALICE), { password: `guess${i}` })).res.status
      ).toBe(401)
    // This interval's one checked answer is spent on a guess; the rest wait.
    expect((await ueRequest(h, 'GET', userPath(ALICE), { password: 'guess-x' })).res.status).toBe(
      401
    )
    const calls = h.state.dimeCalls
    const slowed = (await ueRequest(h, 'GET', userPath(ALICE))).res
    expect(slowed.status).toBe(429)
    expect(Number(slowed.headers.get('retry-after'))).toBeLessThanOrEqual(limits.slowdownIntervalS)
    expect(h.state.dimeCalls).toBe(calls)
    h.advance(limits.slowdownIntervalS * 1000)
    expect((await ueRequest(h, 'GET', userPath(ALICE))).res.status).toBe(200)
    // The success cleared the count: the owner is not slowed any more.
    expect((await ueRequest(h, 'GET', userPath(ALICE))).res.status).toBe(200)
  })

  it('does not call Dime for an unauthenticated request', async () => {
    const h = withAlice()
    await h.request(userPath(ALICE))
    expect(h.state.dimeCalls).toBe(0)
  })
})

describe('sameIdentity', () => {
  it('compares SIP scheme and host case-insensitively, the user part exactly', () => {
    expect(sameIdentity('sip:Alice@Example.COM', 'SIP:Alice@example.com')).toBe(true)
    expect(sameIdentity('sip:alice@example.com', 'sip:Alice@example.com')).toBe(false)
    expect(sameIdentity('tel:+1555', 'tel:+1555')).toBe(true)
    expect(sameIdentity('tel:+1555', 'tel:+1556')).toBe(false)
  })
})
