/** name-addr / addr-spec values with parameters (RFC 3261 §20.10, §25.1). */
import { describe, expect, it } from 'vitest'
import { SipParseError } from './errors'
import { nameAddr, parseNameAddr, parseNameAddrList, serializeNameAddr } from './name-addr'
import { getParam } from './params'
import { parseUri } from './uri'

describe('parseNameAddr', () => {
  it('reads a quoted display name with escapes', () => {
    const na = parseNameAddr('"Alice \\"A\\" Smith" <sip:alice@atlanta.com>;tag=1928301774')
    expect(na.displayName).toBe('Alice "A" Smith')
    expect(na.uri).toMatchObject({ user: 'alice', host: 'atlanta.com' })
    expect(getParam(na.params, 'tag')).toBe('1928301774')
  })

  it('reads token display names, with or without LWS before <', () => {
    expect(parseNameAddr('A. Bell <sip:a.g.bell@example.com>').displayName).toBe('A. Bell')
    expect(parseNameAddr('caller<sip:caller@example.com>').displayName).toBe('caller')
    expect(parseNameAddr('<sip:caller@example.com>').displayName).toBeNull()
    expect(parseNameAddr('"" <sip:caller@example.com>').displayName).toBe('')
  })

  it('gives trailing parameters of an addr-spec to the header, not the URI (§20.10)', () => {
    const na = parseNameAddr('sip:+19725552222@gw1.example.net;unknownparam;tag=x')
    expect(na.uri).toMatchObject({ params: [] })
    expect(na.params).toEqual([
      { name: 'unknownparam', value: null },
      { name: 'tag', value: 'x' },
    ])
    const bracketed = parseNameAddr('<sip:+19725552222@gw1.example.net;unknownparam>;tag=x')
    expect(bracketed.uri).toMatchObject({ params: [{ name: 'unknownparam', value: null }] })
  })

  it('accepts LWS and folds around parameters', () => {
    const na = parseNameAddr(' sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n')
    expect(getParam(na.params, 'tag')).toBe('1918181833n')
    const folded = parseNameAddr('"J" <sip:j@example.com>\r\n  ;\r\n  tag = 98asjd8')
    expect(getParam(folded.params, 'tag')).toBe('98asjd8')
  })

  it('keeps quoted parameter values in wire form', () => {
    const na = parseNameAddr('<sip:a@b>;+sip.instance="<urn:uuid:1>";x="a,b;c"')
    expect(na.params).toEqual([
      { name: '+sip.instance', value: '"<urn:uuid:1>"' },
      { name: 'x', value: '"a,b;c"' },
    ])
  })

  it('rejects malformed values', () => {
    for (const bad of [
      '"Mr. J. User <sip:j.user@example.com>',
      'Bell, Alexander <sip:a.g.bell@example.com>',
      '<sip:a@b',
      '< sip:a@b >',
      '<sip:a@b>;;tag=1',
      '<sip:a@b>;tag=',
      '',
      '<sip:a@b> junk',
    ]) {
      expect(() => parseNameAddr(bad), bad).toThrow(SipParseError)
    }
  })
})

describe('parseNameAddrList', () => {
  it('splits at commas outside quotes and angle brackets', () => {
    const list = parseNameAddrList(
      '"Smith, J" <sip:a,b@b.com;x=1>, <tel:+16505550001>;p=1 ,sip:c@d.com'
    )
    expect(list.map((n) => n.displayName)).toEqual(['Smith, J', null, null])
    expect(list.map((n) => n.uri.kind)).toEqual(['sip', 'tel', 'sip'])
    expect(list[1]!.params).toEqual([{ name: 'p', value: '1' }])
  })

  it('reads a Route set with folding between values', () => {
    const list = parseNameAddrList('<sip:p1.example.com;lr>,\r\n <sip:p2.example.com;lr>')
    expect(list).toHaveLength(2)
  })

  it('rejects an empty element', () => {
    expect(() => parseNameAddrList('<sip:a@b>,,<sip:c@d>')).toThrow(SipParseError)
  })
})

describe('serializeNameAddr', () => {
  it('always brackets the URI and quotes the display name', () => {
    const na = nameAddr(
      parseUri('sip:alice@atlanta.com'),
      [{ name: 'tag', value: 'abc' }],
      'Alice "A"'
    )
    expect(serializeNameAddr(na)).toBe('"Alice \\"A\\"" <sip:alice@atlanta.com>;tag=abc')
    expect(parseNameAddr(serializeNameAddr(na))).toEqual(na)
  })
})
