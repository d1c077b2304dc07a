/**
 * Live tests 39, 61 and 66 (clearwater-interfaces §10), each its own scenario with real sip.js
 * clients through the local cloud:
 * - 39 "Filtering - RFC3841 example": five bindings registered with the feature tags of RFC 3841
 *   §10; the REGISTER 200 lists all five Contacts, and the example's Accept-/Reject-Contact reach
 *   bindings 1, 4 and 5 only;
 * - 61 "GRUU - Call - only GRUU as target": the AoR has a binding with a GRUU and one without (a
 *   client with no instance id); a call to the GRUU rings only the GRUU's binding;
 * - 66 "GRUU - Call - Accept-Contact interop": with two GRUU bindings, a request to one GRUU with
 *   an Accept-Contact that binding matches is delivered there and not forked to the other.
 *
 * Beside 61, the MESSAGE that proves both of its bindings registered: forked to both, it is never
 * CANCELled at the binding that answers last (RFC 3261 §9.1), and the caller hears one 200.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { endpoints } from '../support/cloud'
import { TestUa } from '../support/sip-ua'
import { newLine, Phone, terminated, until } from './calls-support'

const phones: Phone[] = []
const uas: TestUa[] = []
afterEach(async () => {
  await Promise.all([
    ...phones.splice(0).map((p) => p.stop()),
    ...uas.splice(0).map((u) => u.stop()),
  ])
})
async function phone(...args: Parameters<typeof Phone.start>) {
  const p = await Phone.start(...args)
  phones.push(p)
  return p
}

/** The Contact header values of the last REGISTER 200 a phone received. */
function lastRegisterOk(p: Phone): string[] {
  const ok = p.received.filter(
    (m) => m.startsWith('SIP/2.0 200') && /\r\nCSeq: \d+ REGISTER\r\n/i.test(m)
  )
  const last = ok.at(-1) ?? ''
  return [...last.matchAll(/\r\n(?:Contact|m): ([^\r]*)/gi)].flatMap((m) =>
    m[1]!.split(/,(?=\s*<)/).map((c) => c.trim())
  )
}

describe('bindings with and without GRUUs (live tests 39, 61, 66)', () => {
  it('39: the REGISTER 200 lists all five RFC 3841 bindings; the example reaches 1, 4 and 5', async () => {
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
    const listed = lastRegisterOk(bs[4]!)
    expect(listed).toHaveLength(5)
    for (const b of bs)
      expect(
        listed.filter((c) => c.includes(`"<urn:uuid:${b.instance}>"`)),
        b.instance
      ).toHaveLength(1)
    expect(listed.find((c) => c.includes(bs[1]!.instance))).toMatch(/actor="msg-taker"/)
    expect(listed.find((c) => c.includes(bs[2]!.instance))).toMatch(/q=0\.3/)

    const r = await a.message(lb.impu, 'rfc3841', [
      'Accept-Contact: *;audio;require',
      'Accept-Contact: *;video;explicit',
      'Accept-Contact: *;methods="BYE";class="business";q=1.0',
      'Reject-Contact: *;actor="msg-taker";video',
    ])
    expect(r.status).toBe(200)
    await until(
      () => bs.filter((b) => b.messages.length > 0).length >= 3,
      5_000,
      'three bindings reached'
    )
    expect(bs.map((b) => b.messages.length)).toEqual([1, 0, 0, 1, 1])
  })

  it('61: a call to the GRUU rings only its binding, not the AoR’s binding without a GRUU', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const a = await phone(la)
    const withGruu = await phone(lb)
    const plain = await TestUa.start({
      server: endpoints().sip.a,
      impu: lb.impu,
      impi: lb.impi,
      password: lb.password,
      expires: 300,
    })
    uas.push(plain)
    const ok = await plain.register()
    expect(ok.status).toBe(200)
    // Both bindings are registered: a request to the AoR reaches both. The caller's 200 is the
    // first binding's, so the other may still be receiving it.
    expect((await a.message(lb.impu, 'both')).status).toBe(200)
    await until(() => plain.receivedMatching(/^MESSAGE /).length === 1, 5_000, 'plain got it')
    await until(() => withGruu.messages.length === 1, 5_000, 'the GRUU binding got it')

    const call = a.call(withGruu.gruu())
    const inc = await withGruu.nextCall()
    await inc.ring()
    await call.waitFor(180)
    await inc.answer()
    expect((await call.final).status).toBe(200)
    expect(plain.receivedMatching(/^INVITE /)).toHaveLength(0)
    await call.bye()
    await terminated(inc.invitation)
    expect(plain.receivedMatching(/^(INVITE|CANCEL) /)).toHaveLength(0)
  })

  it('61: a MESSAGE forked to both bindings is not CANCELled where it is answered last', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const a = await phone(la)
    const withGruu = await phone(lb)
    const plain = await TestUa.start({
      server: endpoints().sip.a,
      impu: lb.impu,
      impi: lb.impi,
      password: lb.password,
      expires: 300,
    })
    uas.push(plain)
    expect((await plain.register()).status).toBe(200)
    // The plain binding holds the MESSAGE: the caller's 200 is the GRUU binding's, and the
    // transaction is complete while the plain binding has not answered yet.
    let held: (() => void) | undefined
    plain.ua.delegate = {
      onMessage: (m) => {
        held = () => void m.accept().catch(() => undefined)
      },
    }
    expect((await a.message(lb.impu, 'forked')).status).toBe(200)
    expect(withGruu.messages).toHaveLength(1)
    await until(() => held, 5_000, 'the plain binding holds the MESSAGE')
    held!()
    await until(
      () =>
        plain.sent.some((m) => /^SIP\/2\.0 200 /.test(m) && /\r\nCSeq: \d+ MESSAGE\r\n/i.test(m)),
      5_000,
      'the plain binding answered'
    )
    // A flow's next message leaves only once the hop of the one before it was answered, and
    // Sprout answers that hop only once it has handed the 200 on (docs/internal-hop.md): after
    // this REGISTER's answer, whatever Sprout made of the late 200 has reached its destination.
    expect((await plain.register()).status).toBe(200)
    expect(plain.receivedMatching(/^CANCEL /)).toHaveLength(0)
    // The late 200 is not a second final answer for the caller (RFC 3261 §16.7 step 5).
    const ok = a.received.filter(
      (m) => m.startsWith('SIP/2.0 200') && /\r\nCSeq: \d+ MESSAGE\r\n/i.test(m)
    )
    expect(ok).toHaveLength(1)
  })

  it('66: a GRUU with an Accept-Contact its binding matches is delivered, not forked to the other', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const a = await phone(la)
    const [b1, b2] = await Promise.all([
      phone(lb, { contactParams: ['audio'] }),
      phone(lb, { contactParams: ['audio'] }),
    ])
    const r = await a.message(b1.gruu(), 'gruu + accept-contact', ['Accept-Contact: *;audio'])
    expect(r.status).toBe(200)
    expect(b1.messages).toHaveLength(1)
    // The other binding matches the Accept-Contact as well, yet the GRUU names only b1.
    const call = a.call(b1.gruu(), { headers: ['Accept-Contact: *;audio'] })
    const inc = await b1.nextCall()
    await inc.answer()
    expect((await call.final).status).toBe(200)
    expect(b2.messages).toHaveLength(0)
    expect(b2.incoming).toHaveLength(0)
    await call.bye()
    await terminated(inc.invitation)
  })
})
