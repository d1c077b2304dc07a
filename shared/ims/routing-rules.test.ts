import { describe, expect, it } from 'vitest'
import { parseUri } from '../sip/uri'
import { buildAcr, recordTypeOf } from './acr-build'
import { isBuiltInMmtel, nextMatchingIfc, odiRoute, odiTokenOf, pServedUser } from './as-chain'
import { parseFilterCriteriaXml } from './ifc-parse'
import {
  applyEnumRegex,
  bgcfRoute,
  dialledNumber,
  enumLookup,
  isOffNetSip,
  translateRequestUri,
} from './number-translation'
import { requestSessionExpires, responseSessionTimer } from './session-timer'

const cfg = {
  enumBlocks: [],
  defaultTelUriTranslation: true,
  homeDomain: 'example.com',
  enforceUserPhone: false,
  enforceGlobalOnly: false,
}

describe('number translation (clearwater-interfaces §5.8)', () => {
  it('finds the dialled number of tel and numeric SIP URIs', () => {
    expect(dialledNumber(parseUri('tel:+1-650-555-0001'), cfg)).toBe('+16505550001')
    expect(dialledNumber(parseUri('sip:6505550001@example.com'), cfg)).toBe('6505550001')
    expect(dialledNumber(parseUri('sip:alice@example.com'), cfg)).toBeUndefined()
    expect(
      dialledNumber(parseUri('sip:6505550001@example.com'), { ...cfg, enforceUserPhone: true })
    ).toBeUndefined()
    expect(
      dialledNumber(parseUri('sip:6505550001@example.com;user=phone'), {
        ...cfg,
        enforceUserPhone: true,
      })
    ).toBe('6505550001')
  })

  it('applies ENUM blocks by longest prefix with POSIX back-references', () => {
    expect(applyEnumRegex('!(^.*$)!sip:\\1@example.com!', '6505550001')).toBe(
      'sip:6505550001@example.com'
    )
    const blocks = [
      { prefix: '650', regex: '!(^.*$)!sip:\\1@short.example!' },
      { prefix: '650555', regex: '!(^.*$)!sip:\\1@long.example!' },
      { prefix: '44', regex: '!(^.*$)!tel:\\1!' },
    ]
    expect(enumLookup('6505550001', blocks)).toBe('sip:6505550001@long.example')
    expect(enumLookup('+6501230000', blocks)).toBe('sip:+6501230000@short.example')
    expect(enumLookup('4420', blocks)).toBeUndefined()
  })

  it('turns tel URIs into home-domain SIP URIs by default', () => {
    expect(translateRequestUri(parseUri('tel:6505550001'), cfg)).toEqual({
      kind: 'tel-default',
      uri: 'sip:6505550001@example.com',
      number: '6505550001',
    })
    expect(
      translateRequestUri(parseUri('tel:6505550001'), { ...cfg, defaultTelUriTranslation: false })
        .kind
    ).toBe('none')
  })

  it('routes off-net by domain and number prefix', () => {
    const routes = [
      { domain: 'partner.example', route: ['sip:ibcf.partner.example;lr'] },
      { number: '+44', route: ['sip:uk-trunk.example;lr'] },
      { domain: '*', route: ['sip:default-trunk.example;lr'] },
    ]
    expect(bgcfRoute(parseUri('sip:bob@partner.example'), routes, undefined)).toEqual([
      'sip:ibcf.partner.example;lr',
    ])
    expect(bgcfRoute(parseUri('tel:+4420'), routes, '+4420')).toEqual(['sip:uk-trunk.example;lr'])
    expect(bgcfRoute(parseUri('sip:x@else.example'), routes, undefined)).toEqual([
      'sip:default-trunk.example;lr',
    ])
    expect(isOffNetSip(parseUri('sip:x@else.example'), ['example.com'])).toBe(true)
    expect(isOffNetSip(parseUri('sip:x@EXAMPLE.com'), ['example.com'])).toBe(false)
  })
})

describe('session timers (RFC 4028 §8)', () => {
  const c = { targetSeconds: 600, minSeSeconds: 90 }
  it('sets a missing or too long interval, never below Min-SE', () => {
    expect(requestSessionExpires({ sessionExpires: undefined, minSe: undefined }, c)).toBe(600)
    expect(requestSessionExpires({ sessionExpires: 1800, minSe: undefined }, c)).toBe(600)
    expect(requestSessionExpires({ sessionExpires: 300, minSe: undefined }, c)).toBeUndefined()
    expect(requestSessionExpires({ sessionExpires: undefined, minSe: 900 }, c)).toBe(900)
  })
  it('makes the UAC the refresher when the UAS did not choose', () => {
    expect(
      responseSessionTimer({
        status: 200,
        responseHasSessionExpires: false,
        uacSupportsTimer: true,
        requestSessionExpires: 600,
      })
    ).toEqual([
      ['Session-Expires', '600;refresher=uac'],
      ['Require', 'timer'],
    ])
    expect(
      responseSessionTimer({
        status: 200,
        responseHasSessionExpires: true,
        uacSupportsTimer: true,
        requestSessionExpires: 600,
      })
    ).toEqual([])
    expect(
      responseSessionTimer({
        status: 200,
        responseHasSessionExpires: false,
        uacSupportsTimer: false,
        requestSessionExpires: 600,
      })
    ).toEqual([])
  })
})

