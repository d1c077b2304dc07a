import { describe, expect, it } from 'vitest'
import { parseFilterCriteriaXml } from './ifc-parse'

const ELLIS_DEFAULT = `<?xml version="1.0" encoding="UTF-8"?><ServiceProfile><InitialFilterCriteria>
 <TriggerPoint><ConditionTypeCNF>0</ConditionTypeCNF>
  <SPT><ConditionNegated>0</ConditionNegated><Group>0</Group><Method>INVITE</Method><Extension></Extension></SPT>
 </TriggerPoint>
 <ApplicationServer><ServerName>sip:mmtel.example.com</ServerName><DefaultHandling>0</DefaultHandling></ApplicationServer>
</InitialFilterCriteria></ServiceProfile>`

const ifc = (inner: string) =>
  `<ServiceProfile><InitialFilterCriteria>${inner}</InitialFilterCriteria></ServiceProfile>`
const AS = '<ApplicationServer><ServerName>sip:as.example.com</ServerName></ApplicationServer>'
const tp = (spts: string, cnf = '1') =>
  `<TriggerPoint><ConditionTypeCNF>${cnf}</ConditionTypeCNF>${spts}</TriggerPoint>`

describe('parseFilterCriteriaXml (strict)', () => {
  it("accepts Ellis's default iFC and reads it", () => {
    const r = parseFilterCriteriaXml(ELLIS_DEFAULT)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.value.ifcs).toHaveLength(1)
    const i = r.value.ifcs[0]!
    expect(i.priority).toBe(0)
    expect(i.applicationServer).toEqual({
      serverName: 'sip:mmtel.example.com',
      defaultHandling: 'SESSION_CONTINUED',
      includeRegisterRequest: false,
      includeRegisterResponse: false,
    })
    expect(i.triggerPoint?.cnf).toBe(false)
    expect(i.triggerPoint?.spts[0]).toMatchObject({
      negated: false,
      groups: [0],
      condition: { kind: 'method', method: 'INVITE', registrationTypes: [] },
    })
  })

  it('reads every SPT class, priorities, PPI and AS extensions', () => {
    const xml = ifc(
      `<Priority>7</Priority>${tp(`
        <SPT><Group>1</Group><Group>2</Group><Method>REGISTER</Method><Extension><RegistrationType>0</RegistrationType><RegistrationType>2</RegistrationType></Extension></SPT>
        <SPT><ConditionNegated>true</ConditionNegated><Group>1</Group><SIPHeader><Header>^Subject$</Header><Content>urgent</Content></SIPHeader></SPT>
        <SPT><Group>3</Group><SessionCase>4</SessionCase></SPT>
        <SPT><Group>3</Group><RequestURI>^example\\.com$</RequestURI></SPT>
        <SPT><Group>3</Group><SessionDescription><Line>m</Line><Content>video</Content></SessionDescription></SPT>`)}
       <ApplicationServer><ServerName>sip:as</ServerName><DefaultHandling>1</DefaultHandling><ServiceInfo>hello</ServiceInfo>
         <Extension><IncludeRegisterRequest/><IncludeRegisterResponse/></Extension></ApplicationServer>
       <ProfilePartIndicator>1</ProfilePartIndicator>`
    )
    const r = parseFilterCriteriaXml(xml)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    const i = r.value.ifcs[0]!
    expect(i.priority).toBe(7)
    expect(i.profilePartIndicator).toBe(1)
    expect(i.applicationServer).toMatchObject({
      defaultHandling: 'SESSION_TERMINATED',
      serviceInfo: 'hello',
      includeRegisterRequest: true,
      includeRegisterResponse: true,
    })
    const kinds = i.triggerPoint?.spts.map((s) => s.condition.kind)
    expect(kinds).toEqual([
      'method',
      'sip-header',
      'session-case',
      'request-uri',
      'session-description',
    ])
    expect(i.triggerPoint?.spts[0]?.groups).toEqual([1, 2])
    expect(i.triggerPoint?.spts[0]?.condition).toMatchObject({ registrationTypes: [0, 2] })
    expect(i.triggerPoint?.spts[1]?.negated).toBe(true)
  })

  it.each([
    ['<NotAProfile/>', '(document)', /root element must be ServiceProfile/],
    ['<ServiceProfile></ServiceProfile>', 'ServiceProfile.InitialFilterCriteria', /at least one/],
    ['<ServiceProfile><InitialFilterCriteria></ServiceProfile>', '(document)', /not well-formed/],
    [
      ifc(tp('<SPT><Group>0</Group><Method>INVITE</Method></SPT>')),
      'ServiceProfile.InitialFilterCriteria[0].ApplicationServer',
      /missing/,
    ],
    [
      ifc('<ApplicationServer><ServerName></ServerName></ApplicationServer>'),
      'ServiceProfile.InitialFilterCriteria[0].ApplicationServer.ServerName',
      /missing or empty/,
    ],
    [
      ifc(`<Priority>-1</Priority>${AS}`),
      'ServiceProfile.InitialFilterCriteria[0].Priority',
      /between 0/,
    ],
    [
      ifc(`<Priority>high</Priority>${AS}`),
      'ServiceProfile.InitialFilterCriteria[0].Priority',
      /integer/,
    ],
    [
      ifc(`${AS}<ProfilePartIndicator>2</ProfilePartIndicator>`),
      'ServiceProfile.InitialFilterCriteria[0].ProfilePartIndicator',
      /between 0 and 1/,
    ],
    [
      ifc(`<TriggerPoint><SPT><Group>0</Group><Method>INVITE</Method></SPT></TriggerPoint>${AS}`),
      'ServiceProfile.InitialFilterCriteria[0].TriggerPoint.ConditionTypeCNF',
      /missing/,
    ],
    [
      ifc(`${tp('<SPT><Group>0</Group><Method>INVITE</Method></SPT>', 'maybe')}${AS}`),
      'ServiceProfile.InitialFilterCriteria[0].TriggerPoint.ConditionTypeCNF',
      /0, 1, true or false/,
    ],
    [
      ifc(`${tp('<SPT><Method>INVITE</Method></SPT>')}${AS}`),
      'ServiceProfile.InitialFilterCriteria[0].TriggerPoint.SPT[0].Group',
      /missing/,
    ],
    [
      ifc(`${tp('<SPT><Group>0</Group><Extension/></SPT>')}${AS}`),
      'ServiceProfile.InitialFilterCriteria[0].TriggerPoint.SPT[0]',
      /no class element/,
    ],
    [
      ifc(`${tp('<SPT><Group>0</Group><Foo>x</Foo></SPT>')}${AS}`),
      'ServiceProfile.InitialFilterCriteria[0].TriggerPoint.SPT[0].Foo',
      /not a supported SPT class/,
    ],
    [
      ifc(`${tp('<SPT><Group>0</Group><SessionCase>5</SessionCase></SPT>')}${AS}`),
      'ServiceProfile.InitialFilterCriteria[0].TriggerPoint.SPT[0].SessionCase',
      /between 0 and 4/,
    ],
    [
      ifc(`${tp('<SPT><Group>0</Group><RequestURI>(</RequestURI></SPT>')}${AS}`),
      'ServiceProfile.InitialFilterCriteria[0].TriggerPoint.SPT[0].RequestURI',
      /regular expression/,
    ],
    [
      ifc(`${tp('<SPT><Group>0</Group><SIPHeader><Content>x</Content></SIPHeader></SPT>')}${AS}`),
      'ServiceProfile.InitialFilterCriteria[0].TriggerPoint.SPT[0].SIPHeader.Header',
      /missing/,
    ],
    [
      ifc(
        `${tp('<SPT><Group>0</Group><SessionDescription><Content>x</Content></SessionDescription></SPT>')}${AS}`
      ),
      'ServiceProfile.InitialFilterCriteria[0].TriggerPoint.SPT[0].SessionDescription.Line',
      /missing/,
    ],
    [
      ifc(
        `${tp('<SPT><Group>0</Group><Method>REGISTER</Method><Extension><RegistrationType>3</RegistrationType></Extension></SPT>')}${AS}`
      ),
      'ServiceProfile.InitialFilterCriteria[0].TriggerPoint.SPT[0].Extension.RegistrationType[0]',
      /between 0 and 2/,
    ],
    [
      ifc(
        `${tp('<SPT><ConditionNegated>2</ConditionNegated><Group>0</Group><Method>INVITE</Method></SPT>')}${AS}`
      ),
      'ServiceProfile.InitialFilterCriteria[0].TriggerPoint.SPT[0].ConditionNegated',
      /0, 1, true or false/,
    ],
    [
      ifc(
        '<ApplicationServer><ServerName>sip:a</ServerName><DefaultHandling>SESSION_CONTINUED</DefaultHandling></ApplicationServer>'
      ),
      'ServiceProfile.InitialFilterCriteria[0].ApplicationServer.DefaultHandling',
      /0 or 1/,
    ],
    ['<!DOCTYPE x [<!ENTITY a "b">]><ServiceProfile/>', '(document)', /DOCTYPE/],
    // Trigger patterns must compile for the linear-time matcher (ifc-pattern.ts).
    [
      ifc(
        `${tp('<SPT><Group>0</Group><SIPHeader><Header>Subject</Header><Content>^(a+)\\1$</Content></SIPHeader></SPT>')}${AS}`
      ),
      'ServiceProfile.InitialFilterCriteria[0].TriggerPoint.SPT[0].SIPHeader.Content',
      /uses a backreference/,
    ],
    [
      ifc(`${tp('<SPT><Group>0</Group><RequestURI>(?!evil)</RequestURI></SPT>')}${AS}`),
      'ServiceProfile.InitialFilterCriteria[0].TriggerPoint.SPT[0].RequestURI',
      /lookahead or lookbehind/,
    ],
    [
      ifc(
        `${tp(`<SPT><Group>0</Group><SessionDescription><Line>m</Line><Content>${'a'.repeat(300)}</Content></SessionDescription></SPT>`)}${AS}`
      ),
      'ServiceProfile.InitialFilterCriteria[0].TriggerPoint.SPT[0].SessionDescription.Content',
      /300 characters long/,
    ],
  ])('rejects %s', (xml, path, message) => {
    const r = parseFilterCriteriaXml(xml)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.path).toBe(path)
    expect(r.error.message).toMatch(message)
  })
})

