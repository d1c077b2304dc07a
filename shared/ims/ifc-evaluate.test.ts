import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type IfcContext,
  type IfcRequestView,
  ifcMatches,
  matchingIfcs,
  requestUriMatchText,
} from './ifc-evaluate'
import type { InitialFilterCriteria, ServicePointTrigger } from './ifc-model'
import { parseFilterCriteriaXml } from './ifc-parse'
import { MatchBudget } from './ifc-pattern'

function ifcsOf(xml: string): InitialFilterCriteria[] {
  const r = parseFilterCriteriaXml(xml)
  if (!r.ok) throw new Error(`${r.error.path}: ${r.error.message}`)
  return r.value.ifcs
}
const one = (trigger: string, extra = '') =>
  ifcsOf(
    `<ServiceProfile><InitialFilterCriteria>${trigger}<ApplicationServer><ServerName>sip:as</ServerName></ApplicationServer>${extra}</InitialFilterCriteria></ServiceProfile>`
  )[0]!
const tp = (spts: string, cnf = 1) =>
  `<TriggerPoint><ConditionTypeCNF>${cnf}</ConditionTypeCNF>${spts}</TriggerPoint>`
const spt = (cls: string, group = 0, neg = 0) =>
  `<SPT><ConditionNegated>${neg}</ConditionNegated><Group>${group}</Group>${cls}</SPT>`

const invite: IfcRequestView = {
  method: 'INVITE',
  requestUri: 'sip:6505550002@example.com:5060;transport=tcp',
  headers: [
    { name: 'From', value: '<sip:6505550001@example.com>;tag=1' },
    { name: 'Subject', value: 'urgent call' },
    { name: 'Content-Type', value: 'application/sdp' },
  ],
  body: {
    contentType: 'application/sdp',
    text: 'v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 0\r\nm=video 4002 RTP/AVP 96\r\n',
  },
}
const orig: IfcContext = { sessionCase: 'originating', registered: true }

describe('requestUriMatchText (TS 29.228 Table F.1 as Sprout reads it)', () => {
  it.each([
    ['sip:alice@example.com', 'example.com'],
    ['sip:alice@example.com:5060;transport=tcp?Subject=x', 'example.com:5060'],
    ['sips:+1650;npdi@host.example.com;user=phone', 'host.example.com'],
    ['sip:[2001:db8::1]:5070;lr', '[2001:db8::1]:5070'],
    ['sip:example.com', 'example.com'],
    ['tel:+16505550001;phone-context=example.com', '+16505550001'],
    ['urn:service:sos', 'service:sos'],
    ['mailto:a@b', ''],
  ])('%s → %s', (uri, text) => expect(requestUriMatchText(uri)).toBe(text))
})

