/**
 * Issue 14, findings 1 and 5: the edge's trust boundary attacked over real WebSockets on the local
 * cloud by a registered subscriber with a sip.js client and hand-written messages.
 *
 * - Finding 1: a client's forged REGISTER 2xx, relayed back to its own flow or to another
 *   subscriber's flow, must teach neither flow anything.
 * - Finding 5: a flow token learnt from a past dialog's Record-Route (or a Via) must not carry
 *   made-up in-dialog requests straight to the flow, past Sprout's routing.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { established, type Line, newLine, Phone, terminated, until } from '../interop/calls-support'
import { endpoints } from '../support/cloud'

const phones: Phone[] = []
afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.stop()))
})
async function phone(line: Line) {
  const p = await Phone.start(line)
  phones.push(p)
  return p
}

const edgeHost = () => new URL(endpoints().edges.a).host
const uniq = () => crypto.randomUUID().replace(/-/g, '').slice(0, 16)
const TOKEN = /([0-9a-f]{64}\.[0-9a-f]{24})/

function sendRaw(p: Phone, text: string): Promise<void> {
  return (p.ua.transport as unknown as { send(m: string): Promise<void> }).send(text)
}

function lines(ls: string[], body = ''): string {
  return `${ls.join('\r\n')}\r\nContent-Length: ${new TextEncoder().encode(body).length}\r\n\r\n${body}`
}

const status = (m: string) => Number(/^SIP\/2\.0 (\d{3}) /.exec(m)?.[1])

/**
 * Lets a forged response reach its flow before the next step. An accepted forgery comes back to
 * its target client at once (the edge relays what it learns from); a refused one never does, so
 * this waits a bounded time for it and asserts nothing.
 */
async function settle(p: Phone, callId: string): Promise<void> {
  await until(() => p.received.some((m) => m.includes(callId)), 2_000, 'forgery').catch(
    () => undefined
  )
}

/** A REGISTER 2xx written by a client, with its edge's Via on top and a flow's Via under it. */
function forgedRegisterOk(p: Phone, flowToken: string, callId: string, extra: string[]): string {
  return lines([
    'SIP/2.0 200 OK',
    `Via: SIP/2.0/WSS ${edgeHost()};branch=z9hG4bK${uniq()}`,
    `Via: SIP/2.0/HTTP edge.edgewater.internal;branch=z9hG4bK${uniq()};flow=${flowToken}`,
    `From: <${p.line.impu}>;tag=${uniq()}`,
    `To: <${p.line.impu}>;tag=${uniq()}`,
    `Call-ID: ${callId}`,
    'CSeq: 7 REGISTER',
    ...extra,
  ])
}

/** A MESSAGE with P-Preferred-Identity, its final response and what the far end received. */
async function messageAs(from: Phone, to: Phone, preferred: string, body: string) {
  const res = await from.raw('MESSAGE', to.line.impu, {
    body,
    headers: [`P-Preferred-Identity: <${preferred}>`],
  })
  return res
}

