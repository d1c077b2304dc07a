/**
 * Forking, CANCEL, caller preferences and GRUUs with real sip.js clients through the local cloud
 * (clearwater-interfaces §10 tests 29–41 and 59–68): every binding of the callee rings, the first
 * answer wins and the others are cancelled; a caller's CANCEL is answered hop by hop; Accept- and
 * Reject-Contact pick bindings by their feature tags (RFC 3841); a GRUU reaches exactly one.
 */

import { SessionState } from 'sip.js'
import { afterEach, describe, expect, it } from 'vitest'
import { established, newLine, Phone, terminated, until } from './calls-support'

const phones: Phone[] = []
afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.stop()))
})
async function phone(...args: Parameters<typeof Phone.start>) {
  const p = await Phone.start(...args)
  phones.push(p)
  return p
}

describe('forking (tests 29–31)', () => {
  it('rings both bindings; the first to answer gets the call and the other a CANCEL', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const a = await phone(la)
    const [b1, b2] = await Promise.all([phone(lb), phone(lb)])
    const call = a.call(lb.impu)
    const [i1, i2] = await Promise.all([b1.nextCall(), b2.nextCall()])
    await Promise.all([i1.ring(), i2.ring()])
    await i1.answer()
    expect((await call.final).status).toBe(200)
    await until(() => i2.cancelled, 10_000, 'the other binding was cancelled')
    await terminated(i2.invitation)
    await call.bye()
    await terminated(i1.invitation)
  })

  it('completes the call when one binding never answers (offline, or silent after ringing)', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const a = await phone(la)
    const [b1, b2] = await Promise.all([phone(lb), phone(lb)])
    const call = a.call(lb.impu)
    const [i1, i2] = await Promise.all([b1.nextCall(), b2.nextCall()])
    await i2.ring()
    await i1.answer()
    expect((await call.final).status).toBe(200)
    await established(call.inviter)
    await terminated(i2.invitation)
    await call.bye()
  })
})

describe('CANCEL and call waiting (tests 32–34)', () => {
  it('answers the CANCEL 200, the INVITE 487, and cancels the callee', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const [a, b] = await Promise.all([phone(la), phone(lb)])
    const call = a.call(lb.impu)
    const inc = await b.nextCall()
    await inc.ring()
    await call.waitFor(180)
    await call.cancel()
    expect((await call.final).status).toBe(487)
    await until(() => inc.cancelled, 10_000, 'the callee saw the CANCEL')
    expect(a.receivedMatching(/^SIP\/2\.0 200 /).some((m) => /CSeq: \d+ CANCEL/.test(m))).toBe(true)
  })

  it('passes Alert-Info on a second call to a busy callee, and lets the caller cancel it', async () => {
    const [la, lb, lc] = await Promise.all([newLine(), newLine(), newLine()])
    const [a, b, c] = await Promise.all([phone(la), phone(lb), phone(lc)])
    const first = a.call(lb.impu)
    const i1 = await b.nextCall()
    await i1.answer()
    await first.final
    const second = c.call(lb.impu)
    const i2 = await b.nextCall(10_000, 1)
    await i2.invitation.progress({
      statusCode: 180,
      extraHeaders: ['Alert-Info: <urn:alert:service:call-waiting>'],
    })
    const ringing = await until(
      () => second.responses.find((r) => r.status === 180 && r.header('Alert-Info')),
      10_000,
      '180 with Alert-Info'
    )
    expect(ringing.header('Alert-Info')).toBe('<urn:alert:service:call-waiting>')
    await second.cancel()
    expect((await second.final).status).toBe(487)
    await until(
      () => i2.state === SessionState.Terminated,
      10_000,
      'second call ended at the callee'
    )
    await first.bye()
  })
})