describe('SPT classes', () => {
  it('Method matches the method exactly', () => {
    expect(ifcMatches(one(tp(spt('<Method>INVITE</Method>'))), invite, orig)).toBe(true)
    expect(ifcMatches(one(tp(spt('<Method>invite</Method>'))), invite, orig)).toBe(false)
  })

  it('REGISTER with RegistrationType distinguishes initial, re- and de-registration (ORed)', () => {
    const reg = (types: number[]) =>
      one(
        tp(
          spt(
            `<Method>REGISTER</Method><Extension>${types.map((t) => `<RegistrationType>${t}</RegistrationType>`).join('')}</Extension>`
          )
        )
      )
    const base: IfcRequestView = { method: 'REGISTER', requestUri: 'sip:example.com', headers: [] }
    const initial = { ...base, initialRegistration: true }
    const rereg = { ...base, initialRegistration: false }
    const dereg = { ...base, deregistration: true }
    expect([initial, rereg, dereg].map((r) => ifcMatches(reg([0]), r, orig))).toEqual([
      true,
      false,
      false,
    ])
    expect([initial, rereg, dereg].map((r) => ifcMatches(reg([1]), r, orig))).toEqual([
      false,
      true,
      false,
    ])
    expect([initial, rereg, dereg].map((r) => ifcMatches(reg([2]), r, orig))).toEqual([
      false,
      false,
      true,
    ])
    expect([initial, rereg, dereg].map((r) => ifcMatches(reg([0, 2]), r, orig))).toEqual([
      true,
      false,
      true,
    ])
    expect([initial, rereg, dereg].map((r) => ifcMatches(reg([]), r, orig))).toEqual([
      true,
      true,
      true,
    ])
    expect(ifcMatches(reg([0]), invite, orig)).toBe(false)
  })

  it('SIPHeader matches the name case-insensitively and searches the value', () => {
    const h = (header: string, content?: string) =>
      one(
        tp(
          spt(
            `<SIPHeader><Header>${header}</Header>${content === undefined ? '' : `<Content>${content}</Content>`}</SIPHeader>`
          )
        )
      )
    expect(ifcMatches(h('subject'), invite, orig)).toBe(true)
    expect(ifcMatches(h('^Subject$', 'urgent'), invite, orig)).toBe(true)
    expect(ifcMatches(h('^Subject$', '^call'), invite, orig)).toBe(false)
    expect(ifcMatches(h('P-Asserted-Identity'), invite, orig)).toBe(false)
    // Content is searched in the value of a header whose name matched, not any header.
    expect(ifcMatches(h('^From$', 'urgent'), invite, orig)).toBe(false)
  })

  it('SessionCase uses the session case and registration state', () => {
    const cases: Array<[IfcContext, number]> = [
      [{ sessionCase: 'originating', registered: true }, 0],
      [{ sessionCase: 'terminating', registered: true }, 1],
      [{ sessionCase: 'terminating', registered: false }, 2],
      [{ sessionCase: 'originating', registered: false }, 3],
      [{ sessionCase: 'originating-cdiv', registered: true }, 4],
    ]
    for (const [ctx, code] of cases)
      for (let c = 0; c <= 4; c++)
        expect(ifcMatches(one(tp(spt(`<SessionCase>${c}</SessionCase>`))), invite, ctx)).toBe(
          c === code
        )
  })

  it('RequestURI searches the hostport / number', () => {
    expect(
      ifcMatches(one(tp(spt('<RequestURI>^example\\.com:5060$</RequestURI>'))), invite, orig)
    ).toBe(true)
    expect(ifcMatches(one(tp(spt('<RequestURI>6505550002</RequestURI>'))), invite, orig)).toBe(
      false
    )
    const tel = { ...invite, requestUri: 'tel:+16505550002' }
    expect(ifcMatches(one(tp(spt('<RequestURI>^\\+1650</RequestURI>'))), tel, orig)).toBe(true)
  })

  it('SessionDescription matches SDP lines by type letter and content', () => {
    const sd = (line: string, content?: string) =>
      one(
        tp(
          spt(
            `<SessionDescription><Line>${line}</Line>${content === undefined ? '' : `<Content>${content}</Content>`}</SessionDescription>`
          )
        )
      )
    expect(ifcMatches(sd('m', 'video'), invite, orig)).toBe(true)
    expect(ifcMatches(sd('m', '^audio 4000 RTP/AVP 0$'), invite, orig)).toBe(true)
    expect(ifcMatches(sd('m', 'text'), invite, orig)).toBe(false)
    expect(ifcMatches(sd('b'), invite, orig)).toBe(false)
    expect(ifcMatches(sd('c'), invite, orig)).toBe(true)
    const noSdp = { ...invite, body: { contentType: 'text/plain', text: 'm=video' } }
    expect(ifcMatches(sd('m'), noSdp, orig)).toBe(false)
  })
})

describe('trigger point combination', () => {
  it('no TriggerPoint matches unconditionally', () => {
    expect(ifcMatches(one(''), invite, orig)).toBe(true)
  })

  it('CNF: OR within a group, AND across groups', () => {
    const t = tp(
      spt('<Method>MESSAGE</Method>', 1) +
        spt('<Method>INVITE</Method>', 1) +
        spt('<SessionCase>0</SessionCase>', 2),
      1
    )
    expect(ifcMatches(one(t), invite, orig)).toBe(true)
    expect(ifcMatches(one(t), invite, { sessionCase: 'terminating', registered: true })).toBe(false)
  })

  it('DNF: AND within a group, OR across groups', () => {
    const t = tp(
      spt('<Method>INVITE</Method>', 1) +
        spt('<SessionCase>1</SessionCase>', 1) +
        spt('<Method>MESSAGE</Method>', 2),
      0
    )
    expect(ifcMatches(one(t), invite, orig)).toBe(false)
    expect(ifcMatches(one(t), invite, { sessionCase: 'terminating', registered: true })).toBe(true)
  })

  it('negation applies per SPT before grouping', () => {
    const t = tp(spt('<Method>INVITE</Method>', 0, 1))
    expect(ifcMatches(one(t), invite, orig)).toBe(false)
    expect(ifcMatches(one(t), { ...invite, method: 'MESSAGE' }, orig)).toBe(true)
  })

  it('a TriggerPoint with no SPTs gives true for CNF and false for DNF (Sprout)', () => {
    expect(ifcMatches(one(tp('', 1)), invite, orig)).toBe(true)
    expect(ifcMatches(one(tp('', 0)), invite, orig)).toBe(false)
  })

  it('agrees with a reference CNF/DNF evaluator on random trigger points', () => {
    const sptArb = fc.record({
      value: fc.boolean(),
      negated: fc.boolean(),
      groups: fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }),
    })
    fc.assert(
      fc.property(fc.boolean(), fc.array(sptArb, { maxLength: 6 }), (cnf, spts) => {
        // Each SPT's truth is decided by its method: INVITE (true) or BYE (false).
        const model: ServicePointTrigger[] = spts.map((s) => ({
          negated: s.negated,
          groups: s.groups,
          condition: { kind: 'method', method: s.value ? 'INVITE' : 'BYE', registrationTypes: [] },
        }))
        const ifc: InitialFilterCriteria = {
          priority: 0,
          index: 0,
          applicationServer: {
            serverName: 'sip:as',
            defaultHandling: 'SESSION_CONTINUED',
            includeRegisterRequest: false,
            includeRegisterResponse: false,
          },
          triggerPoint: { cnf, spts: model },
        }
        const groups = [...new Set(spts.flatMap((s) => s.groups))]
        const inGroup = (g: number) =>
          spts.filter((s) => s.groups.includes(g)).map((s) => s.value !== s.negated)
        const expected = cnf
          ? groups.every((g) => inGroup(g).some(Boolean))
          : groups.some((g) => inGroup(g).every(Boolean))
        expect(ifcMatches(ifc, invite, orig)).toBe(expected)
      })
    )
  })
})