describe('finding 1: identities learnt from forged responses', () => {
  it('a client cannot make its own flow assert another subscriber by answering itself a REGISTER', async () => {
    const [lv, lm, lf] = await Promise.all([newLine(), newLine(), newLine()])
    const [victim, mallory, far] = await Promise.all([phone(lv), phone(lm), phone(lf)])

    // Mallory reads her own flow token from the Record-Route of the 200 to her own SUBSCRIBE.
    const subOk = await mallory.raw('SUBSCRIBE', lm.impu, {
      headers: [
        'Event: reg',
        'Expires: 60',
        'Accept: application/reginfo+xml',
        'Contact: <sip:m@raw.invalid;transport=ws>',
      ],
    })
    expect(status(subOk)).toBe(200)
    const rr = subOk.split('\r\n').find((l) => /^Record-Route:/i.test(l) && TOKEN.test(l))
    const own = TOKEN.exec(rr ?? '')?.[1]
    expect(own).toBeDefined()

    // She answers herself a REGISTER she never sent, naming the victim in P-Associated-URI.
    const forged = `forged-${uniq()}`
    await sendRaw(
      mallory,
      forgedRegisterOk(mallory, own!, forged, [
        `Contact: <sip:m@raw.invalid;transport=ws>;+sip.instance="<urn:uuid:${mallory.instance}>";expires=3600`,
        `P-Associated-URI: <${lv.impu}>`,
      ])
    )
    await settle(mallory, forged)
    const res = await messageAs(mallory, far, lv.impu, 'i am the victim')
    expect(status(res)).toBe(403)
    const spoofed = far.messages.filter((m) =>
      (m.getHeader('P-Asserted-Identity') ?? '').includes(lv.number)
    )
    expect(spoofed).toEqual([])

    // The victim is unaffected: what it sends still arrives asserting its own identity.
    const ok = await victim.message(lf.impu, 'the real victim')
    expect(ok.status).toBe(200)
    const got = await until(
      () => far.messages.find((m) => m.body === 'the real victim'),
      10_000,
      'the victim’s MESSAGE'
    )
    expect(got.getHeader('P-Asserted-Identity')).toContain(lv.number)
  })

  it('a client cannot end another flow’s authentication with a forged REGISTER 2xx relayed to it', async () => {
    const [lv, lm, lf] = await Promise.all([newLine(), newLine(), newLine()])
    const [victim, mallory, far] = await Promise.all([phone(lv), phone(lm), phone(lf)])

    // The victim messages Mallory; the edge's Via in that MESSAGE names the victim's flow.
    expect((await victim.message(lm.impu, 'hello mallory')).status).toBe(200)
    const got = await until(() => mallory.messages[0], 10_000, 'the victim’s MESSAGE')
    const via = got.data.split('\r\n').find((l) => /^Via:.*;flow=/i.test(l))
    const victimFlow = TOKEN.exec(via ?? '')?.[1]
    expect(victimFlow).toBeDefined()

    // A REGISTER 2xx with no binding of the victim's: if accepted, the victim's flow is logged out.
    const forged = `forged-${uniq()}`
    await sendRaw(
      mallory,
      forgedRegisterOk(mallory, victimFlow!, forged, [
        'Contact: <sip:nobody@raw.invalid;transport=ws>;expires=0',
        `P-Associated-URI: <${lm.impu}>`,
      ])
    )
    await settle(victim, forged)

    const ok = await victim.message(lf.impu, 'still registered')
    expect(ok.status).toBe(200)
    const got2 = await until(
      () => far.messages.find((m) => m.body === 'still registered'),
      10_000,
      'the victim’s MESSAGE'
    )
    expect(got2.getHeader('P-Asserted-Identity')).toContain(lv.number)
    expect(victim.received.some((m) => m.includes(forged))).toBe(false)
  })
})

describe('finding 5: flow tokens are not bearer capabilities', () => {
  it('a past peer cannot send made-up in-dialog requests straight to a flow', async () => {
    const [lv, lm] = await Promise.all([newLine(), newLine()])
    const [victim, mallory] = await Promise.all([phone(lv), phone(lm)])

    // A real call: Mallory learns the victim's Record-Route entries from the 200.
    const call = mallory.call(lv.impu)
    const inc = await victim.nextCall()
    await inc.answer()
    const ok = await call.waitFor(200)
    await established(call.inviter)
    const rrs = ok.raw
      .split('\r\n')
      .filter((l) => /^Record-Route:/i.test(l))
      .flatMap((l) => l.slice(l.indexOf(':') + 1).split(','))
    const victimRr = rrs.map((r) => /<sip:([^@]+)@/.exec(r)?.[1]).find((u) => u && TOKEN.test(u))
    expect(victimRr).toBeDefined()
    await call.bye()
    await terminated(inc.invitation)

    // Later, with a new Call-ID and a made-up To tag, straight to the victim's flow, and through
    // Sprout's in-dialog forwarding.
    const routes = [
      [`<sip:${victimRr}@edge.edgewater.internal;lr>`],
      ['<sip:sprout.a.edgewater.internal;lr>', `<sip:${victimRr}@edge.edgewater.internal;lr>`],
    ]
    for (const route of routes) {
      const callId = `bypass-${uniq()}`
      const from = mallory.received.length
      await sendRaw(
        mallory,
        lines(
          [
            `MESSAGE ${lv.impu} SIP/2.0`,
            `Via: SIP/2.0/WSS raw.invalid;branch=z9hG4bK${uniq()}`,
            ...route.map((r) => `Route: ${r}`),
            'Max-Forwards: 70',
            `From: <${lm.impu}>;tag=${uniq()}`,
            `To: <${lv.impu}>;tag=${uniq()}`,
            `Call-ID: ${callId}`,
            'CSeq: 1 MESSAGE',
            'Content-Type: text/plain',
          ],
          'skipping the core'
        )
      )
      const answer = await until(
        () =>
          mallory.received
            .slice(from)
            .find((m) => /^SIP\/2\.0 [2-6]\d\d /.test(m) && m.includes(callId)),
        10_000,
        'an answer to the bypass'
      )
      expect(status(answer)).toBe(403)
      expect(victim.received.some((m) => m.includes(callId))).toBe(false)
    }

    // The victim is unaffected: a routed MESSAGE still reaches it.
    expect((await mallory.message(lv.impu, 'routed')).status).toBe(200)
    expect(victim.messages.some((m) => m.body === 'routed')).toBe(true)
  })
})
