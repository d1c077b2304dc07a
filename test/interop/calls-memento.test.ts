/**
 * Memento's call lists with real sip.js calls through the local cloud (clearwater-interfaces §8,
 * §10 tests 77–84): lines whose iFCs invoke the built-in Memento before MMTEL, calls answered,
 * rejected, cancelled, to an unknown number, barred and anonymous, then each party's list through
 * the edge's call-list API with HTTP Digest, the API key, and the statuses of §8.
 */
import { describe, expect, it } from 'vitest'
import { endpoints } from '../support/cloud'
import { established, newLine, terminated } from './calls-support'
import { callListUrl, digestGet, listOf, mementoIfcs, parseCallList } from './memento-support'
import { phonesForEachTest } from './phone-pool'

const NS =
  'xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap" xmlns:cp="urn:ietf:params:xml:ns:common-policy"'
const simservs = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><simservs ${NS}>${body}</simservs>`

const phone = phonesForEachTest()
const line = (simservsXml?: string) =>
  newLine({ ifcs: mementoIfcs(), ...(simservsXml ? { simservs: simservsXml } : {}) })
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

describe('calls recorded by Memento (tests 79–84)', () => {
  it('an answered call is in both lists, with answer and end times (test 79)', async () => {
    const [la, lb] = await Promise.all([line(), line()])
    const [a, b] = await Promise.all([phone(la), phone(lb)])
    const call = a.call(lb.impu)
    const inc = await b.nextCall()
    await inc.answer()
    expect((await call.final).status).toBe(200)
    await established(call.inviter)
    await call.bye()
    await terminated(call.inviter)
    const [mine] = await listOf(la, (c) => c[0]?.['end-time'] !== undefined)
    expect(mine).toMatchObject({
      to: { URI: lb.impu },
      from: { URI: la.impu },
      answered: '1',
      outgoing: '1',
    })
    expect(mine!['start-time']).toMatch(ISO)
    expect(mine!['answer-time']! >= mine!['start-time']).toBe(true)
    expect(mine!['end-time']! >= mine!['answer-time']!).toBe(true)
    const [theirs] = await listOf(lb, (c) => c[0]?.['end-time'] !== undefined)
    expect(theirs).toMatchObject({
      from: { URI: la.impu },
      to: { URI: lb.impu },
      answered: '1',
      outgoing: '0',
    })
  })

  it('a call to an unknown number is an unanswered outgoing call (test 80)', async () => {
    const la = await line()
    const a = await phone(la)
    const nobody = `sip:65${String(Date.now()).slice(-8)}9@${endpoints().homeDomain}`
    const call = a.call(nobody)
    expect((await call.final).status).toBe(480)
    const [c] = await listOf(la)
    expect(c).toMatchObject({ to: { URI: nobody }, answered: '0', outgoing: '1' })
    expect(c!['answer-time']).toBeUndefined()
    expect(c!['end-time']).toBeUndefined()
  })

  it('a rejected call is unanswered on both sides (test 81)', async () => {
    const [la, lb] = await Promise.all([line(), line()])
    const [a, b] = await Promise.all([phone(la), phone(lb)])
    const call = a.call(lb.impu)
    await (await b.nextCall()).reject(486)
    expect((await call.final).status).toBe(486)
    expect((await listOf(la))[0]).toMatchObject({ answered: '0', outgoing: '1' })
    expect((await listOf(lb))[0]).toMatchObject({ answered: '0', outgoing: '0' })
  })

  it('a cancelled call is unanswered on both sides (test 82)', async () => {
    const [la, lb] = await Promise.all([line(), line()])
    const [a, b] = await Promise.all([phone(la), phone(lb)])
    const call = a.call(lb.impu)
    const inc = await b.nextCall()
    await inc.ring()
    await call.waitFor(180)
    await call.cancel()
    expect((await call.final).status).toBe(487)
    expect((await listOf(la))[0]).toMatchObject({ answered: '0', outgoing: '1' })
    expect((await listOf(lb))[0]).toMatchObject({ answered: '0', outgoing: '0' })
  })

  it('a caller who restricts its identity is Anonymous in the callee list only (test 83)', async () => {
    const oir = simservs(
      '<originating-identity-presentation-restriction active="true"><default-behaviour>presentation-restricted</default-behaviour></originating-identity-presentation-restriction>'
    )
    const [la, lb] = await Promise.all([line(oir), line()])
    const [a, b] = await Promise.all([phone(la), phone(lb)])
    const call = a.call(lb.impu)
    await (await b.nextCall()).answer()
    expect((await call.final).status).toBe(200)
    await call.bye()
    expect((await listOf(lb))[0]!.from).toEqual({
      URI: 'sip:anonymous@anonymous.invalid',
      name: 'Anonymous',
    })
    expect((await listOf(la))[0]!.from.URI).toBe(la.impu)
  })

  it('a call the caller bars is recorded, unanswered (test 84)', async () => {
    const bar = simservs(
      '<outgoing-communication-barring active="true"><cp:ruleset><cp:rule id="r"><cp:conditions/><cp:actions><allow>false</allow></cp:actions></cp:rule></cp:ruleset></outgoing-communication-barring>'
    )
    const [la, lb] = await Promise.all([line(bar), line()])
    const a = await phone(la)
    const call = a.call(lb.impu)
    expect((await call.final).status).toBe(603)
    expect((await listOf(la))[0]).toMatchObject({ to: { URI: lb.impu }, answered: '0' })
  })
})

describe('the call-list API through the edge (tests 77, 78)', () => {
  it('a wrong password is 403 (test 77)', async () => {
    const la = await line()
    const res = await digestGet(la.impu, { impi: la.impi, password: 'wrong' })
    expect(res.status).toBe(403)
  })

  it("another user's credentials on a list are 404 (test 78)", async () => {
    const [la, lb] = await Promise.all([line(), line()])
    const res = await digestGet(la.impu, lb)
    expect(res.status).toBe(404)
  })

  it('no credentials get a digest challenge; another method is 405', async () => {
    const la = await line()
    const res = await fetch(callListUrl(la.impu))
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Digest realm=".+", qop="auth"/)
    const put = await fetch(callListUrl(la.impu), { method: 'PUT', body: '<call-list/>' })
    expect(put.status).toBe(405)
    expect(put.headers.get('allow')).toBe('GET')
  })

  it('a new line has an empty list; gzip when asked; the API key reads any list', async () => {
    const la = await line()
    const plain = await digestGet(la.impu, la)
    expect(plain.status).toBe(200)
    expect(await plain.text()).toContain('<call-list><calls></calls></call-list>')
    const zipped = await digestGet(la.impu, la, { 'accept-encoding': 'gzip' })
    expect(zipped.status).toBe(200)
    expect(zipped.headers.get('content-encoding')).toBe('gzip')
    expect(parseCallList(await zipped.text())).toEqual([])
    const keyed = await fetch(callListUrl(la.impu), {
      headers: { 'NGV-API-Key': endpoints().ellisApiKey },
    })
    expect(keyed.status).toBe(200)
    const wrongKey = await fetch(callListUrl(la.impu), { headers: { 'NGV-API-Key': 'nope' } })
    expect(wrongKey.status).toBe(403)
  })
})