describe('ProfilePartIndicator, priority order', () => {
  it('PPI 0 runs only when registered, 1 only when unregistered', () => {
    const reg = one('', '<ProfilePartIndicator>0</ProfilePartIndicator>')
    const unreg = one('', '<ProfilePartIndicator>1</ProfilePartIndicator>')
    const term = (registered: boolean): IfcContext => ({ sessionCase: 'terminating', registered })
    expect([ifcMatches(reg, invite, term(true)), ifcMatches(reg, invite, term(false))]).toEqual([
      true,
      false,
    ])
    expect([ifcMatches(unreg, invite, term(true)), ifcMatches(unreg, invite, term(false))]).toEqual(
      [false, true]
    )
  })

  it('orders matches by ascending priority, document order breaking ties', () => {
    const as = (n: string, prio?: number) =>
      `<InitialFilterCriteria>${prio === undefined ? '' : `<Priority>${prio}</Priority>`}<ApplicationServer><ServerName>sip:${n}</ServerName></ApplicationServer></InitialFilterCriteria>`
    const ifcs = ifcsOf(
      `<ServiceProfile>${as('c', 5)}${as('a')}${as('d', 5)}${as('b', 1)}${as('e', 0)}</ServiceProfile>`
    )
    expect(matchingIfcs(ifcs, invite, orig).map((i) => i.applicationServer.serverName)).toEqual([
      'sip:a',
      'sip:e',
      'sip:b',
      'sip:c',
      'sip:d',
    ])
  })
})

describe('regular-expression SPTs run on the linear-time matcher (ifc-pattern.ts)', () => {
  const evil = one(
    tp(spt('<SIPHeader><Header>^Subject$</Header><Content>^(a+)+$</Content></SIPHeader>'))
  )
  const withSubject = (value: string): IfcRequestView => ({
    ...invite,
    headers: [...invite.headers.filter((h) => h.name !== 'Subject'), { name: 'Subject', value }],
  })

  it('answers the catastrophic-backtracking pattern of issue 14 at once', () => {
    // A backtracking engine takes 2^n steps on this subject; 4000 characters would never end.
    expect(ifcMatches(evil, withSubject(`${'a'.repeat(4000)}!`), orig)).toBe(false)
    expect(ifcMatches(evil, withSubject('a'.repeat(4000)), orig)).toBe(true)
    // Over the subject limit (4096 by default) the value is not tested.
    expect(ifcMatches(evil, withSubject('a'.repeat(5000)), orig)).toBe(false)
  })

  it('shares one match budget across an evaluation; once spent, patterns stop matching', () => {
    const ifcs = Array.from({ length: 4 }, () => evil)
    const req = withSubject('a'.repeat(100))
    expect(matchingIfcs(ifcs, req, orig)).toHaveLength(4)
    const header = evil.triggerPoint!.spts[0]!.condition
    if (header.kind !== 'sip-header') throw new Error('SIPHeader expected')
    // Enough for the header names and one Subject value, not for two.
    const perIfc =
      req.headers.reduce((n, h) => n + header.header.programSize * (h.name.length + 1), 0) +
      header.content!.programSize * 101
    const budget = new MatchBudget(perIfc + perIfc / 2)
    expect(matchingIfcs(ifcs, req, { ...orig, budget })).toHaveLength(1)
    expect(budget.remaining).toBe(0)
  })

  it('folds case for the header name only', () => {
    const ifc = one(
      tp(spt('<SIPHeader><Header>^subject$</Header><Content>^URGENT</Content></SIPHeader>'))
    )
    expect(ifcMatches(ifc, withSubject('URGENT call'), orig)).toBe(true)
    expect(ifcMatches(ifc, withSubject('urgent call'), orig)).toBe(false)
  })
})