describe('AS chain helpers', () => {
  it('builds P-Served-User and ODI routes', () => {
    expect(pServedUser('sip:a@x', 'orig', true)).toBe('<sip:a@x>;sescase=orig;regstate=reg')
    expect(pServedUser('sip:a@x', 'term', false)).toBe('<sip:a@x>;sescase=term;regstate=unreg')
    expect(pServedUser('sip:a@x', 'orig-cdiv', true)).toBe('<sip:a@x>;orig-cdiv')
    expect(odiRoute('abc123', 'sprout.a.edgewater.internal', 'orig')).toBe(
      '<sip:odi_abc123@sprout.a.edgewater.internal;lr;service=scscf;orig>'
    )
    expect(odiTokenOf('odi_abc123')).toBe('abc123')
    expect(odiTokenOf('alice')).toBeUndefined()
  })

  it('recognises the built-in MMTEL', () => {
    expect(isBuiltInMmtel('sip:mmtel.example.com', 'example.com')).toBe(true)
    expect(isBuiltInMmtel('sip:mmtel@example.com', 'example.com')).toBe(true)
    expect(isBuiltInMmtel('sip:test.as.edgewater.internal', 'example.com')).toBe(false)
  })

  it('walks iFCs in priority order from a position', () => {
    const xml = `<ServiceProfile>
      <InitialFilterCriteria><Priority>2</Priority><TriggerPoint><ConditionTypeCNF>0</ConditionTypeCNF><SPT><ConditionNegated>0</ConditionNegated><Group>0</Group><Method>INVITE</Method></SPT></TriggerPoint><ApplicationServer><ServerName>sip:two.as.edgewater.internal</ServerName><DefaultHandling>0</DefaultHandling></ApplicationServer></InitialFilterCriteria>
      <InitialFilterCriteria><Priority>1</Priority><TriggerPoint><ConditionTypeCNF>0</ConditionTypeCNF><SPT><ConditionNegated>0</ConditionNegated><Group>0</Group><Method>MESSAGE</Method></SPT></TriggerPoint><ApplicationServer><ServerName>sip:one.as.edgewater.internal</ServerName><DefaultHandling>1</DefaultHandling></ApplicationServer></InitialFilterCriteria>
    </ServiceProfile>`
    const doc = parseFilterCriteriaXml(xml, 'lenient')
    if (!doc.ok) throw new Error('parse')
    const view = { method: 'INVITE', requestUri: 'sip:b@x', headers: [] }
    const ctx = { sessionCase: 'originating' as const, registered: true }
    const first = nextMatchingIfc(doc.value.ifcs, 0, view, ctx)
    expect(first?.ifc.applicationServer.serverName).toBe('sip:two.as.edgewater.internal')
    expect(first?.index).toBe(1)
    expect(nextMatchingIfc(doc.value.ifcs, 2, view, ctx)).toBeUndefined()
  })
})

describe('ACRs (clearwater-interfaces §5.11)', () => {
  it('picks record types per transaction', () => {
    expect(recordTypeOf('INVITE', 200, false)).toBe('START')
    expect(recordTypeOf('INVITE', 486, false)).toBe('EVENT')
    expect(recordTypeOf('INVITE', 200, true)).toBe('INTERIM')
    expect(recordTypeOf('BYE', 200, true)).toBe('STOP')
    expect(recordTypeOf('MESSAGE', 200, false)).toBe('EVENT')
    expect(recordTypeOf('ACK', 200, true)).toBeUndefined()
  })
  it('builds Ralf’s JSON', () => {
    const acr = buildAcr({
      type: 'START',
      role: 'term',
      method: 'INVITE',
      callId: 'c1',
      icid: 'icid1',
      origIoi: 'example.com',
      termIoi: undefined,
      callingParty: ['sip:a@x'],
      calledParty: 'sip:b@x',
      from: 'sip:a@x',
      atMs: 1_700_000_000_123,
      statusCode: 200,
      ccfs: ['cdf.example.com'],
      interimIntervalS: 600,
    })
    expect(acr).toMatchObject({
      peers: { ccf: ['cdf.example.com'] },
      event: {
        'Accounting-Record-Type': 2,
        'Acct-Interim-Interval': 600,
        'Service-Information': {
          'IMS-Information': {
            'Role-Of-Node': 1,
            'Node-Functionality': 0,
            'IMS-Charging-Identifier': 'icid1',
          },
        },
      },
    })
  })
})

describe('Call-Diversion AS URI (clearwater-interfaces §5.9 item 5)', () => {
  it('reads target, conditions and timer from the URI', async () => {
    const { cdivServiceFromUri, isCallDiversionAs } = await import('./cdiv-as-uri')
    const uri =
      'sip:communication-diversion.example.com;target=sip:c%40example.com;conditions=busy+no-answer+bogus;no-reply-timer=30'
    expect(isCallDiversionAs(uri, 'example.com')).toBe(true)
    expect(isCallDiversionAs('sip:mmtel.example.com', 'example.com')).toBe(false)
    const s = cdivServiceFromUri(uri)!
    expect(s.noReplyTimerS).toBe(30)
    expect(s.rules[0]!.forwardTo!.target).toBe('sip:c@example.com')
    expect(s.rules[0]!.conditions).toMatchObject({
      busy: true,
      noAnswer: true,
      notRegistered: false,
      unconditional: false,
    })
    expect(
      cdivServiceFromUri('sip:communication-diversion.example.com;target=sip:c%40x')!.rules[0]!
        .conditions.unconditional
    ).toBe(true)
    expect(cdivServiceFromUri('sip:communication-diversion.example.com')).toBeUndefined()
  })
})
