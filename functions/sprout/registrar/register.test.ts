import { beforeEach, describe, expect, it } from 'vitest'
import type { SipResponse } from '../../../shared/sip'
import {
  answer401,
  DOMAIN,
  edgeRegister,
  flowToken,
  provisionLikeEllis,
  type TestSprout,
  testSprout,
} from '../../../test/support/kits/sprout-kit'

const impu = `sip:6505550001@${DOMAIN}`
const impi = `6505550001@${DOMAIN}`
const password = 'secret1'
const inst = '<urn:uuid:00000000-0000-0000-0000-000000000001>'

let t: TestSprout
beforeEach(async () => {
  t = testSprout()
  await provisionLikeEllis(t.dime, impu, { password })
})

async function send(text: string, token: string): Promise<SipResponse> {
  const before = t.toFlow(token).length
  const res = await t.post(text)
  expect(res.status).toBe(202)
  const got = t
    .toFlow(token)
    .slice(before)
    .map((p) => p.msg)
    .find((m) => m.kind === 'response')
  if (!got) throw new Error(`no response on flow; logs: ${t.logs.join('\n')}`)
  return got as SipResponse
}

/** REGISTER, answer the challenge, return the final response. */
async function register(o: {
  token: string
  callId: string
  cseq: number
  contacts: string[]
  expires?: number
  supported?: string
}) {
  const first = await send(edgeRegister({ impu, ...o }), o.token)
  expect(first.status).toBe(401)
  const authorization = answer401(first, { impi, password })
  return send(edgeRegister({ impu, ...o, cseq: o.cseq + 1, authorization }), o.token)
}

