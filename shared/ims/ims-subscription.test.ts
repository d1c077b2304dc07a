import { describe, expect, it } from 'vitest'
import {
  associatedUris,
  buildImsSubscriptionXml,
  defaultPublicIdentity,
  imsSubscriptionDocument,
  pAssociatedUris,
  parseImsSubscriptionXml,
  publicIdentityFor,
  serviceProfileFor,
} from './ims-subscription'
import { effectiveIdentity, parsePublicIdentityXml } from './public-identity'
import { buildRegDataXml, parseRegDataXml } from './reg-data-xml'
import { parseXml } from './xml-tree'

const IFC = `<?xml version="1.0" encoding="UTF-8"?><ServiceProfile><InitialFilterCriteria><TriggerPoint><ConditionTypeCNF>0</ConditionTypeCNF><SPT><ConditionNegated>0</ConditionNegated><Group>0</Group><Method>INVITE</Method><Extension></Extension></SPT></TriggerPoint><ApplicationServer><ServerName>sip:mmtel.example.com</ServerName><DefaultHandling>0</DefaultHandling></ApplicationServer></InitialFilterCriteria></ServiceProfile>`
const pub = (id: string, barred = false, ext = '') =>
  `<PublicIdentity><Identity>${id}</Identity>${barred ? '<BarringIndication>1</BarringIndication>' : ''}${ext}</PublicIdentity>`

describe('PublicIdentity', () => {
  it('reads Identity, BarringIndication, IdentityType, wildcards', () => {
    const r = parsePublicIdentityXml(
      `<PublicIdentity><Identity>sip:!.*!@example.com</Identity><BarringIndication>true</BarringIndication><Extension><IdentityType>3</IdentityType><Extension><Extension><WildcardedIMPU>sip:610!.*!@example.com</WildcardedIMPU></Extension></Extension></Extension></PublicIdentity>`
    )
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.value).toMatchObject({
      barred: true,
      identityType: 3,
      wildcardedImpu: 'sip:610!.*!@example.com',
    })
    expect(effectiveIdentity(r.value)).toBe('sip:610!.*!@example.com')
  })

  it.each([
    ['<Other/>', '(document)', /root element must be PublicIdentity/],
    ['<PublicIdentity/>', 'PublicIdentity.Identity', /missing/],
    [
      '<PublicIdentity><Identity>alice</Identity></PublicIdentity>',
      'PublicIdentity.Identity',
      /sip:, sips: or tel:/,
    ],
    [
      pub('sip:a@b', false, '<BarringIndication>2</BarringIndication>'),
      'PublicIdentity.BarringIndication',
      /0, 1, true or false/,
    ],
    [
      pub('sip:a@b', false, '<Extension><IdentityType>9</IdentityType></Extension>'),
      'PublicIdentity.Extension.IdentityType',
      /between 0 and 4/,
    ],
    ['<PublicIdentity><Identity>sip:a@b</Identity>', '(document)', /not well-formed/],
  ])('rejects %s', (xml, path, msg) => {
    const r = parsePublicIdentityXml(xml)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.path).toBe(path)
    expect(r.error.message).toMatch(msg)
  })
})

