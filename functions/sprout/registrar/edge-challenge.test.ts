/**
 * The edge's fresh challenge against Sprout's registrar (edge/register-challenge.ts): a nonce the
 * edge mints is one the registrar verifies unchanged, the edge's 401 has the shape of the
 * registrar's own, and the edge challenges only REGISTERs the registrar would challenge (its
 * checks before authentication, parse-registration.ts, held against the edge's decision).
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { decideChallenge, freshChallenge } from '../../../edge/register-challenge'
import { deriveNonceKey } from '../../../shared/hop/digest-nonce'
import { parseMessage, type SipRequest, type SipResponse } from '../../../shared/sip'
import { SipError } from '../../../shared/sip/errors'
import { HOP_SECRET } from '../../../test/support/kits/dime-kit'
import {
  answer401,
  DOMAIN,
  edgeRegister,
  flowToken,
  provisionLikeEllis,
  type TestSprout,
  testSprout,
} from '../../../test/support/kits/sprout-kit'
import { parseRegistration } from './parse-registration'

const impu = `sip:6505550011@${DOMAIN}`
const impi = `6505550011@${DOMAIN}`
const password = 'secret11'
const contact = '<sip:ua@client.invalid;transport=ws;ob>;+sip.instance="<urn:uuid:1>";reg-id=1'

let t: TestSprout
beforeEach(async () => {
  t = testSprout()
  await provisionLikeEllis(t.dime, impu, { password })
})

async function send(text: string, token: string): Promise<SipResponse> {
  const before = t.toFlow(token).length
  expect((await t.post(text)).status).toBe(202)
  const got = t
    .toFlow(token)
    .slice(before)
    .map((p) => p.msg)
    .find((m) => m.kind === 'response')
  if (!got) throw new Error(`no response; logs: ${t.logs.join('\n')}`)
  return got as SipResponse
}

/** The edge's 401 for `text` (a REGISTER as the edge forwards it), minted at Sprout's time. */
async function edge401(text: string): Promise<SipResponse> {
  const req = parseMessage(text) as SipRequest
  const d = decideChallenge(req, { enabled: true, homeDomain: DOMAIN, minExpires: 0 }, false)
  if (!d.challenge) throw new Error(`the edge would forward it: ${d.why}`)
  return freshChallenge(req, d.subject, {
    key: await deriveNonceKey(HOP_SECRET),
    nowMs: t.clock.now(),
    random: (b) => void crypto.getRandomValues(b),
  })
}

/** A response's lines with the values that are random each time masked. */
const shape = (r: SipResponse) =>
  r
    .toString()
    .split('\r\n')
    .filter((l) => !/^Via: SIP\/2.0\/HTTP edge/.test(l))
    .map((l) =>
      l
        .replace(/;tag=[a-z2-7]+$/, ';tag=T')
        .replace(/nonce="[^"]+"/, 'nonce="N"')
        .replace(/opaque="[^"]+"/, 'opaque="O"')
    )

describe('a challenge minted at the edge', () => {
  it('is answered and verified by the registrar unchanged, with MD5 and with SHA-256', async () => {
    for (const algorithm of ['MD5', 'SHA-256'] as const) {
      const token = flowToken(algorithm === 'MD5' ? 1 : 2)
      const callId = `edge-${algorithm}`
      const first = edgeRegister({ impu, token, callId, cseq: 1, contacts: [contact] })
      const challenge = await edge401(first)
      const authorization = answer401(challenge, { impi, password, algorithm })
      const ok = await send(
        edgeRegister({ impu, token, callId, cseq: 2, contacts: [contact], authorization }),
        token
      )
      expect(ok.status).toBe(200)
    }
  })

  it('is refused for another identity, as the registrar’s own is (403)', async () => {
    const token = flowToken(3)
    const other = `sip:6505550012@${DOMAIN}`
    await provisionLikeEllis(t.dime, other, { password: 'other' })
    const challenge = await edge401(
      edgeRegister({ impu: other, token, callId: 'x', cseq: 1, contacts: [contact] })
    )
    const authorization = answer401(challenge, { impi, password })
    const res = await send(
      edgeRegister({ impu, token, callId: 'x', cseq: 2, contacts: [contact], authorization }),
      token
    )
    expect(res.status).toBe(403)
  })

  it('has the registrar’s 401 shape: the same lines, only the random values differ', async () => {
    const token = flowToken(4)
    const text = edgeRegister({ impu, token, callId: 'shape', cseq: 1, contacts: [contact] })
    const sprout = await send(text, token)
    expect(sprout.status).toBe(401)
    expect(shape(await edge401(text))).toEqual(shape(sprout))
  })
})