describe('parseFilterCriteriaXml (lenient, as the S-CSCF reads)', () => {
  it('skips broken iFCs, keeps the rest, and applies Sprout defaults', () => {
    const xml = `<ServiceProfile>
      <InitialFilterCriteria>${tp('<SPT><Group>0</Group><RequestURI>(</RequestURI></SPT>')}${AS}</InitialFilterCriteria>
      <InitialFilterCriteria><ApplicationServer><ServerName>sip:ok</ServerName><DefaultHandling>bogus</DefaultHandling></ApplicationServer></InitialFilterCriteria>
      <InitialFilterCriteria>${tp('<SPT><ConditionNegated>yes</ConditionNegated><Group>0</Group><Foo/></SPT>')}<ApplicationServer><ServerName>sip:odd</ServerName></ApplicationServer></InitialFilterCriteria>
    </ServiceProfile>`
    const r = parseFilterCriteriaXml(xml, 'lenient')
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.value.skipped).toHaveLength(1)
    expect(r.value.skipped[0]?.path).toBe(
      'ServiceProfile.InitialFilterCriteria[0].TriggerPoint.SPT[0].RequestURI'
    )
    expect(r.value.ifcs.map((i) => [i.index, i.applicationServer.serverName])).toEqual([
      [1, 'sip:ok'],
      [2, 'sip:odd'],
    ])
    expect(r.value.ifcs[0]?.applicationServer.defaultHandling).toBe('SESSION_CONTINUED')
    expect(r.value.ifcs[1]?.triggerPoint?.spts[0]).toMatchObject({
      negated: false,
      condition: { kind: 'unsupported', element: 'Foo' },
    })
  })
})

describe('trigger patterns stored before they were checked (lenient)', () => {
  it('skips an iFC whose pattern the linear-time matcher refuses, with the reason', () => {
    const xml = `<ServiceProfile>
      <InitialFilterCriteria>${tp('<SPT><Group>0</Group><SIPHeader><Header>Subject</Header><Content>(a)\\1</Content></SIPHeader></SPT>')}${AS}</InitialFilterCriteria>
      <InitialFilterCriteria>${tp('<SPT><Group>0</Group><SIPHeader><Header>Subject</Header><Content>^(a+)+$</Content></SIPHeader></SPT>')}${AS}</InitialFilterCriteria>
    </ServiceProfile>`
    const r = parseFilterCriteriaXml(xml, 'lenient')
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.value.skipped).toEqual([
      {
        path: 'ServiceProfile.InitialFilterCriteria[0].TriggerPoint.SPT[0].SIPHeader.Content',
        message: expect.stringMatching(/uses a backreference/),
      },
    ])
    expect(r.value.ifcs.map((i) => i.index)).toEqual([1])
  })
})