describe('REGISTER', () => {
  it('challenges, then binds with Path, Service-Route, P-Associated-URI and outbound', async () => {
    const token = flowToken(1)
    const c = `<sip:ua1@client.invalid;transport=ws;ob>;+sip.instance="${inst}";reg-id=1`
    const first = await send(
      edgeRegister({ impu, token, callId: 'call-1', cseq: 1, contacts: [c], expires: 3600 }),
      token
    )
    expect(first.status).toBe(401)
    const ch = first.getAllRaw('www-authenticate')
    expect(ch[0]).toContain('algorithm=SHA-256')
    expect(ch[1]).toMatch(
      /^Digest realm="example.com", nonce="[A-Za-z0-9_-]{48}", opaque="[0-9a-f]+", algorithm=MD5, qop="auth"$/
    )
    const ok = await send(
      edgeRegister({
        impu,
        token,
        callId: 'call-1',
        cseq: 2,
        contacts: [c],
        expires: 3600,
        authorization: answer401(first, { impi, password }),
      }),
      token
    )
    expect(ok.status).toBe(200)
    expect(ok.toTag).toBeDefined()
    // Expiry capped at reg_max_expires (300).
    expect(ok.getAllRaw('contact')).toEqual([
      `<sip:ua1@client.invalid;transport=ws;ob>;expires=300;+sip.instance="${inst}";reg-id=1;pub-gruu="${impu};gr=urn:uuid:00000000-0000-0000-0000-000000000001"`,
    ])
    expect(ok.getAllRaw('path')).toEqual([`<sip:${token}@edge.edgewater.internal;lr;ob>`])
    expect(ok.getRaw('service-route')).toBe('<sip:sprout.a.edgewater.internal;lr;orig>')
    expect(ok.getAllRaw('p-associated-uri')).toEqual([`<${impu}>`])
    expect(ok.getRaw('supported')).toBe('outbound')
    expect(ok.getRaw('require')).toBe('outbound')
    const bindings = (await (
      await t.request('GET', `/impu/${encodeURIComponent(impu)}/bindings`)
    ).json()) as {
      bindings: Record<string, { uri: string; paths: string[]; private_id: string }>
    }
    expect(Object.keys(bindings.bindings)).toEqual([
      'urn:uuid:00000000-0000-0000-0000-000000000001:1',
    ])
    expect(bindings.bindings['urn:uuid:00000000-0000-0000-0000-000000000001:1']?.private_id).toBe(
      impi
    )
  })

  it('offers SHA-256 and accepts a SHA-256 answer (RFC 8760)', async () => {
    const token = flowToken(2)
    const first = await send(
      edgeRegister({ impu, token, callId: 'c-sha', cseq: 1, contacts: ['<sip:a@h.invalid>'] }),
      token
    )
    const authorization = answer401(first, { impi, password, algorithm: 'SHA-256' })
    const ok = await send(
      edgeRegister({
        impu,
        token,
        callId: 'c-sha',
        cseq: 2,
        contacts: ['<sip:a@h.invalid>'],
        authorization,
      }),
      token
    )
    expect(ok.status).toBe(200)
  })

  it('refuses a wrong password with 403, and only the right answer to that nonce binds', async () => {
    const token = flowToken(3)
    const first = await send(
      edgeRegister({ impu, token, callId: 'c-bad', cseq: 1, contacts: ['<sip:a@h.invalid>'] }),
      token
    )
    const authorization = answer401(first, { impi, password: 'wrong' })
    const no = await send(
      edgeRegister({
        impu,
        token,
        callId: 'c-bad',
        cseq: 2,
        contacts: ['<sip:a@h.invalid>'],
        authorization,
      }),
      token
    )
    expect(no.status).toBe(403)
    expect((await t.request('GET', `/impu/${encodeURIComponent(impu)}/bindings`)).status).toBe(404)
    // A stateless nonce is no secret: what limits guessing is the failure count (below).
    const good = answer401(first, { impi, password, nc: 2 })
    const again = await send(
      edgeRegister({
        impu,
        token,
        callId: 'c-bad',
        cseq: 3,
        contacts: ['<sip:a@h.invalid>'],
        authorization: good,
      }),
      token
    )
    expect(again.status).toBe(200)
  })

  it('treats a reused nonce-count as a replay (401 stale) and accepts a higher one', async () => {
    const token = flowToken(4)
    const contacts = ['<sip:a@h.invalid>']
    const first = await send(
      edgeRegister({ impu, token, callId: 'c-nc', cseq: 1, contacts }),
      token
    )
    const nc1 = answer401(first, { impi, password, nc: 1 })
    expect(
      (
        await send(
          edgeRegister({ impu, token, callId: 'c-nc', cseq: 2, contacts, authorization: nc1 }),
          token
        )
      ).status
    ).toBe(200)
    const replay = await send(
      edgeRegister({ impu, token, callId: 'c-nc', cseq: 3, contacts, authorization: nc1 }),
      token
    )
    expect(replay.status).toBe(401)
    expect(replay.getRaw('www-authenticate')).toContain('stale=true')
    const nc2 = answer401(first, { impi, password, nc: 2 })
    expect(
      (
        await send(
          edgeRegister({ impu, token, callId: 'c-nc', cseq: 4, contacts, authorization: nc2 }),
          token
        )
      ).status
    ).toBe(200)
  })

  it('answers an unknown nonce with a stale challenge, and an unknown user with 403 only once it answers', async () => {
    const token = flowToken(5)
    const bogus = `Digest username="${impi}", realm="${DOMAIN}", nonce="deadbeef", uri="sip:${DOMAIN}", response="00", algorithm=MD5, qop=auth, nc=00000001, cnonce="x"`
    const r = await send(
      edgeRegister({
        impu,
        token,
        callId: 'c-u',
        cseq: 1,
        contacts: ['<sip:a@h.invalid>'],
        authorization: bogus,
      }),
      token
    )
    expect(r.status).toBe(401)
    expect(r.getRaw('www-authenticate')).toContain('stale=true')
    // Before credentials, nobody is looked up: a stranger is challenged like anyone else.
    const stranger = `sip:999@${DOMAIN}`
    const ch = await send(
      edgeRegister({
        impu: stranger,
        token,
        callId: 'c-s',
        cseq: 1,
        contacts: ['<sip:a@h.invalid>'],
      }),
      token
    )
    expect(ch.status).toBe(401)
    const s = await send(
      edgeRegister({
        impu: stranger,
        token,
        callId: 'c-s',
        cseq: 2,
        contacts: ['<sip:a@h.invalid>'],
        authorization: answer401(ch, { impi: `999@${DOMAIN}`, password: 'x' }),
      }),
      token
    )
    expect(s.status).toBe(403)
  })

  it('keeps several bindings, refreshes one, removes one, and answers a fetch with all', async () => {
    const tA = flowToken(6)
    const tB = flowToken(7)
    const a = `<sip:a@h.invalid;transport=ws>;+sip.instance="<urn:uuid:a>";reg-id=1`
    const b = `<sip:b@h.invalid;transport=ws>;+sip.instance="<urn:uuid:b>";reg-id=1`
    expect((await register({ token: tA, callId: 'ca', cseq: 1, contacts: [a] })).status).toBe(200)
    const two = await register({ token: tB, callId: 'cb', cseq: 1, contacts: [b], expires: 120 })
    expect(two.getAllRaw('contact')).toHaveLength(2)
    t.clock.advance(10_000)
    const fetch = await register({ token: tA, callId: 'ca', cseq: 3, contacts: [] })
    expect(fetch.getAllRaw('contact').map((c) => /expires=(\d+)/.exec(c)?.[1])).toEqual([
      '290',
      '110',
    ])
    const gone = await register({
      token: tB,
      callId: 'cb',
      cseq: 3,
      contacts: [b.replace('reg-id=1', 'reg-id=1;expires=0')],
    })
    expect(gone.getAllRaw('contact')).toHaveLength(1)
    expect(gone.getRaw('contact')).toContain('urn:uuid:a')
  })

  it('removes every binding with Contact: * and refuses * with a non-zero Expires', async () => {
    const token = flowToken(8)
    await register({
      token,
      callId: 'cw',
      cseq: 1,
      contacts: ['<sip:x@h.invalid>', '<sip:y@h.invalid>'],
    })
    const bad = await send(
      edgeRegister({ impu, token, callId: 'cw', cseq: 5, contacts: ['*'], expires: 60 }),
      token
    )
    expect(bad.status).toBe(400)
    const all = await register({ token, callId: 'cw', cseq: 6, contacts: ['*'], expires: 0 })
    expect(all.status).toBe(200)
    expect(all.getAllRaw('contact')).toEqual([])
    expect((await t.request('GET', `/impu/${encodeURIComponent(impu)}/bindings`)).status).toBe(404)
  })

  it('aborts an out-of-order CSeq from the same Call-ID (RFC 3261 §10.3 step 7)', async () => {
    const token = flowToken(9)
    await register({ token, callId: 'co', cseq: 10, contacts: ['<sip:o@h.invalid>'] })
    const r = await register({ token, callId: 'co', cseq: 3, contacts: ['<sip:o@h.invalid>'] })
    expect(r.status).toBe(500)
    // A new Call-ID (a reloaded page) may start anywhere.
    const n = await register({ token, callId: 'co-2', cseq: 1, contacts: ['<sip:o@h.invalid>'] })
    expect(n.status).toBe(200)
  })

  it('refuses credentials for one identity inside a REGISTER for another (issue 14 finding 2)', async () => {
    const victim = `sip:6505550099@${DOMAIN}`
    await provisionLikeEllis(t.dime, victim, { password: 'victim-pw' })
    const vt = flowToken(20)
    const vFirst = await send(
      edgeRegister({
        impu: victim,
        token: vt,
        callId: 'v1',
        cseq: 1,
        contacts: ['<sip:v@h.invalid>'],
      }),
      vt
    )
    const vOk = await send(
      edgeRegister({
        impu: victim,
        token: vt,
        callId: 'v1',
        cseq: 2,
        contacts: ['<sip:v@h.invalid>'],
        authorization: answer401(vFirst, { impi: `6505550099@${DOMAIN}`, password: 'victim-pw' }),
      }),
      vt
    )
    expect(vOk.status).toBe(200)
    const token = flowToken(21)
    for (const [i, contacts, expires] of [
      [1, [], undefined],
      [2, ['*'], 0],
      [3, ['<sip:evil@h.invalid>'], undefined],
    ] as const) {
      // The attacker's own challenge, answered with its own password, To = the victim.
      const own = await send(
        edgeRegister({ impu, token, callId: `x${i}`, cseq: 1, contacts: ['<sip:x@h.invalid>'] }),
        token
      )
      const r = await send(
        edgeRegister({
          impu: victim,
          token,
          callId: `x${i}`,
          cseq: 2,
          contacts: [...contacts],
          ...(expires !== undefined ? { expires } : {}),
          authorization: answer401(own, { impi, password }),
        }),
        token
      )
      expect(r.status).toBe(403)
      expect(r.getAllRaw('contact')).toEqual([])
    }
    const left = (await (
      await t.request('GET', `/impu/${encodeURIComponent(victim)}/bindings`)
    ).json()) as { bindings: Record<string, { uri: string }> }
    expect(Object.values(left.bindings).map((b) => b.uri)).toEqual(['sip:v@h.invalid'])
  })

  it('refuses the source of repeated failures (403 with Retry-After), not the subscriber', async () => {
    const token = flowToken(10)
    const wrong = async (n: number) => {
      const ch = await send(
        edgeRegister({ impu, token, callId: `cr${n}`, cseq: 1, contacts: ['<sip:r@h.invalid>'] }),
        token
      )
      expect(ch.status).toBe(401)
      return send(
        edgeRegister({
          impu,
          token,
          callId: `cr${n}`,
          cseq: 2,
          contacts: ['<sip:r@h.invalid>'],
          authorization: answer401(ch, { impi, password: 'nope' }),
        }),
        token
      )
    }
    for (let i = 0; i < 5; i++) {
      const no = await wrong(i)
      expect(no.status).toBe(403)
      expect(no.getRaw('retry-after')).toBeUndefined()
    }
    // This source (no client address from the edge here: the flow) is now refused, before its
    // answer is even checked: the right password does not get through either.
    const blocked = await register({
      token,
      callId: 'cr-x',
      cseq: 1,
      contacts: ['<sip:r@h.invalid>'],
    })
    expect(blocked.status).toBe(403)
    expect(blocked.getRaw('retry-after')).toBe('300')
    // The subscriber, from elsewhere, registers as usual.
    const own = await register({
      token: flowToken(11),
      callId: 'cr-own',
      cseq: 1,
      contacts: ['<sip:own@h.invalid>'],
    })
    expect(own.status).toBe(200)
    t.clock.advance(301_000)
    const later = await register({
      token,
      callId: 'cr-y',
      cseq: 1,
      contacts: ['<sip:r@h.invalid>'],
    })
    expect(later.status).toBe(200)
  })
})
