/** URI parse / serialize / compare (RFC 3261 §19.1, §19.1.4; RFC 3966; RFC 8141; RFC 5118). */
import { describe, expect, it } from 'vitest'
import { SipParseError } from './errors'
import { escapeHeader, escapeParam, escapeUser, unescapeUri } from './escape'
import { parseUri, serializeUri, sipUri } from './uri'
import { uriEquals } from './uri-compare'

describe('parseUri', () => {
  it('reads every SIP URI component', () => {
    expect(
      parseUri('sips:alice:secret@atlanta.com:5061;transport=tls;lr?subject=hi&priority=urgent')
    ).toEqual({
      kind: 'sip',
      scheme: 'sips',
      user: 'alice',
      password: 'secret',
      host: 'atlanta.com',
      port: 5061,
      params: [
        { name: 'transport', value: 'tls' },
        { name: 'lr', value: null },
      ],
      headers: [
        { name: 'subject', value: 'hi' },
        { name: 'priority', value: 'urgent' },
      ],
    })
  })

  it('takes the scheme case-insensitively and a bare host', () => {
    expect(parseUri('SIP:example.com')).toMatchObject({
      scheme: 'sip',
      user: null,
      host: 'example.com',
      port: null,
    })
  })

  it('reads IPv6 references with and without a port (RFC 5118 §4.3, §4.4)', () => {
    expect(parseUri('sip:[2001:db8::10:5070]')).toMatchObject({
      host: '[2001:db8::10:5070]',
      port: null,
    })
    expect(parseUri('sip:[2001:db8::10]:5070')).toMatchObject({
      host: '[2001:db8::10]',
      port: 5070,
    })
    expect(parseUri('sip:alice@[::ffff:192.0.2.2]')).toMatchObject({ host: '[::ffff:192.0.2.2]' })
  })

  it('rejects unbracketed IPv6 and the three-colon form (RFC 5118 §4.2, §4.10)', () => {
    expect(() => parseUri('sip:2001:db8::10')).toThrow(SipParseError)
    expect(() => parseUri('sip:[2001:db8:::192.0.2.1]')).toThrow(SipParseError)
  })

  it('allows the user-unreserved characters and a telephone-subscriber user', () => {
    expect(
      parseUri('sip:+1-212-555-1212;phone-context=example.com@gw.example.com;user=phone')
    ).toMatchObject({
      user: '+1-212-555-1212;phone-context=example.com',
      params: [{ name: 'user', value: 'phone' }],
    })
  })

  it('validates escapes and ports', () => {
    expect(() => parseUri('sip:a%zz@example.com')).toThrow(/escape/)
    expect(() => parseUri('sip:example.com:65536')).toThrow(/port/)
    expect(() => parseUri('sip:example.com:')).toThrow(/port/)
    expect(() => parseUri('sip:@example.com')).toThrow(/user/)
    expect(() => parseUri('sip:example.com;')).toThrow(/parameter/)
    expect(() => parseUri('sip:exa mple.com')).toThrow(SipParseError)
    expect(() => parseUri('example.com')).toThrow(/scheme/)
  })

  it('reads tel URIs (RFC 3966)', () => {
    expect(parseUri('tel:+1-201-555-0123;ext=1234')).toEqual({
      kind: 'tel',
      scheme: 'tel',
      number: '+1-201-555-0123',
      params: [{ name: 'ext', value: '1234' }],
    })
    expect(parseUri('tel:7042;phone-context=example.com')).toMatchObject({ number: '7042' })
    expect(() => parseUri('tel:+')).toThrow(SipParseError)
    expect(() => parseUri('tel:+1 555')).toThrow(SipParseError)
  })

  it('reads URNs (RFC 8141) and keeps other schemes opaque', () => {
    expect(parseUri('urn:uuid:3e5e0f46-4a7c-4f8a-9b3a-2f1d0c1e9a01')).toEqual({
      kind: 'urn',
      scheme: 'urn',
      nid: 'uuid',
      nss: '3e5e0f46-4a7c-4f8a-9b3a-2f1d0c1e9a01',
    })
    expect(parseUri('urn:service:sos')).toMatchObject({ nid: 'service', nss: 'sos' })
    expect(parseUri('mailto:alice@example.com')).toEqual({
      kind: 'absolute',
      scheme: 'mailto',
      opaque: 'alice@example.com',
    })
    expect(() => parseUri('urn:x')).toThrow(SipParseError)
  })

  it('parses a window of a larger string with absolute offsets in errors', () => {
    const s = 'To: <sip:bob@biloxi.com:99999>'
    try {
      parseUri(s, 5, s.length - 1)
      throw new Error('no error')
    } catch (e) {
      expect(e).toBeInstanceOf(SipParseError)
      expect((e as SipParseError).offset).toBe(24)
    }
  })
})

