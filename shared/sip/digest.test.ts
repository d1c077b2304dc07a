/** MD5, SHA-256 and Digest authentication against published vectors (RFC 1321, FIPS 180, RFC 2617, RFC 7616). */
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../test/support/sip/corpus'
import { parseAuthValue } from './auth-header'
import {
  buildChallenge,
  buildCredentials,
  computeDigestResponse,
  computeHa1,
  constantTimeEqual,
  formatNonceCount,
  parseDigestAlgorithm,
  verifyDigest,
} from './digest'
import { md5Hex } from './md5'
import { generateNonce } from './random'
import { sha256Hex } from './sha256'

describe('md5 (RFC 1321 §A.5 test suite)', () => {
  const vectors: [string, string][] = [
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
    [
      'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
      'd174ab98d277d9f5a5611c2c9f419d9f',
    ],
    ['1234567890'.repeat(8), '57edf4a22be3c955ac49da2e2107b67a'],
  ]
  for (const [input, hex] of vectors)
    it(`md5(${JSON.stringify(input)})`, () => expect(md5Hex(input)).toBe(hex))

  it('matches node:crypto on arbitrary bytes, including block-boundary lengths', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(md5Hex(bytes)).toBe(createHash('md5').update(bytes).digest('hex'))
      })
    )
  })
})

describe('sha256 (FIPS 180-2 examples)', () => {
  it('hashes the standard vectors', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    )
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'
    )
    expect(sha256Hex('a'.repeat(1_000_000))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'
    )
  })

  it('matches node:crypto on arbitrary strings (UTF-8 encoded)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(sha256Hex(s)).toBe(createHash('sha256').update(s, 'utf8').digest('hex'))
      })
    )
    // A hundred hashes take milliseconds; the allowance is for a machine starved of CPU.
  }, 30_000)
})

describe('Digest request-digest', () => {
  it('RFC 2617 §3.5 example (MD5, qop=auth)', () => {
    const ha1 = computeHa1('Mufasa', 'testrealm@host.com', 'Circle Of Life')
    expect(
      computeDigestResponse({
        ha1,
        method: 'GET',
        uri: '/dir/index.html',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        qop: 'auth',
        nc: '00000001',
        cnonce: '0a4f113b',
      })
    ).toBe('6629fae49393a05397450978507c4ef1')
  })

  const rfc7616 = {
    method: 'GET',
    uri: '/dir/index.html',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    qop: 'auth' as const,
    nc: '00000001',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  }

  it('RFC 7616 §3.9.1 example, MD5', () => {
    const ha1 = computeHa1('Mufasa', 'http-auth@example.org', 'Circle of Life', 'MD5')
    expect(computeDigestResponse({ ...rfc7616, ha1, algorithm: 'MD5' })).toBe(
      '8ca523f5e9506fed4657c9700eebdbec'
    )
  })

  it('RFC 7616 §3.9.1 example, SHA-256', () => {
    const ha1 = computeHa1('Mufasa', 'http-auth@example.org', 'Circle of Life', 'SHA-256')
    expect(computeDigestResponse({ ...rfc7616, ha1, algorithm: 'SHA-256' })).toBe(
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'
    )
  })

  it('without qop uses H(HA1:nonce:HA2) (RFC 2069 compatibility, RFC 2617 §3.2.2.1)', () => {
    const ha1 = computeHa1('u', 'r', 'p')
    const ha2 = md5Hex('REGISTER:sip:example.com')
    expect(
      computeDigestResponse({ ha1, method: 'REGISTER', uri: 'sip:example.com', nonce: 'n' })
    ).toBe(md5Hex(`${ha1}:n:${ha2}`))
  })

  it('applies -sess and auth-int as RFC 7616 §3.4.2 / §3.4.3 define', () => {
    const ha1 = computeHa1('u', 'r', 'p')
    const sess = md5Hex(`${ha1}:n:c`)
    const ha2 = md5Hex(`INVITE:sip:b@c:${md5Hex('v=0\r\n')}`)
    expect(
      computeDigestResponse({
        ha1,
        method: 'INVITE',
        uri: 'sip:b@c',
        nonce: 'n',
        cnonce: 'c',
        nc: '00000001',
        qop: 'auth-int',
        algorithm: 'MD5-sess',
        body: 'v=0\r\n',
      })
    ).toBe(md5Hex(`${sess}:n:00000001:c:auth-int:${ha2}`))
  })
})