describe('the edge challenges only what the registrar challenges', () => {
  const token = flowToken(9)
  const limits = { maxExpires: 300, emergencyMaxExpires: 300, minExpires: 60, homeDomain: DOMAIN }
  const base = { impu, token, callId: 'corpus', cseq: 1 }
  const corpus: Array<{ name: string; text: string }> = [
    { name: 'plain', text: edgeRegister({ ...base, contacts: [contact] }) },
    { name: 'fetch', text: edgeRegister({ ...base, contacts: [] }) },
    { name: 'star', text: edgeRegister({ ...base, contacts: ['*'], expires: 0 }) },
    { name: 'star without 0', text: edgeRegister({ ...base, contacts: ['*'] }) },
    {
      name: 'star and another',
      text: edgeRegister({ ...base, contacts: ['*', contact], expires: 0 }),
    },
    { name: 'too brief', text: edgeRegister({ ...base, contacts: [contact], expires: 30 }) },
    { name: 'removal', text: edgeRegister({ ...base, contacts: [contact], expires: 0 }) },
    {
      name: 'emergency',
      text: edgeRegister({ ...base, contacts: ['<sip:ua@client.invalid;transport=ws;sos>'] }),
    },
    { name: 'tel', text: edgeRegister({ ...base, impu: 'tel:+16505550011', contacts: [contact] }) },
    { name: 'bad expires', text: edgeRegister({ ...base, contacts: [`${contact};expires=x`] }) },
    {
      name: 'credentials without response',
      text: edgeRegister({
        ...base,
        contacts: [contact],
        authorization: `Digest username="${impi}", realm="r.example", nonce="", uri="sip:${DOMAIN}", response=""`,
      }),
    },
    {
      name: 'bad Path',
      text: edgeRegister({ ...base, contacts: [contact], extra: ['Path: <sip:broken'] }),
    },
    {
      name: 'bad Authorization',
      text: edgeRegister({ ...base, contacts: [contact], authorization: 'Digest username="x' }),
    },
  ]

  const FORWARDED = new Set([
    'star without 0',
    'star and another',
    'too brief',
    'bad expires',
    'bad Path',
    'bad Authorization',
  ])

  for (const { name, text } of corpus)
    it(`agrees on “${name}”`, () => {
      const req = parseMessage(text) as SipRequest
      const d = decideChallenge(req, { enabled: true, homeDomain: DOMAIN, minExpires: 60 }, false)
      let parsed: ReturnType<typeof parseRegistration> | SipError
      try {
        parsed = parseRegistration(req, limits)
      } catch (err) {
        if (!(err instanceof SipError)) throw err
        parsed = err
      }
      // Each case is here for one side of the agreement: the names say which.
      expect(d.challenge).toBe(!FORWARDED.has(name))
      if (d.challenge) {
        // The registrar parses it and binds its nonce to the same IMPI, IMPU and realm.
        expect(parsed).not.toBeInstanceOf(SipError)
        const reg = parsed as ReturnType<typeof parseRegistration>
        expect(d.subject).toEqual({
          impi: reg.impi,
          impu: reg.impu,
          realm: reg.credentials?.realm ?? DOMAIN,
        })
      } else expect(parsed).toBeInstanceOf(SipError)
    })
})