describe('serializeUri', () => {
  for (const text of [
    'sip:alice@atlanta.com',
    'sips:alice:pw@[2001:db8::1]:5061;transport=tls;lr?h=v&x=',
    'sip:%61lice@atlanta.com;maddr=239.255.255.1;ttl=15',
    'tel:+16505550001;phone-context=example.com',
    'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
    'http://www.example.com/a?b=c',
  ]) {
    it(`round-trips ${text}`, () => expect(serializeUri(parseUri(text))).toBe(text))
  }

  it('builds URIs with sipUri(), bracketing a bare IPv6 host', () => {
    expect(
      serializeUri(
        sipUri({
          host: '2001:db8::1',
          user: 'bob',
          port: 5060,
          params: [{ name: 'lr', value: null }],
        })
      )
    ).toBe('sip:bob@[2001:db8::1]:5060;lr')
    expect(serializeUri(sipUri({ host: 'example.com', secure: true }))).toBe('sips:example.com')
  })
})

describe('escaping', () => {
  it('unescapes %HH as UTF-8, leaves malformed escapes alone', () => {
    expect(unescapeUri('I%20have%20spaces')).toBe('I have spaces')
    expect(unescapeUri('%E5%A4%A7')).toBe('大')
    expect(unescapeUri('null-%00-null')).toBe('null-\x00-null')
    expect(unescapeUri('100%')).toBe('100%')
    expect(unescapeUri('%ff')).toBe('\xff')
  })

  it('escapes exactly what each component may not carry raw', () => {
    expect(escapeUser('alice smith@x')).toBe('alice%20smith%40x')
    expect(escapeUser('a;b=c?d/e,f')).toBe('a;b=c?d/e,f')
    expect(escapeParam('a;b')).toBe('a%3Bb')
    expect(escapeHeader('<sip:a@b>')).toBe('%3Csip:a%40b%3E')
    expect(escapeUser('大')).toBe('%E5%A4%A7')
    expect(unescapeUri(escapeUser('x%y z'))).toBe('x%y z')
  })
})

describe('uriEquals: RFC 3261 §19.1.4 examples', () => {
  const equal: [string, string][] = [
    ['sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;security=on'],
    ['sip:carol@chicago.com;newparam=5', 'sip:carol@chicago.com;security=on'],
    [
      'sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com',
      'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com',
    ],
    [
      'sip:alice@atlanta.com?subject=project%20x&priority=urgent',
      'sip:alice@atlanta.com?priority=urgent&subject=project%20x',
    ],
  ]
  const different: [string, string][] = [
    ['SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting'],
    ['sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4'],
    ['sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off'],
  ]
  for (const [a, b] of equal) {
    it(`${a} == ${b}`, () => {
      expect(uriEquals(parseUri(a), parseUri(b))).toBe(true)
      expect(uriEquals(parseUri(b), parseUri(a))).toBe(true)
    })
  }
  for (const [a, b] of different) {
    it(`${a} != ${b}`, () => {
      expect(uriEquals(parseUri(a), parseUri(b))).toBe(false)
      expect(uriEquals(parseUri(b), parseUri(a))).toBe(false)
    })
  }

  it('never equates sip and sips, or different kinds', () => {
    expect(uriEquals(parseUri('sip:a@b.com'), parseUri('sips:a@b.com'))).toBe(false)
    expect(uriEquals(parseUri('sip:+1@b.com'), parseUri('tel:+1'))).toBe(false)
  })

  it('compares tel URIs ignoring visual separators (RFC 3966 §4)', () => {
    expect(uriEquals(parseUri('tel:+1-650-555-0001'), parseUri('tel:+16505550001'))).toBe(true)
    expect(uriEquals(parseUri('tel:+16505550001;ext=1'), parseUri('tel:+16505550001'))).toBe(false)
  })

  it('compares URNs with a case-insensitive namespace', () => {
    expect(uriEquals(parseUri('urn:UUID:abc'), parseUri('urn:uuid:abc'))).toBe(true)
    expect(uriEquals(parseUri('urn:uuid:abc'), parseUri('urn:uuid:ABC'))).toBe(false)
  })
})