describe('IMS subscription assembly', () => {
  const built = buildImsSubscriptionXml('6505550001@example.com', [
    { filterCriteriaXml: IFC, publicIdentityXmls: [pub('sip:6505550001@example.com')] },
    { publicIdentityXmls: [pub('tel:+16505550001'), pub('sip:barred@example.com', true)] },
    { filterCriteriaXml: IFC, publicIdentityXmls: [] },
  ])

  it('builds the TS 29.228 shape and parses back', () => {
    expect(built.ok).toBe(true)
    if (!built.ok) return
    const xml = built.value
    expect(
      xml.startsWith(
        '<IMSSubscription xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="CxDataType.xsd"><PrivateID>6505550001@example.com</PrivateID><ServiceProfile><PublicIdentity>'
      )
    ).toBe(true)
    // Profiles without identities are left out; PublicIdentity precedes the iFCs.
    expect(xml.match(/<ServiceProfile>/g)).toHaveLength(2)
    expect(xml.indexOf('<PublicIdentity>')).toBeLessThan(xml.indexOf('<InitialFilterCriteria>'))
    const doc = imsSubscriptionDocument(xml)
    expect(doc.startsWith('<?xml version="1.0" encoding="UTF-8"?><IMSSubscription')).toBe(true)
    const parsed = parseImsSubscriptionXml(doc)
    expect(parsed.ok).toBe(true)
    if (!parsed.ok) return
    const sub = parsed.value
    expect(sub.privateId).toBe('6505550001@example.com')
    expect(sub.serviceProfiles).toHaveLength(2)
    expect(sub.serviceProfiles[0]?.ifcs[0]?.applicationServer.serverName).toBe(
      'sip:mmtel.example.com'
    )
    expect(sub.serviceProfiles[1]?.ifcs).toEqual([])
    expect(associatedUris(sub)).toEqual([
      { uri: 'sip:6505550001@example.com', barred: false },
      { uri: 'tel:+16505550001', barred: false },
      { uri: 'sip:barred@example.com', barred: true },
    ])
    expect(defaultPublicIdentity(sub)).toBe('sip:6505550001@example.com')
    expect(pAssociatedUris(sub)).toEqual(['sip:6505550001@example.com', 'tel:+16505550001'])
    expect(serviceProfileFor(sub, 'tel:+16505550001')).toBe(sub.serviceProfiles[1])
    expect(publicIdentityFor(sub, 'sip:barred@example.com')?.barred).toBe(true)
    expect(serviceProfileFor(sub, 'sip:nobody@example.com')).toBeUndefined()
  })

  it('picks the first unbarred identity as default', () => {
    const r = buildImsSubscriptionXml('x', [
      { publicIdentityXmls: [pub('sip:barred@example.com', true), pub('sip:second@example.com')] },
    ])
    if (!r.ok) throw new Error(r.error.message)
    const sub = parseImsSubscriptionXml(r.value)
    if (!sub.ok) throw new Error(sub.error.message)
    expect(defaultPublicIdentity(sub.value)).toBe('sip:second@example.com')
  })

  it('refuses a set without a sip: identity (crest IRSNoSIPURI)', () => {
    const r = buildImsSubscriptionXml('x', [{ publicIdentityXmls: [pub('tel:+1650')] }])
    expect(r.ok).toBe(false)
  })

  it('escapes the private id', () => {
    const r = buildImsSubscriptionXml('a<b&c', [{ publicIdentityXmls: [pub('sip:a@b')] }])
    if (!r.ok) throw new Error(r.error.message)
    expect(r.value).toContain('<PrivateID>a&lt;b&amp;c</PrivateID>')
    expect(parseXml(r.value).ok).toBe(true)
  })
})

describe('ClearwaterRegData', () => {
  it('builds and parses state, previous state, subscription and charging addresses', () => {
    const sub = buildImsSubscriptionXml('alice@example.com', [
      { filterCriteriaXml: IFC, publicIdentityXmls: [pub('sip:alice@example.com')] },
    ])
    if (!sub.ok) throw new Error(sub.error.message)
    const xml = buildRegDataXml({
      state: 'REGISTERED',
      previousState: 'NOT_REGISTERED',
      imsSubscriptionXml: sub.value,
      chargingAddresses: { ccfs: ['ccf1', 'ccf2', 'ccf3'], ecfs: ['ecf1'] },
    })
    expect(xml).toContain(
      '<RegistrationState>REGISTERED</RegistrationState><PreviousRegistrationState>NOT_REGISTERED</PreviousRegistrationState><IMSSubscription'
    )
    expect(xml).toContain(
      '<ChargingAddresses><CCF priority="1">ccf1</CCF><CCF priority="2">ccf2</CCF><ECF priority="1">ecf1</ECF></ChargingAddresses>'
    )
    const r = parseRegDataXml(xml)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.value.state).toBe('REGISTERED')
    expect(r.value.previousState).toBe('NOT_REGISTERED')
    expect(r.value.chargingAddresses).toEqual({ ccfs: ['ccf1', 'ccf2'], ecfs: ['ecf1'] })
    expect(r.value.subscription && defaultPublicIdentity(r.value.subscription)).toBe(
      'sip:alice@example.com'
    )
  })

  it('omits what is absent and rejects an unknown state', () => {
    const xml = buildRegDataXml({ state: 'NOT_REGISTERED' })
    expect(xml).toBe(
      '<ClearwaterRegData><RegistrationState>NOT_REGISTERED</RegistrationState></ClearwaterRegData>'
    )
    const bad = parseRegDataXml(
      '<ClearwaterRegData><RegistrationState>MAYBE</RegistrationState></ClearwaterRegData>'
    )
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(bad.error.path).toBe('ClearwaterRegData.RegistrationState')
  })
})