describe('verifyDigest', () => {
  const ha1 = computeHa1('6505550001@example.com', 'example.com', 'secret')
  const creds = (response: string, extra = ''): string =>
    `Digest username="6505550001@example.com", realm="example.com", nonce="abc", uri="sip:example.com", response="${response}", algorithm=MD5, cnonce="xyz", qop=auth, nc=00000001${extra}`
  const good = computeDigestResponse({
    ha1,
    method: 'REGISTER',
    uri: 'sip:example.com',
    nonce: 'abc',
    qop: 'auth',
    nc: '00000001',
    cnonce: 'xyz',
  })

  it('accepts the right response (case-insensitive hex) and reports the fields', () => {
    const r = verifyDigest(parseAuthValue(creds(good.toUpperCase())), { ha1, method: 'REGISTER' })
    expect(r).toMatchObject({
      ok: true,
      algorithm: 'MD5',
      params: { nonce: 'abc', nc: '00000001' },
    })
  })

  it('rejects a wrong response, a wrong method, and a tampered field', () => {
    expect(
      verifyDigest(parseAuthValue(creds('0'.repeat(32))), { ha1, method: 'REGISTER' })
    ).toEqual({ ok: false, reason: 'mismatch' })
    expect(verifyDigest(parseAuthValue(creds(good)), { ha1, method: 'INVITE' })).toEqual({
      ok: false,
      reason: 'mismatch',
    })
    const tampered = creds(good).replace('nc=00000001', 'nc=00000002')
    expect(verifyDigest(parseAuthValue(tampered), { ha1, method: 'REGISTER' }).ok).toBe(false)
  })

  it('reports why credentials cannot be checked', () => {
    expect(verifyDigest(parseAuthValue('Bearer abc'), { ha1, method: 'REGISTER' })).toEqual({
      ok: false,
      reason: 'not-digest',
    })
    expect(
      verifyDigest(parseAuthValue('Digest username="u", nonce="n"'), { ha1, method: 'REGISTER' })
    ).toEqual({ ok: false, reason: 'missing-parameter' })
    expect(
      verifyDigest(parseAuthValue(creds(good).replace('algorithm=MD5', 'algorithm=AKAv1-MD5')), {
        ha1,
        method: 'REGISTER',
      })
    ).toEqual({
      ok: false,
      reason: 'bad-algorithm',
    })
    expect(
      verifyDigest(parseAuthValue(creds(good).replace('qop=auth', 'qop=foo')), {
        ha1,
        method: 'REGISTER',
      })
    ).toEqual({ ok: false, reason: 'bad-qop' })
  })

  it('round-trips credentials built by buildCredentials (SHA-256, UAC side)', () => {
    const ha = computeHa1('alice', 'example.com', 'pw', 'SHA-256')
    const response = computeDigestResponse({
      ha1: ha,
      method: 'INVITE',
      uri: 'sip:bob@example.com',
      nonce: 'n1',
      qop: 'auth',
      nc: formatNonceCount(2),
      cnonce: 'c1',
      algorithm: 'SHA-256',
    })
    const value = buildCredentials({
      username: 'alice',
      realm: 'example.com',
      nonce: 'n1',
      uri: 'sip:bob@example.com',
      response,
      algorithm: 'SHA-256',
      qop: 'auth',
      nc: formatNonceCount(2),
      cnonce: 'c1',
      opaque: 'o',
    })
    expect(value).toContain('nc=00000002')
    expect(verifyDigest(parseAuthValue(value), { ha1: ha, method: 'INVITE' })).toMatchObject({
      ok: true,
      algorithm: 'SHA-256',
    })
  })
})

describe('challenges and helpers', () => {
  it('builds a Clearwater-style challenge that parses back', () => {
    const random = seededRandom(7)
    const nonce = generateNonce(random)
    const opaque = generateNonce(random, 8)
    expect(nonce).toMatch(/^[0-9a-f]{32}$/)
    expect(opaque).toMatch(/^[0-9a-f]{16}$/)
    const value = buildChallenge({
      realm: 'example.com',
      nonce,
      opaque,
      qop: ['auth'],
      stale: true,
    })
    expect(value).toBe(
      `Digest realm="example.com", nonce="${nonce}", opaque="${opaque}", stale=true, algorithm=MD5, qop="auth"`
    )
    expect(parseAuthValue(value).params.map((p) => p.name)).toEqual([
      'realm',
      'nonce',
      'opaque',
      'stale',
      'algorithm',
      'qop',
    ])
  })

  it('maps algorithm names case-insensitively and absent to MD5', () => {
    expect(parseDigestAlgorithm(undefined)).toBe('MD5')
    expect(parseDigestAlgorithm('sha-256-SESS')).toBe('SHA-256-sess')
    expect(parseDigestAlgorithm('AKAv1-MD5')).toBeUndefined()
  })

  it('compares strings in constant time', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true)
    expect(constantTimeEqual('abc', 'abd')).toBe(false)
    expect(constantTimeEqual('abc', 'abcd')).toBe(false)
    expect(constantTimeEqual('', '')).toBe(true)
  })
})
