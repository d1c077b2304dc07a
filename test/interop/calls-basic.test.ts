/**
 * Basic calls between real sip.js clients through the local cloud (clearwater-interfaces §10
 * tests 1–7 and 10, architecture §8's round-trip budget): INVITE/180/200/ACK/BYE in one region and
 * across regions, a call while the callee's home region is down, an unregistered callee, a
 * rejection, MESSAGE, tel URIs and reliable provisional responses (PRACK).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { dime, enc } from '../integration/dime-helpers'
import { regionDown, regionUp } from '../support/cloud'
import {
  callIdOf,
  established,
  newLine,
  Phone,
  routingCost,
  terminated,
  until,
  VIDEO_SDP,
} from './calls-support'

const phones: Phone[] = []
afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.stop()))
})
async function phone(...args: Parameters<typeof Phone.start>) {
  const p = await Phone.start(...args)
  phones.push(p)
  return p
}

describe('basic calls (tests 1, 2, 4, 5)', () => {
  it('connects, talks and hangs up in one region; the INVITE costs ≤ 3 sequential store round trips', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const [a, b] = await Promise.all([phone(la), phone(lb, { sdp: VIDEO_SDP })])
    const call = a.call(lb.impu)
    const inc = await b.nextCall()
    expect(inc.header('P-Called-Party-ID')).toBe(`<${lb.impu}>`)
    expect(inc.request.body).toContain('m=audio')
    await inc.ring()
    await call.waitFor(180)
    await inc.answer()
    const ok = await call.final
    expect(ok.status).toBe(200)
    // The answer's SDP passes through untouched.
    expect(ok.raw).toContain('m=video')
    await established(call.inviter)
    await established(inc.invitation)
    // Sprout stays in the dialog, so it asks for a session interval (RFC 4028 §8.1).
    expect(inc.header('Session-Expires')).toBe('600')
    await call.bye()
    await terminated(inc.invitation)
    await terminated(call.inviter)
    // sip.js sends a 180 of its own as soon as the INVITE arrives, then ours.
    expect([...new Set(call.statuses())]).toEqual([100, 180, 200])
    const cost = await routingCost('a', callIdOf(call))
    const fwd = cost.find((t) => t.what === 'forward' && t.method === 'INVITE')!
    // Sprout: its reads (MMTEL settings of both users, the callee's bindings, and Homestead's
    // reg-data of both users, in process) in parallel, then the transaction record: 2
    // sequential round trips, none in Dime.
    expect(fwd.depth as number).toBeLessThanOrEqual(3)
    expect(fwd.sproutDepth as number).toBe(2)
    expect(fwd.dimeDepth as number).toBe(0)
    const answered = cost.find(
      (t) => t.what === 'response' && t.status === 200 && t.method === 'INVITE'
    )!
    expect(answered.depth as number).toBe(1)
  })

  it('answers 100 then 480 for a callee who is not registered (test 4)', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const a = await phone(la)
    const call = a.call(lb.impu)
    expect((await call.final).status).toBe(480)
    expect(call.statuses()).toEqual([100, 480])
  })

  it('relays the callee’s rejection (test 5)', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const [a, b] = await Promise.all([phone(la), phone(lb)])
    const call = a.call(lb.impu)
    const inc = await b.nextCall()
    await inc.reject(486)
    expect((await call.final).status).toBe(486)
    // Sprout acknowledged the 486 towards the callee: its transaction ends cleanly.
    await terminated(inc.invitation)
  })
})

describe('charging (clearwater-interfaces §5.11)', () => {
  it('records START and STOP for both roles of an answered call, EVENT for a failed one', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const [a, b] = await Promise.all([phone(la), phone(lb)])
    const call = a.call(lb.impu)
    const inc = await b.nextCall()
    await inc.answer()
    await call.final
    const cdrs = async (callId: string) =>
      (
        (await (await dime('GET', `/cdrs?call-id=${enc(callId)}`)).json()) as {
          cdrs: Array<{ accounting_record_type: number; role_of_node: number }>
        }
      ).cdrs
    const id = callIdOf(call)
    // Talk until Ralf has opened both charging sessions (a START carries its interim timer).
    await until(async () => (await cdrs(id)).length === 2, 10_000, 'START records')
    await call.bye()
    await terminated(inc.invitation)
    const got = await until(
      async () => {
        const c = await cdrs(id)
        return c.filter((x) => x.accounting_record_type === 4).length === 2 ? c : undefined
      },
      10_000,
      'STOP records'
    )
    const kinds = got.map((c) => `${c.accounting_record_type}:${c.role_of_node}`).sort()
    expect(kinds).toEqual(['2:0', '2:1', '4:0', '4:1'])
    const failed = a.call(la.impu.replace(/\d{3}@/, '000@'))
    expect((await failed.final).status).toBe(480)
    const events = await until(
      async () => {
        const c = await cdrs(callIdOf(failed))
        return c.length > 0 ? c : undefined
      },
      10_000,
      'EVENT record'
    )
    expect(events.every((c) => c.accounting_record_type === 1)).toBe(true)
  })
})

describe('messages and numbers (tests 3, 6)', () => {
  it('delivers MESSAGE end to end, to a SIP URI and to a tel URI of the callee', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const [a, b] = await Promise.all([phone(la), phone(lb)])
    expect((await a.message(lb.impu, 'hello')).status).toBe(200)
    await until(() => b.messages.length === 1, 5_000, 'MESSAGE delivered')
    expect(b.messages[0]!.body).toBe('hello')
    // sip.js can neither address nor parse a tel URI: the phone writes that MESSAGE by hand on
    // its flow, with the callee's SIP URI in To (which the callee's sip.js must parse).
    expect(await a.raw('MESSAGE', `tel:${lb.number}`, { body: 'by number', to: lb.impu })).toMatch(
      /^SIP\/2\.0 200 /
    )
    await until(() => b.messages.length === 2, 5_000, 'tel MESSAGE delivered')
    expect(b.messages[1]!.getHeader('P-Called-Party-ID')).toBe(
      `<sip:${lb.number}@${lb.impu.split('@')[1]}>`
    )
  })
})

describe('implicit registration sets (tests 8, 10)', () => {
  it('registers with digest, lists every identity of the set, and rings the phone for each', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    // A second public identity in the callee's set (Homestead-prov, §2.2).
    const alias = lb.impu.replace('@', '9@')
    const sp = (await dime('GET', `/public/${enc(lb.impu)}/service_profile`)).headers.get(
      'location'
    )!
    const put = await dime(
      'PUT',
      `${sp}/public_ids/${enc(alias)}`,
      `<PublicIdentity><Identity>${alias}</Identity></PublicIdentity>`
    )
    expect(put.status).toBe(200)
    const [a, b] = await Promise.all([phone(la), phone(lb)])
    const ok = b.receivedMatching(/^SIP\/2\.0 200 /).find((m) => /CSeq: \d+ REGISTER/.test(m))!
    expect(ok).toMatch(new RegExp(`P-Associated-URI:[^\r]*${alias.replace(/[.+]/g, '\\$&')}`, 'i'))
    expect(b.receivedMatching(/^SIP\/2\.0 401 /).length).toBeGreaterThan(0)
    const call = a.call(alias)
    const inc = await b.nextCall()
    expect(inc.header('P-Called-Party-ID')).toBe(`<${alias}>`)
    await inc.answer()
    expect((await call.final).status).toBe(200)
    await call.bye()
  })
})

describe('reliable provisional responses (test 7)', () => {
  it('passes PRACK for a 180 with Require: 100rel through in the early dialog', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const [a, b] = await Promise.all([phone(la), phone(lb)])
    const call = a.call(lb.impu)
    const inc = await b.nextCall()
    await inc.invitation.progress({ statusCode: 183, rel100: true })
    await until(
      () =>
        a.received.some((m) => /^PRACK |^SIP\/2.0 200 OK/.test(m) || false) ||
        b.received.some((m) => m.startsWith('PRACK ')),
      10_000,
      'PRACK reached the callee'
    )
    const prack = b.received.find((m) => m.startsWith('PRACK '))!
    expect(prack).toMatch(/RAck: \d+ 1 INVITE/i)
    await inc.answer()
    expect((await call.final).status).toBe(200)
    await call.bye()
  })
})

describe('two regions', () => {
  it('connects a caller on region a’s edge to a callee on region b’s', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine({ region: 'b' })])
    const [a, b] = await Promise.all([phone(la, { region: 'a' }), phone(lb, { region: 'b' })])
    const call = a.call(lb.impu)
    const inc = await b.nextCall()
    await inc.answer()
    expect((await call.final).status).toBe(200)
    await established(inc.invitation)
    // The callee hangs up this time: its BYE follows the route set back through Sprout.
    await inc.invitation.bye()
    await terminated(call.inviter)
  })

  it('connects a call while the callee’s home region is down', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine({ region: 'b' })])
    const b = await phone(lb, { region: 'b' })
    const a = await phone(la, { region: 'a' })
    await regionDown('b')
    try {
      const call = a.call(lb.impu)
      const inc = await b.nextCall()
      await inc.answer()
      expect((await call.final).status).toBe(200)
      await call.bye()
      await terminated(inc.invitation)
    } finally {
      await regionUp('b')
    }
  })
})
