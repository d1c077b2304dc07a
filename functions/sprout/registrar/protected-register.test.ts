/**
 * The REGISTER pipeline with the edge's `integrity-protected="tls-yes"` (protected-register.ts,
 * digest-auth.ts), over Sprout's real routes with in-memory Vellum and the real Dime as HSS: a
 * marked re-REGISTER is answered 200 without a challenge only when the AoR holds a live binding
 * of that IMPI over that flow; otherwise it is challenged (or, carrying an answer, checked).
 */
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

const impu = `sip:6505550011@${DOMAIN}`
const impi = `6505550011@${DOMAIN}`
const password = 'secret11'
const contact = '<sip:ua@client.invalid;transport=ws;ob>;+sip.instance="<urn:uuid:11>";reg-id=1'
const marked = (username: string) =>
  `Digest username="${username}", realm="${DOMAIN}", nonce="", uri="sip:${DOMAIN}", response="", integrity-protected="tls-yes"`

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
  if (!got) throw new Error(`no response on flow; logs: ${t.logs.join('\n')}`)
  return got as SipResponse
}

const reg = (token: string, cseq: number, authorization?: string, expires = 300) =>
  edgeRegister({
    impu,
    token,
    callId: 'prot',
    cseq,
    contacts: [contact],
    expires,
    ...(authorization ? { authorization } : {}),
  })

async function registerWithChallenge(token: string): Promise<void> {
  const ch = await send(reg(token, 1), token)
  expect(ch.status).toBe(401)
  const ok = await send(reg(token, 2, answer401(ch, { impi, password })), token)
  expect(ok.status).toBe(200)
}

describe('a REGISTER marked integrity-protected by the edge', () => {
  it('refreshes without a challenge when its flow holds a live binding of its IMPI', async () => {
    const token = flowToken(11)
    await registerWithChallenge(token)
    const ok = await send(reg(token, 3, marked(impi)), token)
    expect(ok.status).toBe(200)
    expect(ok.getAllRaw('contact')[0]).toMatch(/;expires=300/)
    const off = await send(reg(token, 4, marked(impi), 0), token)
    expect(off.status).toBe(200)
    expect(off.getAllRaw('contact')).toEqual([])
  })

  it('is challenged as an initial registration, on another flow, or for another IMPI', async () => {
    const token = flowToken(12)
    expect((await send(reg(token, 1, marked(impi)), token)).status).toBe(401)
    await registerWithChallenge(token)
    const other = flowToken(13)
    expect((await send(reg(other, 5, marked(impi)), other)).status).toBe(401)
    expect((await send(reg(token, 6, marked(`x${impi}`)), token)).status).toBe(401)
  })

  it('still checks a digest answer it carries when the binding check fails', async () => {
    const token = flowToken(14)
    const ch = await send(reg(token, 1), token)
    const answer = answer401(ch, { impi, password })
    const ok = await send(reg(token, 2, `${answer}, integrity-protected="tls-yes"`), token)
    expect(ok.status).toBe(200)
  })
})

describe('an emergency REGISTER', () => {
  it('binds with the short expiry asked for, and its removal is 501 after the challenge', async () => {
    const token = flowToken(15)
    const sos = '<sip:sos@client.invalid;transport=ws>;sos'
    const send2 = async (cseq: number, expires: number) => {
      const ch = await send(
        edgeRegister({ impu, token, callId: 'sos', cseq, contacts: [sos], expires }),
        token
      )
      expect(ch.status).toBe(401)
      return send(
        edgeRegister({
          impu,
          token,
          callId: 'sos',
          cseq: cseq + 1,
          contacts: [sos],
          expires,
          authorization: answer401(ch, { impi, password }),
        }),
        token
      )
    }
    const ok = await send2(1, 3)
    expect(ok.status).toBe(200)
    expect(ok.getAllRaw('contact')).toEqual(['<sip:sos@client.invalid;transport=ws>;expires=3;sos'])
    expect((await send2(3, 0)).status).toBe(501)
  })
})
