import { describe, expect, it } from 'vitest'
import { parseSimservs } from './simservs'
import { DEFAULT_SIMSERVS_XML } from './simservs-default'
import { COMMON_POLICY_NS, SIMSERVS_NS } from './simservs-model'

const NS = `xmlns="${SIMSERVS_NS}" xmlns:cp="${COMMON_POLICY_NS}"`
const doc = (inner: string) => `<simservs ${NS}>${inner}</simservs>`
const cdiv = (rules: string, extra = '') =>
  doc(
    `<communication-diversion active="true">${extra}<cp:ruleset>${rules}</cp:ruleset></communication-diversion>`
  )
const rule = (id: string, conditions: string, actions: string) =>
  `<cp:rule id="${id}"><cp:conditions>${conditions}</cp:conditions><cp:actions>${actions}</cp:actions></cp:rule>`
const fwd = (t: string) => `<forward-to><target>${t}</target></forward-to>`

function ok(xml: string) {
  const r = parseSimservs(xml)
  if (!r.ok) throw new Error(`expected valid, got ${r.error.reason}`)
  return r.value
}
function bad(xml: string) {
  const r = parseSimservs(xml)
  if (r.ok) throw new Error('expected a failure')
  return r.error
}

describe('parseSimservs: valid documents', () => {
  it('reads the default document Ellis writes (§1.6)', () => {
    const m = ok(DEFAULT_SIMSERVS_XML)
    expect(m.oip).toEqual({ active: true })
    expect(m.oir).toEqual({ active: true, defaultBehaviour: 'presentation-not-restricted' })
    expect(m.cdiv).toEqual({ active: true, noReplyTimerS: 30, rules: [] })
    expect(m.icb?.rules).toHaveLength(1)
    expect(m.icb?.rules[0]).toMatchObject({ id: 'rule0', allow: true })
    expect(m.icb?.rules[0]?.conditions.unconditional).toBe(true)
    expect(m.ocb?.rules[0]).toMatchObject({ id: 'rule0', allow: true })
    expect(m.extensions).toEqual([])
  })

  it('reads CDIV rules in document order with their conditions', () => {
    const m = ok(
      cdiv(
        rule('r1', '<busy/>', fwd('sip:busy@example.com')) +
          rule('r2', '<no-answer/><media>video</media>', fwd('tel:+15551234')) +
          rule('r3', '', fwd('sip:all@example.com')) +
          rule('r4', '<not-registered/>', fwd('sip:nr@example.com')) +
          rule('r5', '<not-reachable/><media>audio</media>', fwd('sip:x@example.com')),
        '<NoReplyTimer> 45 </NoReplyTimer>'
      )
    )
    const c = m.cdiv!
    expect(c.noReplyTimerS).toBe(45)
    expect(c.rules.map((r) => r.id)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5'])
    expect(c.rules[0]!.conditions).toMatchObject({
      busy: true,
      noAnswer: false,
      unconditional: false,
    })
    expect(c.rules[1]!.conditions).toMatchObject({ noAnswer: true, media: ['video'] })
    expect(c.rules[1]!.forwardTo?.target).toBe('tel:+15551234')
    expect(c.rules[2]!.conditions.unconditional).toBe(true)
    expect(c.rules[3]!.conditions.notRegistered).toBe(true)
    expect(c.rules[4]!.conditions).toMatchObject({ notReachable: true, media: ['audio'] })
    expect(c.rules[0]!.forwardTo).toEqual({
      target: 'sip:busy@example.com',
      notifyCaller: true,
      revealIdentityToCaller: 'true',
      revealServedUserIdentityToCaller: 'true',
      notifyServedUser: false,
      notifyServedUserOnOutboundCall: false,
      revealIdentityToTarget: 'true',
    })
  })

  it('defaults NoReplyTimer to 20 s and OIR to restricted; active defaults to true', () => {
    const m = ok(
      doc(
        '<originating-identity-presentation-restriction/><communication-diversion/>' +
          '<originating-identity-presentation active="0"/>'
      )
    )
    expect(m.cdiv).toEqual({ active: true, noReplyTimerS: 20, rules: [] })
    expect(m.oir).toEqual({ active: true, defaultBehaviour: 'presentation-restricted' })
    expect(m.oip).toEqual({ active: false })
    expect(m.icb).toBeUndefined()
  })

  it('reads barring rules with international conditions and allow actions', () => {
    const m = ok(
      doc(
        `<outgoing-communication-barring active="false"><cp:ruleset>${rule('a', '<international/>', '<allow>false</allow>')}${rule('b', '<international-exHC/><roaming/>', '<allow>1</allow>')}${rule('c', '<anonymous/>', '')}</cp:ruleset></outgoing-communication-barring>`
      )
    )
    const o = m.ocb!
    expect(o.active).toBe(false)
    expect(o.rules[0]).toMatchObject({ id: 'a', allow: false })
    expect(o.rules[0]!.conditions.international).toBe(true)
    expect(o.rules[1]!.conditions).toMatchObject({ internationalExHC: true, roaming: true })
    expect(o.rules[1]!.allow).toBe(true)
    // No allow action: the rule bars (Clearwater's reading).
    expect(o.rules[2]).toMatchObject({ id: 'c', allow: false })
    expect(o.rules[2]!.conditions.anonymous).toBe(true)
  })

  it('accepts prefixed simservs namespaces and decodes entities and character references', () => {
    const m = ok(
      `<?xml version="1.0" encoding="utf-8"?><ss:simservs xmlns:ss="${SIMSERVS_NS}" xmlns:c="${COMMON_POLICY_NS}"><ss:communication-diversion><c:ruleset><c:rule id="x"><c:actions><ss:forward-to><ss:target>sip:a&amp;b&#64;example.com</ss:target></ss:forward-to></c:actions></c:rule></c:ruleset></ss:communication-diversion></ss:simservs>`
    )
    expect(m.cdiv?.rules[0]?.forwardTo?.target).toBe('sip:a&b@example.com')
  })

  it('keeps unknown services and foreign extension elements, listing them', () => {
    const m = ok(
      doc(
        '<communication-waiting active="true"/><x:vendor xmlns:x="urn:example:x"><x:y/></x:vendor>' +
          `<communication-diversion><x:hint xmlns:x="urn:example:x"/><cp:ruleset>${rule('r', '<x:when xmlns:x="urn:example:x"/>', `${fwd('sip:a@b')}<x:log xmlns:x="urn:example:x"/>`)}</cp:ruleset></communication-diversion>` +
          '<extensions/>'
      )
    )
    expect(m.extensions).toEqual([
      `{${SIMSERVS_NS}}communication-waiting`,
      '{urn:example:x}vendor',
      `{${SIMSERVS_NS}}extensions`,
    ])
    expect(m.cdiv?.rules[0]?.conditions.other).toEqual(['{urn:example:x}when'])
    expect(m.cdiv?.rules[0]?.conditions.unconditional).toBe(false)
  })

  it('reads common-policy identity and validity conditions', () => {
    const m = ok(
      doc(
        `<incoming-communication-barring><cp:ruleset>${rule('r', '<cp:identity><cp:one id="sip:spam@example.net"/><cp:many domain="bad.example"><cp:except id="sip:ok@bad.example"/></cp:many></cp:identity><cp:validity><cp:from>2026-01-01T00:00:00Z</cp:from><cp:until>2026-02-01T00:00:00Z</cp:until></cp:validity>', '<allow>false</allow>')}</cp:ruleset></incoming-communication-barring>`
      )
    )
    const c = m.icb!.rules[0]!.conditions
    expect(c.identity).toEqual({
      one: ['sip:spam@example.net'],
      many: [{ domain: 'bad.example', except: [{ id: 'sip:ok@bad.example' }] }],
    })
    expect(c.validity).toEqual([{ from: '2026-01-01T00:00:00Z', until: '2026-02-01T00:00:00Z' }])
  })

  it('records each element span so a node selector can return it as stored', () => {
    const xml = DEFAULT_SIMSERVS_XML
    const r = parseSimservs(xml)
    if (!r.ok) throw new Error(r.error.reason)
    const cd = r.root.children.find((c) => c.local === 'communication-diversion')!
    expect(xml.slice(cd.start, cd.end)).toMatch(
      /^<communication-diversion active="true">[\s\S]*<\/communication-diversion>$/
    )
  })
})

describe('parseSimservs: rejected documents name the element', () => {
  it.each([
    ['<simservs', 'not-well-formed', /simservs/],
    [`<simservs ${NS}><a></b></simservs>`, 'not-well-formed', /closing tag/],
    [`<!DOCTYPE simservs><simservs ${NS}/>`, 'not-well-formed', /DOCTYPE/],
    [
      doc('<communication-diversion><NoReplyTimer>a & b</NoReplyTimer></communication-diversion>'),
      'not-well-formed',
      /&/,
    ],
    [`<simservs ${NS}><p:x/></simservs>`, 'not-well-formed', /prefix 'p' is not declared/],
    [`<?xml version="1.0" encoding="ISO-8859-1"?><simservs ${NS}/>`, 'not-utf-8', /ISO-8859-1/],
    [`<simservs/>`, 'schema-validation-error', /namespace/],
    [`<services ${NS}/>`, 'schema-validation-error', /root element must be <simservs>/],
  ] as const)('%s → %s', (xml, kind, reason) => {
    const e = bad(xml)
    expect(e.kind).toBe(kind)
    expect(e.reason).toMatch(reason)
  })

  it.each([
    [
      cdiv('', '<NoReplyTimer>300</NoReplyTimer>'),
      'simservs/communication-diversion/NoReplyTimer',
      /300 is outside 5\.\.180/,
    ],
    [
      cdiv('', '<NoReplyTimer>soon</NoReplyTimer>'),
      'simservs/communication-diversion/NoReplyTimer',
      /not a whole number/,
    ],
    [
      cdiv('', '<NoReplyTimer>20</NoReplyTimer><NoReplyTimer>30</NoReplyTimer>'),
      'simservs/communication-diversion/NoReplyTimer',
      /more than once/,
    ],
    [
      cdiv(rule('r1', '<bussy/>', fwd('sip:a@b'))),
      'simservs/communication-diversion/ruleset/rule[@id="r1"]/conditions/bussy',
      /not a known condition/,
    ],
    [
      cdiv(rule('r1', '<busy>yes</busy>', fwd('sip:a@b'))),
      'simservs/communication-diversion/ruleset/rule[@id="r1"]/conditions/busy',
      /must be empty/,
    ],
    [
      cdiv(rule('r1', '', '<forward-to/>')),
      'simservs/communication-diversion/ruleset/rule[@id="r1"]/actions/forward-to',
      /needs a <target>/,
    ],
    [
      cdiv(rule('r1', '', '<allow>true</allow>')),
      'simservs/communication-diversion/ruleset/rule[@id="r1"]/actions/allow',
      /not an action of communication-diversion/,
    ],
    [
      cdiv('<cp:rule><cp:conditions/></cp:rule>'),
      'simservs/communication-diversion/ruleset/rule',
      /needs an 'id'/,
    ],
    [
      cdiv('<cp:rule id="1st"/>'),
      'simservs/communication-diversion/ruleset/rule[@id="1st"]',
      /not a valid xs:ID/,
    ],
    [
      cdiv('<cp:rule id="r"><cp:when/></cp:rule>'),
      'simservs/communication-diversion/ruleset/rule[@id="r"]/when',
      /not allowed in <rule>/,
    ],
    [
      doc(
        '<incoming-communication-barring><cp:ruleset>' +
          rule('r', '', '<allow>maybe</allow>') +
          '</cp:ruleset></incoming-communication-barring>'
      ),
      'simservs/incoming-communication-barring/ruleset/rule[@id="r"]/actions/allow',
      /'maybe' is not a boolean/,
    ],
    [
      doc(
        '<originating-identity-presentation-restriction><default-behaviour>hidden</default-behaviour></originating-identity-presentation-restriction>'
      ),
      'simservs/originating-identity-presentation-restriction/default-behaviour',
      /'hidden' is not one of presentation-restricted, presentation-not-restricted/,
    ],
    [
      doc('<originating-identity-presentation active="yes"/>'),
      'simservs/originating-identity-presentation/@active',
      /'yes' is not a boolean/,
    ],
    [
      doc('<communication-diversion/><communication-diversion/>'),
      'simservs/communication-diversion',
      /more than once/,
    ],
    [
      doc(
        '<outgoing-communication-barring><NoReplyTimer>20</NoReplyTimer></outgoing-communication-barring>'
      ),
      'simservs/outgoing-communication-barring/NoReplyTimer',
      /not allowed in <outgoing-communication-barring>/,
    ],
    [
      doc(
        '<originating-identity-presentation><default-behaviour/></originating-identity-presentation>'
      ),
      'simservs/originating-identity-presentation/default-behaviour',
      /not allowed/,
    ],
    [
      cdiv(rule('r', '<media/>', fwd('sip:a@b'))),
      'simservs/communication-diversion/ruleset/rule[@id="r"]/conditions/media',
      /must name a media type/,
    ],
    [
      cdiv(
        rule(
          'r',
          '<cp:validity><cp:from>today</cp:from><cp:until>2026-01-01T00:00:00Z</cp:until></cp:validity>',
          fwd('sip:a@b')
        )
      ),
      'simservs/communication-diversion/ruleset/rule[@id="r"]/conditions/validity/from',
      /not an xs:dateTime/,
    ],
  ])('%#: %s', (xml, element, reason) => {
    const e = bad(xml)
    expect(e.kind).toBe('schema-validation-error')
    expect(e.element).toBe(element)
    expect(e.reason).toMatch(reason)
    expect(e.reason.startsWith(element)).toBe(true)
  })

  it('reports duplicate rule ids as a uniqueness failure with the clashing field', () => {
    const e = bad(cdiv(rule('r1', '<busy/>', fwd('sip:a@b')) + rule('r1', '', fwd('sip:c@d'))))
    expect(e.kind).toBe('uniqueness-failure')
    expect(e.field).toBe('simservs/communication-diversion/ruleset/rule[@id="r1"]/@id')
    expect(e.reason).toMatch(/rule id 'r1' is already used/)
  })

  it('lets the same rule id appear in two different rulesets (the default document does)', () => {
    expect(parseSimservs(DEFAULT_SIMSERVS_XML).ok).toBe(true)
  })
})
