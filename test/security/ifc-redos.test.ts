/**
 * Issue 14 finding 3: catastrophic backtracking in subscriber-written iFCs. A subscriber signs up
 * through Ellis, gets a number and writes its own iFCs (`PUT …/numbers/<uri>/ifcs`, as
 * Clearwater's Ellis allowed). A trigger that cannot be matched in linear time (a backreference)
 * is refused with 400 and the reason; the classic exponential pattern `^(a+)+$` is accepted but
 * matched by the linear-time matcher. The attacker then calls with `Subject: aaaa…a!`, which
 * takes a backtracking engine 2^n steps: its INVITE gets its final response, and a call between
 * two other subscribers through the same Sprout, placed meanwhile, completes too.
 * Drives the real local cloud: Ellis through the edge's `/api`, calls over WebSocket SIP.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  allocate,
  body,
  call,
  edgeApi,
  type NumberJson,
  signUp,
  uniqueEmail,
} from '../integration/ellis-support'
import { type Line, newLine, Phone, terminated } from '../interop/calls-support'
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

/** An iFC document: one iFC on INVITE with a Subject trigger, served by the built-in MMTEL. */
function subjectIfc(content: string): string {
  const mmtel = `sip:mmtel.${endpoints().homeDomain}`
  return `<?xml version="1.0" encoding="UTF-8"?><ServiceProfile><InitialFilterCriteria><Priority>0</Priority><TriggerPoint><ConditionTypeCNF>0</ConditionTypeCNF><SPT><ConditionNegated>0</ConditionNegated><Group>0</Group><Method>INVITE</Method></SPT><SPT><ConditionNegated>0</ConditionNegated><Group>0</Group><SIPHeader><Header>Subject</Header><Content>${content}</Content></SIPHeader></SPT></TriggerPoint><ApplicationServer><ServerName>${mmtel}</ServerName><DefaultHandling>0</DefaultHandling></ApplicationServer></InitialFilterCriteria></ServiceProfile>`
}

/** A subscriber of Ellis: an account, one number, its SIP credentials and the settings base. */
async function ellisSubscriber(): Promise<{ line: Line; cookie: string; ifcsUrl: string }> {
  const email = uniqueEmail('ifc-redos')
  const cookie = await signUp(email)
  const r = await allocate('a', email, cookie)
  expect(r.status).toBe(200)
  const n = (await r.json()) as NumberJson
  const line: Line = {
    impu: n.sip_uri,
    impi: n.private_id,
    number: n.sip_uri.replace(/^sip:([^@]+)@.*$/, '$1'),
    password: n.sip_password ?? '',
  }
  const ifcsUrl = edgeApi('a', `/accounts/${email}/numbers/${encodeURIComponent(n.sip_uri)}/ifcs`)
  return { line, cookie, ifcsUrl }
}

describe('subscriber-written iFC triggers cannot stall Sprout (finding 3)', () => {
  // One Ellis subscriber for both tests (sign-up hashes a password: slow on a loaded machine).
  let attacker: Awaited<ReturnType<typeof ellisSubscriber>>
  beforeAll(async () => {
    attacker = await ellisSubscriber()
  })

  it('refuses a backreference with 400 and the reason, and keeps the stored iFCs', async () => {
    const { cookie, ifcsUrl } = attacker
    const before = await (await call(ifcsUrl, { headers: { cookie } })).text()
    const r = await call(ifcsUrl, {
      method: 'PUT',
      headers: { cookie, 'content-type': 'application/xml' },
      body: subjectIfc('^(a+)\\1$'),
    })
    expect(r.status).toBe(400)
    const reason = JSON.stringify(await body(r))
    expect(reason).toContain('SIPHeader.Content')
    expect(reason).toMatch(/backreference/)
    expect(await (await call(ifcsUrl, { headers: { cookie } })).text()).toBe(before)
  })

  // 60 s: three lines are provisioned and three phones registered before the calls, which can
  // take more than the default 30 s on a loaded machine (the old code never answers at all).
  it('matches ^(a+)+$ in linear time: the evil INVITE and a concurrent call both complete', async () => {
    const put = await call(attacker.ifcsUrl, {
      method: 'PUT',
      headers: { cookie: attacker.cookie, 'content-type': 'application/xml' },
      body: subjectIfc('^(a+)+$'),
    })
    expect(put.status).toBe(200)
    const [nobody, la, lb] = await Promise.all([newLine(), newLine(), newLine()])
    const [evil, a, b] = await Promise.all([phone(attacker.line), phone(la), phone(lb)])

    // 41 characters: about 2^41 steps for a backtracking engine, so it never answers.
    const attack = evil.call(nobody.impu, { headers: [`Subject: ${'a'.repeat(40)}!`] })
    await attack.waitFor(100)
    const victimCall = a.call(lb.impu)
    const incoming = await b.nextCall(20_000)
    await incoming.answer()

    const [attackFinal, victimFinal] = await Promise.all([attack.final, victimCall.final])
    // The callee is provisioned but not registered: 480 (clearwater-interfaces §10 test 4).
    expect(attackFinal.status).toBe(480)
    expect(victimFinal.status).toBe(200)
    await victimCall.bye()
    await terminated(incoming.invitation)
  }, 60_000)
})
