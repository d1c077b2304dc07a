/**
 * Application servers over ISC with real sip.js clients through the local cloud
 * (clearwater-interfaces §5.5, §5.6, §10 tests 69–74): the test application server on both sides
 * of a call (P-Served-User, ODI routes, responses back through it), an AS that answers the call
 * itself and receives the ACK and BYE, one that rejects or redirects, a silent one skipped or
 * failing the call by its default handling, a retargeting AS (originating-CDIV), and third-party
 * REGISTERs.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { signRequest } from '../../shared/hop/signature'
import { endpoints } from '../support/cloud'
import { asLog, callIdOf, established, newLine, Phone, terminated, until } from './calls-support'

const phones: Phone[] = []
afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.stop()))
})
async function phone(...args: Parameters<typeof Phone.start>) {
  const p = await Phone.start(...args)
  phones.push(p)
  return p
}
const as = (name: string) => `sip:${name}.as.edgewater.internal`
const invite = { method: 'INVITE' } as const

describe('ISC interface (tests 69–71, 74)', () => {
  it('passes a call through proxying ASs on both sides, with P-Served-User and ODI routes', async () => {
    const [la, lb] = await Promise.all([
      newLine({ ifcs: [{ server: as('proxy'), conditions: [invite, { sessionCase: 0 }] }] }),
      newLine({ ifcs: [{ server: as('proxy2'), conditions: [invite, { sessionCase: 1 }] }] }),
    ])
    const [a, b] = await Promise.all([phone(la), phone(lb)])
    const call = a.call(lb.impu)
    const inc = await b.nextCall()
    await inc.answer()
    expect((await call.final).status).toBe(200)
    await established(call.inviter)
    await call.bye()
    await terminated(inc.invitation)
    const log = await asLog('a', callIdOf(call))
    const orig = log.find((r) => r.as === 'proxy' && r.kind === 'request' && r.method === 'INVITE')!
    expect(orig.headers['p-served-user']![0]).toBe(`<${la.impu}>;sescase=orig;regstate=reg`)
    expect(orig.headers.route!.join(',')).toMatch(
      /<sip:odi_[0-9a-f]{24}\.0\.0@sprout\.a\.edgewater\.internal;lr;service=scscf;orig>/
    )
    const term = log.find(
      (r) => r.as === 'proxy2' && r.kind === 'request' && r.method === 'INVITE'
    )!
    expect(term.headers['p-served-user']![0]).toBe(`<${lb.impu}>;sescase=term;regstate=reg`)
    // The 200 came back through both application servers.
    expect(
      log
        .filter((r) => r.kind === 'response' && r.status === 200 && r.method === 'INVITE')
        .map((r) => r.as)
        .sort()
    ).toEqual(['proxy', 'proxy2'])
  })

  it('lets an AS answer the call itself; the caller’s ACK and BYE reach it (test 69)', async () => {
    const [la, lb] = await Promise.all([
      newLine(),
      newLine({ ifcs: [{ server: as('answer'), conditions: [invite] }] }),
    ])
    const [a, b] = await Promise.all([phone(la), phone(lb)])
    const call = a.call(lb.impu)
    expect((await call.final).status).toBe(200)
    await established(call.inviter)
    // ACK and BYE are separate hops and may overtake each other (a UAS must cope with a BYE
    // before the ACK): hang up only once the AS has the ACK, as a person would after talking.
    const answered = (m: string) => async () =>
      (await asLog('a', callIdOf(call))).some(
        (r) => r.as === 'answer' && r.kind === 'request' && r.method === m
      )
    await until(answered('ACK'), 5_000, 'ACK reached the AS')
    await call.bye()
    await terminated(call.inviter)
    expect(b.incoming).toHaveLength(0)
    // sip.js ends the session as it sends the BYE: wait for the BYE's answer.
    await until(
      () => a.receivedMatching(/^SIP\/2\.0 200 /).some((m) => / BYE\r\n/.test(m)),
      5_000,
      'BYE answered'
    )
    const log = await asLog('a', callIdOf(call))
    expect(
      log.filter((r) => r.as === 'answer' && r.kind === 'request').map((r) => r.method)
    ).toEqual(['INVITE', 'ACK', 'BYE'])
  })

  it('relays an AS’s 404 to the caller (test 71)', async () => {
    const [la, lb] = await Promise.all([
      newLine(),
      newLine({ ifcs: [{ server: as('reject-404'), conditions: [invite] }] }),
    ])
    const a = await phone(la)
    const call = a.call(lb.impu)
    expect((await call.final).status).toBe(404)
  })

  it('relays an AS’s 302; the caller calls the new target (test 74)', async () => {
    const [la, lb, lc] = await Promise.all([
      newLine(),
      newLine({ ifcs: [{ server: as('redirect'), conditions: [invite] }] }),
      newLine(),
    ])
    const [a, c] = await Promise.all([phone(la), phone(lc)])
    const call = a.call(lb.impu, { headers: [`X-Test-As: redirect=redirect:${lc.impu}`] })
    const r = await call.final
    expect(r.status).toBe(302)
    expect(r.header('Contact')).toBe(`<${lc.impu}>`)
    const again = a.call(lc.impu)
    const inc = await c.nextCall()
    await inc.ring()
    await inc.answer()
    expect((await again.final).status).toBe(200)
    await again.bye()
  })
})

describe('B2BUA application server (test 75)', () => {
  it('bridges a new call it places to the callee, with ringing, answer and hang-up', async () => {
    const [la, lb] = await Promise.all([
      newLine(),
      // The B2BUA's own INVITE carries X-Test-B2bua, which keeps it out of the chain.
      newLine({
        ifcs: [
          { server: as('b2bua'), conditions: [invite, { header: 'X-Test-B2bua', negated: true }] },
        ],
      }),
    ])
    const [a, b] = await Promise.all([phone(la), phone(lb)])
    const call = a.call(lb.impu)
    const inc = await b.nextCall()
    // The callee sees the B2BUA's call: its own Call-ID, the original caller in From.
    expect(inc.request.callId).not.toBe(callIdOf(call))
    expect(inc.header('From')).toContain(la.impu)
    await inc.ring()
    await call.waitFor(180)
    await inc.answer()
    expect((await call.final).status).toBe(200)
    await established(call.inviter)
    await established(inc.invitation)
    await call.bye()
    await terminated(inc.invitation)
  })
})

describe('AS failure and default handling (clearwater-interfaces §5.6)', () => {
  it('skips a silent SESSION_CONTINUED AS after 2 s and completes the call', async () => {
    const [la, lb] = await Promise.all([
      newLine({
        ifcs: [
          { server: as('silent'), defaultHandling: 0, conditions: [invite, { sessionCase: 0 }] },
        ],
      }),
      newLine(),
    ])
    const [a, b] = await Promise.all([phone(la), phone(lb)])
    const t0 = Date.now()
    const call = a.call(lb.impu)
    const inc = await b.nextCall(15_000)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_800)
    await inc.answer()
    expect((await call.final).status).toBe(200)
    await call.bye()
  }, 30_000)

  it('fails the call with 408 when a SESSION_TERMINATED AS stays silent for 4 s', async () => {
    const [la, lb] = await Promise.all([
      newLine({
        ifcs: [
          { server: as('silent2'), defaultHandling: 1, conditions: [invite, { sessionCase: 0 }] },
        ],
      }),
      newLine(),
    ])
    const [a, b] = await Promise.all([phone(la), phone(lb)])
    const t0 = Date.now()
    const call = a.call(lb.impu)
    expect((await call.final).status).toBe(408)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3_800)
    expect(b.incoming).toHaveLength(0)
  }, 30_000)

  it('skips an AS that answers 503 before it is responsive (SESSION_CONTINUED)', async () => {
    const [la, lb] = await Promise.all([
      newLine({ ifcs: [{ server: as('fail'), conditions: [invite, { sessionCase: 0 }] }] }),
      newLine(),
    ])
    const [a, b] = await Promise.all([phone(la), phone(lb)])
    const call = a.call(lb.impu)
    const inc = await b.nextCall()
    await inc.answer()
    expect((await call.final).status).toBe(200)
    await call.bye()
  })
})

describe('retargeting (orig-cdiv)', () => {
  it('treats a terminating AS that changes the Request-URI as a diversion by the served user', async () => {
    const lc = await newLine()
    const [la, lb] = await Promise.all([
      newLine(),
      newLine({ ifcs: [{ server: as('retarget'), conditions: [invite, { sessionCase: 1 }] }] }),
    ])
    const [a, b, c] = await Promise.all([phone(la), phone(lb), phone(lc)])
    const call = a.call(lb.impu, { headers: [`X-Test-As: retarget=retarget:${lc.impu}`] })
    const inc = await c.nextCall()
    await inc.answer()
    expect((await call.final).status).toBe(200)
    expect(b.incoming).toHaveLength(0)
    await call.bye()
  })
})

describe('third-party registration (tests 72, 73)', () => {
  async function received(impu: string) {
    const url = `${endpoints().functions.a.sprout}/test-as/received?impu=${encodeURIComponent(impu)}`
    const sig = await signRequest(endpoints().hopSecret, 'GET', url, null)
    return (
      (await (await fetch(url, { headers: sig })).json()) as {
        received: Array<{ expires: number | null; method: string }>
      }
    ).received
  }

  it('sends the AS a REGISTER with Expires 300 on registration and 0 on unregistration', async () => {
    const l = await newLine({
      ifcs: [{ server: as('test'), conditions: [{ method: 'REGISTER' }] }],
    })
    const p = await Phone.start(l)
    const poll = async (ok: (r: Array<{ expires: number | null }>) => boolean) => {
      for (let i = 0; i < 100; i++) {
        const r = await received(l.impu)
        if (ok(r)) return r
        await new Promise((res) => setTimeout(res, 100))
      }
      return received(l.impu)
    }
    expect((await poll((r) => r.length > 0))[0]?.expires).toBe(300)
    await p.stop()
    await poll((r) => r.some((x) => x.expires === 0))
    expect((await received(l.impu)).map((r) => r.expires)).toContain(0)
  })
})
