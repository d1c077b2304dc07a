/**
 * The registrar against clearwater-live-test's GRUU registration cases (clearwater-interfaces
 * §10 tests 55–58), with hand-written REGISTERs over the edge: a pub-gruu for each binding with
 * an instance id and none without, a client-suggested pub-gruu replaced, an instance id that
 * needs escaping, and every 200 listing every binding's GRUU.
 */
import { afterEach, describe, expect, it } from 'vitest'
import {
  answerChallenge,
  rawRegister,
  type Subscriber,
  statusOf,
  subscriber,
} from '../integration/registrar-helpers'
import { endpoints } from '../support/cloud'
import { RawSipSocket } from '../support/sip-ua'

const sockets: RawSipSocket[] = []
afterEach(() => {
  for (const s of sockets.splice(0)) s.close()
})

/** Registers `contacts` in one REGISTER (challenge answered); returns the 200's Contact values. */
async function registerContacts(sub: Subscriber, contacts: string[]): Promise<string[]> {
  const ws = await RawSipSocket.open(endpoints().sip.a)
  sockets.push(ws)
  const callId = `gruu-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`
  const contact = contacts.join(', ')
  const ch = await ws.request(rawRegister({ sub, callId, cseq: 1, contact }))
  expect(statusOf(ch)).toBe(401)
  const ok = await ws.request(
    rawRegister({ sub, callId, cseq: 2, contact, authorization: answerChallenge(ch, sub) })
  )
  expect(statusOf(ok)).toBe(200)
  return [...ok.matchAll(/\r\nContact:\s*([^\r]*)/gi)].flatMap((m) => splitContacts(m[1]!))
}

function splitContacts(v: string): string[] {
  const out: string[] = []
  let depth = 0
  let quoted = false
  let cur = ''
  for (const ch of v) {
    if (ch === '"') quoted = !quoted
    if (!quoted && ch === '<') depth++
    if (!quoted && ch === '>') depth--
    if (ch === ',' && !quoted && depth === 0) {
      out.push(cur.trim())
      cur = ''
    } else cur += ch
  }
  if (cur.trim()) out.push(cur.trim())
  return out
}

const gruuOf = (c: string) => /;pub-gruu="([^"]*)"/.exec(c)?.[1]

describe('GRUU on REGISTER (live tests 55–58)', () => {
  it('55: a binding with an instance id gets a pub-gruu, one without gets none', async () => {
    const sub = await subscriber('g55')
    const got = await registerContacts(sub, [
      '<sip:with@raw.invalid;transport=ws;ob>;+sip.instance="<urn:uuid:5e5e5e5e-0000-4000-8000-000000000055>"',
      '<sip:without@raw.invalid;transport=ws>',
    ])
    const withInst = got.find((c) => c.includes('sip:with@'))!
    const without = got.find((c) => c.includes('sip:without@'))!
    expect(gruuOf(withInst)).toBe(`${sub.impu};gr=urn:uuid:5e5e5e5e-0000-4000-8000-000000000055`)
    expect(gruuOf(without)).toBeUndefined()
  })

  it('56: a client-suggested pub-gruu is replaced by the registrar’s', async () => {
    const sub = await subscriber('g56')
    const [c] = await registerContacts(sub, [
      '<sip:s@raw.invalid;transport=ws>;+sip.instance="<urn:uuid:5e5e5e5e-0000-4000-8000-000000000056>";pub-gruu="sip:bogus@evil.invalid;gr=x"',
    ])
    expect(c).not.toContain('bogus')
    expect(gruuOf(c!)).toBe(`${sub.impu};gr=urn:uuid:5e5e5e5e-0000-4000-8000-000000000056`)
  })

  it('57: an instance id that needs escaping is escaped with lower-case hex', async () => {
    const sub = await subscriber('g57')
    const [c] = await registerContacts(sub, [
      '<sip:geo@raw.invalid;transport=ws>;+sip.instance="<geo:37.786971,-122.399677;crs=Moon-2011;u=35>"',
    ])
    expect(gruuOf(c!)).toBe(`${sub.impu};gr=geo:37.786971%2c-122.399677%3bcrs%3dMoon-2011%3bu%3d35`)
  })

  it('58: every 200 lists all three bindings with their GRUUs', async () => {
    const sub = await subscriber('g58')
    const ids = ['1', '2', '3'].map((n) => `urn:uuid:5e5e5e5e-0000-4000-8000-00000000058${n}`)
    let last: string[] = []
    for (const [i, id] of ids.entries())
      last = await registerContacts(sub, [
        `<sip:d${i}@raw.invalid;transport=ws>;+sip.instance="<${id}>"`,
      ])
    expect(last.map(gruuOf).sort()).toEqual(ids.map((id) => `${sub.impu};gr=${id}`).sort())
  })
})