describe('caller preferences (tests 35–41, RFC 3841)', () => {
  it('delivers to the instance an Accept-Contact requires, then the reverse direction works', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const a = await phone(la)
    const [b1, b2] = await Promise.all([phone(lb), phone(lb)])
    const r = await a.message(lb.impu, 'for b2', [
      `Accept-Contact: *;+sip.instance="<urn:uuid:${b2.instance}>";explicit;require`,
    ])
    expect(r.status).toBe(200)
    await until(() => b2.messages.length === 1, 5_000, 'b2 got it')
    expect(b1.messages).toHaveLength(0)
    expect((await b2.message(la.impu, 'reply')).status).toBe(200)
  })

  it('answers 480 when no binding matches, and honours negation and Reject-Contact', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const a = await phone(la)
    const b = await phone(lb, { contactParams: ['+sip.test="hello,goodbye"', 'audio'] })
    expect(
      (
        await a.message(lb.impu, 'x', [
          'Accept-Contact: *;+sip.instance="<wrong>";explicit;require',
        ])
      ).status
    ).toBe(480)
    expect(
      (await a.message(lb.impu, 'x', ['Accept-Contact: *;+sip.test="!hello";explicit;require']))
        .status
    ).toBe(200)
    expect(
      (await a.message(lb.impu, 'x', ['Reject-Contact: *;+sip.instance="<wrong>"'])).status
    ).toBe(200)
    expect(
      (
        await a.message(lb.impu, 'x', [
          `Reject-Contact: *;+sip.instance="<urn:uuid:${b.instance}>"`,
        ])
      ).status
    ).toBe(480)
    expect(b.messages).toHaveLength(2)
  })

  it('routes the RFC 3841 example to bindings 1, 4 and 5 only', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const a = await phone(la)
    const params = [
      ['audio', 'video', 'methods="INVITE,BYE"', 'q=0.2'],
      ['audio="FALSE"', 'methods="INVITE"', 'actor="msg-taker"', 'q=0.2'],
      ['audio', 'actor="msg-taker"', 'methods="INVITE"', 'video', 'q=0.3'],
      ['audio', 'methods="INVITE,OPTIONS"', 'q=0.2'],
      ['q=0.5'],
    ]
    const bs: Phone[] = []
    for (const p of params) bs.push(await phone(lb, { contactParams: p }))
    const r = await a.message(lb.impu, 'rfc3841', [
      'Accept-Contact: *;audio;require',
      'Accept-Contact: *;video;explicit',
      'Accept-Contact: *;methods="BYE";class="business";q=1.0',
      'Reject-Contact: *;actor="msg-taker";video',
    ])
    expect(r.status).toBe(200)
    await new Promise((res) => setTimeout(res, 300))
    expect(bs.map((b) => b.messages.length)).toEqual([1, 0, 0, 1, 1])
  })
})

describe('GRUUs (tests 59–68)', () => {
  it('reaches only the binding a GRUU names, even with other parameters; forks on the AoR', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const a = await phone(la)
    const [b1, b2] = await Promise.all([phone(lb, { contactParams: ['audio'] }), phone(lb)])
    expect((await a.message(b2.gruu(), 'gruu')).status).toBe(200)
    expect((await a.message(`${b1.gruu()};other=param`, 'gruu+param')).status).toBe(200)
    expect([b1.messages.length, b2.messages.length]).toEqual([1, 1])
    const call = a.call(lb.impu)
    const [i1, i2] = await Promise.all([b1.nextCall(), b2.nextCall()])
    await i1.answer()
    expect((await call.final).status).toBe(200)
    await terminated(i2.invitation)
    await call.bye()
  })

  it('answers 480 for an unknown GRUU, and for a GRUU whose binding a Reject-Contact excludes', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const a = await phone(la)
    const b = await phone(lb, { contactParams: ['audio'] })
    expect((await a.message(`${lb.impu};gr=nonsense`, 'x')).status).toBe(480)
    expect((await a.message(b.gruu(), 'x', ['Reject-Contact: *;audio'])).status).toBe(480)
    expect((await a.message(b.gruu(), 'x', ['Accept-Contact: *;audio'])).status).toBe(200)
  })
})
