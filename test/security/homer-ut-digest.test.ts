/**
 * Issue 14, finding 7: Homer's Ut digest (TS 24.623 over the edge's XCAP roots, RFC 7616).
 * An attacker who knows a subscriber's private identity must not be able to use Ut as a
 * password oracle: an expired nonce must answer the same whatever the password; guesses are
 * slowed down; a nonce-count is accepted once even when the same answer arrives many times at
 * once; and challenging costs no store write. The victim is a real subscriber provisioned by
 * Ellis (MD5 HA1 in Dime), reaching their own simservs through the edge.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import {
  type DigestCredentials,
  digestHa1,
  expectedResponse,
} from '../../functions/homer/ut-digest'
import {
  allocate,
  call,
  edgeApi,
  enc,
  type NumberJson,
  signUp,
  uniqueEmail,
} from '../integration/ellis-support'
import { advanceClock, endpoints } from '../support/cloud'

interface Victim {
  email: string
  cookie: string
  impu: string
  impi: string
  password: string
}

let victim: Victim

const docPath = (impu: string) => `/org.etsi.ngn.simservs/users/${enc(impu)}/simservs.xml`
const edgeUrl = (path: string) => `${endpoints().edges.a}${path}`

function md5Challenge(res: Response): string {
  const all = res.headers.get('www-authenticate') ?? ''
  const c = all.split(/,\s*(?=Digest )/).find((p) => /algorithm=MD5(,|$)/.test(p))
  if (!c) throw new Error(`no MD5 challenge in ${all}`)
  return c
}

const nonceOf = (challenge: string) => /nonce="([^"]+)"/.exec(challenge)![1]!

async function authorization(
  challenge: string,
  impi: string,
  password: string,
  path: string,
  method = 'GET',
  nc = 1
): Promise<string> {
  const realm = /realm="([^"]+)"/.exec(challenge)![1]!
  const nonce = nonceOf(challenge)
  const cred: DigestCredentials = {
    username: impi,
    realm,
    nonce,
    uri: path,
    response: '',
    algorithm: 'MD5',
    qop: 'auth',
    nc: nc.toString(16).padStart(8, '0'),
    cnonce: crypto.randomUUID().replace(/-/g, ''),
    opaque: undefined,
  }
  const response = await expectedResponse(
    cred,
    method,
    await digestHa1('MD5', impi, realm, password)
  )
  return `Digest username="${impi}", realm="${realm}", nonce="${nonce}", uri="${path}", algorithm=MD5, qop=auth, nc=${cred.nc}, cnonce="${cred.cnonce}", response="${response}"`
}

async function challenge(path: string): Promise<string> {
  const r = await fetch(edgeUrl(path))
  expect(r.status).toBe(401)
  return md5Challenge(r)
}

async function answer(path: string, auth: string): Promise<Response> {
  return fetch(edgeUrl(path), { headers: { authorization: auth } })
}

async function kvCommand(region: 'a' | 'b', command: string[]): Promise<unknown> {
  const kv = endpoints().kv[region]
  const r = await fetch(kv.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${kv.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(command),
  })
  return ((await r.json()) as { result: unknown }).result
}

async function victimDocument(): Promise<string> {
  const r = await call(
    edgeApi('a', `/accounts/${enc(victim.email)}/numbers/${enc(victim.impu)}/simservs`),
    { headers: { cookie: victim.cookie } }
  )
  expect(r.status).toBe(200)
  return r.text()
}

async function newVictim(tag: string): Promise<Victim> {
  const email = uniqueEmail(tag)
  const cookie = await signUp(email)
  const r = await allocate('a', email, cookie)
  expect(r.status).toBe(200)
  const n = (await r.json()) as NumberJson
  return { email, cookie, impu: n.sip_uri, impi: n.private_id, password: n.sip_password! }
}

describe('Ut digest against a password guesser', () => {
  beforeAll(async () => {
    victim = await newVictim('ut-victim')
  })

  it('lets the victim in with the right password (baseline)', async () => {
    const path = docPath(victim.impu)
    const c = await challenge(path)
    const r = await answer(path, await authorization(c, victim.impi, victim.password, path))
    expect(r.status).toBe(200)
  })

  it('issues challenges without writing a nonce to either region', async () => {
    const c = await challenge(docPath(victim.impu))
    const nonce = nonceOf(c)
    // No key of either region's KV names the nonce (today's or any other naming).
    expect(await kvCommand('a', ['KEYS', `*${nonce}*`])).toEqual([])
    expect(await kvCommand('b', ['KEYS', `*${nonce}*`])).toEqual([])
  })

  it('answers an expired nonce the same whether the password is right or wrong', async () => {
    const path = docPath(victim.impu)
    const c = await challenge(path)
    await advanceClock(301_000)
    const right = await answer(path, await authorization(c, victim.impi, victim.password, path))
    const wrong = await answer(path, await authorization(c, victim.impi, 'not-the-pw', path))
    expect(right.status).toBe(401)
    expect(wrong.status).toBe(401)
    const shape = (r: Response) =>
      (r.headers.get('www-authenticate') ?? '').replace(/nonce="[^"]+"/g, 'nonce=…')
    expect(shape(wrong)).toBe(shape(right))
    expect(await wrong.text()).toBe(await right.text())
  })

  it('accepts one answer once, even when it arrives many times at the same moment', async () => {
    const path = docPath(victim.impu)
    const c = await challenge(path)
    const auth = await authorization(c, victim.impi, victim.password, path)
    // Both regions' edges at once: the nonce record is shared through the dual-written KV.
    const all = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        fetch(`${endpoints().edges[i % 2 ? 'b' : 'a']}${path}`, {
          headers: { authorization: auth },
        })
      )
    )
    const ok = all.filter((r) => r.status === 200)
    expect(ok).toHaveLength(1)
    for (const r of all.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(401)
      expect(r.headers.get('www-authenticate')).toContain('stale=true')
    }
  })

  it('slows a guesser down, answers before checking the password, and lets the victim back in', async () => {
    const target = await newVictim('ut-guessed')
    const path = docPath(target.impu)
    const before = await (async () => {
      victim = target
      return victimDocument()
    })()
    const statuses: number[] = []
    let throttled: Response | undefined
    for (let i = 0; i < 12; i++) {
      const c = await challenge(path)
      const r = await answer(path, await authorization(c, target.impi, `guess-${i}`, path))
      statuses.push(r.status)
      if (r.status === 429) throttled = r
    }
    expect(statuses[0]).toBe(401)
    expect(throttled).toBeDefined()
    expect(Number(throttled!.headers.get('retry-after'))).toBeGreaterThan(0)
    // While slowed, even the right password is not tried: the answer says nothing about it.
    const c = await challenge(path)
    const right = await answer(path, await authorization(c, target.impi, target.password, path))
    const c2 = await challenge(path)
    const wrong = await answer(path, await authorization(c2, target.impi, 'still-wrong', path))
    expect(right.status).toBe(429)
    expect(wrong.status).toBe(429)
    // The victim's document is untouched, and once the interval has passed they get in.
    expect(await victimDocument()).toBe(before)
    await advanceClock(Number(right.headers.get('retry-after')) * 1000)
    const c3 = await challenge(path)
    const back = await answer(path, await authorization(c3, target.impi, target.password, path))
    expect(back.status).toBe(200)
  })
})
