/** Authorization / WWW-Authenticate values (RFC 3261 §20.7, §20.44, §25.1; RFC 7235 §2.1). */
import { describe, expect, it } from 'vitest'
import {
  authParam,
  digestParams,
  isDigest,
  parseAuthValue,
  serializeAuthValue,
} from './auth-header'
import { SipParseError } from './errors'

describe('parseAuthValue', () => {
  it('reads Digest credentials, keeping quoted values in wire form', () => {
    const a = parseAuthValue(
      'Digest username="6505550001@example.com", realm="example.com", nonce="7a5bc2c4b6e86a2f", uri="sip:example.com", response="6629fae49393a05397450978507c4ef1", algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001'
    )
    expect(isDigest(a)).toBe(true)
    expect(a.params[0]).toEqual({ name: 'username', value: '"6505550001@example.com"' })
    expect(digestParams(a)).toEqual({
      username: '6505550001@example.com',
      realm: 'example.com',
      nonce: '7a5bc2c4b6e86a2f',
      uri: 'sip:example.com',
      response: '6629fae49393a05397450978507c4ef1',
      algorithm: 'MD5',
      cnonce: '0a4f113b',
      qop: 'auth',
      nc: '00000001',
    })
  })

  it('reads a challenge with stale and a qop list', () => {
    const c = parseAuthValue(
      'Digest realm="example.com",nonce="abc",opaque="xyz",stale=TRUE,algorithm=MD5,qop="auth,auth-int"'
    )
    expect(digestParams(c)).toMatchObject({ stale: 'TRUE', qop: 'auth,auth-int', opaque: 'xyz' })
    expect(authParam(c, 'REALM')).toBe('example.com')
  })

  it('reads IMS integrity-protected and escaped quotes', () => {
    const a = parseAuthValue(
      'Digest username="a\\"b", integrity-protected="ip-assoc-yes", response=""'
    )
    expect(digestParams(a)).toMatchObject({
      username: 'a"b',
      integrityProtected: 'ip-assoc-yes',
      response: '',
    })
  })

  it('keeps unknown schemes and token68 values (RFC 4475 §3.3.7, RFC 7235)', () => {
    expect(parseAuthValue('NoOneKnowsThisScheme opaque-data=here')).toEqual({
      scheme: 'NoOneKnowsThisScheme',
      params: [{ name: 'opaque-data', value: 'here' }],
      token68: null,
    })
    expect(parseAuthValue('Bearer abc.def+/==')).toMatchObject({
      token68: 'abc.def+/==',
      params: [],
    })
    expect(isDigest(parseAuthValue('digest realm="x"'))).toBe(true)
  })

  it('accepts an unquoted uri from lenient clients', () => {
    expect(digestParams(parseAuthValue('Digest uri=sip:example.com, nonce="n"')).uri).toBe(
      'sip:example.com'
    )
  })

  it('rejects malformed values', () => {
    for (const bad of [
      '',
      'Digest realm=, nonce="x"',
      'Digest realm="x" nonce="y"',
      'Digest realm="x',
      'Digest realm="x",',
      'Digest =x',
    ]) {
      expect(() => parseAuthValue(bad), bad).toThrow(SipParseError)
    }
  })

  it('serialises back to an equivalent value', () => {
    const text = 'Digest realm="example.com", nonce="abc", algorithm=MD5, qop="auth"'
    expect(serializeAuthValue(parseAuthValue(text))).toBe(text)
    expect(parseAuthValue(serializeAuthValue(parseAuthValue('Bearer x=')))).toEqual(
      parseAuthValue('Bearer x=')
    )
  })
})
