/**
 * Live tests 64 and 67–68 (clearwater-interfaces §10), each as its own scenario with real sip.js
 * clients through the local cloud:
 * - 64 "GRUU - Call - unknown GRUU as target - no GRUUs assigned": a callee registered without
 *   an instance id (sip.js) can have no GRUU, and one whose REGISTER does not list `gruu` in
 *   Supported gets no `pub-gruu` in its 200; a request to a GRUU of that AoR is
 *   480, never forked to the AoR's bindings, while the AoR itself is reached;
 * - 67 "AoR with other param as target": an extra URI parameter on the AoR does not stop the
 *   request forking to every binding;
 * - 68 "GRUU with other param as target": an extra URI parameter on a GRUU still reaches exactly
 *   the binding it names.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { answerChallenge, rawRegister, statusOf } from '../integration/registrar-helpers'
import { endpoints } from '../support/cloud'
import { RawSipSocket, TestUa } from '../support/sip-ua'
import { newLine, Phone, terminated } from './calls-support'

const phones: Phone[] = []
const uas: TestUa[] = []
const sockets: RawSipSocket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close()
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

describe('GRUU targets (live tests 64, 67, 68)', () => {
  it('64: no GRUUs assigned without GRUU support; a GRUU target is 480, the AoR is reached', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const a = await phone(la)
    // A client that does not support GRUU, with and without an instance id.
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
    expect(ok.headers.contact?.join(',') ?? '').not.toMatch(/pub-gruu/i)
    // A client with an instance id that does not list `gruu` in Supported: no GRUU either.
    const ws = await RawSipSocket.open(endpoints().sip.a)
    sockets.push(ws)
    const sub = { ...lb, irs: '', sp: '' }
    const callId = `g64-${crypto.randomUUID()}`
    const contact = `<sip:g64@g64.invalid;transport=ws>;+sip.instance="<urn:uuid:${crypto.randomUUID()}>"`
    const noGruu = (m: string) =>
      m.replace(/\r\nSupported: [^\r]*/, '\r\nSupported: path, outbound')
    const ch = await ws.request(
      noGruu(rawRegister({ sub, callId, cseq: 1, contact, expires: 300 }))
    )
    expect(statusOf(ch)).toBe(401)
    const ok2 = await ws.request(
      noGruu(
        rawRegister({
          sub,
          callId,
          cseq: 2,
          contact,
          expires: 300,
          authorization: answerChallenge(ch, sub),
        })
      )
    )
    expect(statusOf(ok2)).toBe(200)
    expect(ok2).toMatch(/g64\.invalid/)
    expect(ok2).not.toMatch(/pub-gruu/i)

    const before = plain.receivedMatching(/^MESSAGE /).length
    expect((await a.message(`${lb.impu};gr=urn:uuid:${crypto.randomUUID()}`, 'gruu')).status).toBe(
      480
    )
    expect(plain.receivedMatching(/^MESSAGE /)).toHaveLength(before)
    expect((await a.message(lb.impu, 'aor')).status).toBe(200)
    expect(plain.receivedMatching(/^MESSAGE /).length).toBeGreaterThan(before)
  })

  it('67: an AoR with another URI parameter forks to every binding', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const a = await phone(la)
    const [b1, b2] = await Promise.all([phone(lb), phone(lb)])
    const call = a.call(`${lb.impu};other=param`)
    const [i1, i2] = await Promise.all([b1.nextCall(), b2.nextCall()])
    await i2.answer()
    expect((await call.final).status).toBe(200)
    await terminated(i1.invitation)
    await call.bye()
    await terminated(i2.invitation)
  })

  it('68: a GRUU with another URI parameter reaches exactly its binding', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const a = await phone(la)
    const [b1, b2] = await Promise.all([phone(lb), phone(lb)])
    const call = a.call(`${b1.gruu()};other=param`)
    const inc = await b1.nextCall()
    await inc.answer()
    expect((await call.final).status).toBe(200)
    expect(b2.incoming).toHaveLength(0)
    await call.bye()
    await terminated(inc.invitation)
  })
})
