import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { md5Hex } from '../../shared/sip'
import {
  type DigestCredentials,
  digestChallenges,
  digestHa1,
  expectedResponse,
  parseDigestAuthorization,
  timingSafeEqual,
} from './ut-digest'

describe('md5Hex', () => {
  it.each([
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
    ['1234567890'.repeat(8), '57edf4a22be3c955ac49da2e2107b67a'],
  ])('RFC 1321 test suite: %j', (input, hex) => {
    expect(md5Hex(input)).toBe(hex)
  })

  it('agrees with node:crypto on arbitrary UTF-8 text of every length', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (s) => {
        expect(md5Hex(s)).toBe(createHash('md5').update(s, 'utf8').digest('hex'))
      })
    )
  })
})

// RFC 7616 §3.9.1 worked example.
const example = {
  username: 'Mufasa',
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  uri: '/dir/index.html',
  qop: 'auth' as const,
  nc: '00000001',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
}

describe('RFC 7616 responses', () => {
  it.each([
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ] as const)('%s matches the §3.9.1 example', async (algorithm, response) => {
    const cred: DigestCredentials = { ...example, algorithm, response }
    const ha1 = await digestHa1(algorithm, example.username, example.realm, 'Circle of Life')
    expect(await expectedResponse(cred, 'GET', ha1)).toBe(response)
  })

  it('hashes nonce and cnonce into A1 for the -sess variants', async () => {
    const ha1 = await digestHa1('MD5', 'u', 'r', 'p')
    const cred: DigestCredentials = { ...example, algorithm: 'MD5-sess', response: '' }
    const sessA1 = md5Hex(`${ha1}:${example.nonce}:${example.cnonce}`)
    const ha2 = md5Hex(`GET:${example.uri}`)
    expect(await expectedResponse(cred, 'GET', ha1)).toBe(
      md5Hex(`${sessA1}:${example.nonce}:00000001:${example.cnonce}:auth:${ha2}`)
    )
  })
})

describe('parseDigestAuthorization', () => {
  const header =
    'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", ' +
    'algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, ' +
    'cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, ' +
    'response="753927FA0E85D155564E2E272A28D1802CA10DAF4496794697CF8DB5856CB6C1", opaque="x"'

  it('reads every field, defaulting nothing it was given', () => {
    const r = parseDigestAuthorization(header)
    expect(r).toEqual({
      ok: true,
      value: {
        ...example,
        opaque: 'x',
        algorithm: 'SHA-256',
        response: '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
      },
    })
  })

  it('unescapes quoted-pairs and defaults the algorithm to MD5', () => {
    const r = parseDigestAuthorization(
      'Digest username="a\\"b", realm="r", nonce="n", uri="/", response="00", qop=auth, nc=0000000a, cnonce="c"'
    )
    expect(r.ok && r.value.username).toBe('a"b')
    expect(r.ok && r.value.algorithm).toBe('MD5')
  })

  it.each([
    ['Basic dXNlcjpwYXNz', true],
    [
      'Digest username="a", realm="r", nonce="n", uri="/", response="0", qop=auth, nc=1, cnonce="c"',
      false,
    ],
    ['Digest username="a", realm="r", nonce="n", uri="/", response="0"', true],
    [
      'Digest username="a", realm="r", nonce="n", uri="/", response="0", qop=auth, nc=00000001, cnonce="c", algorithm=SHA-512-256',
      true,
    ],
    [
      'Digest realm="r", nonce="n", uri="/", response="0", qop=auth, nc=00000001, cnonce="c"',
      false,
    ],
    ['Digest username="a, realm="r"', false],
    ['Digest username="a", username="b", realm="r", nonce="n", uri="/", response="0"', false],
  ])('refuses %s (unsupported: %s)', (h, unsupported) => {
    const r = parseDigestAuthorization(h)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.unsupported === true).toBe(unsupported)
  })
})

describe('challenges', () => {
  it('offers SHA-256 before MD5 with qop=auth, and stale when asked', () => {
    expect(
      digestChallenges({
        realm: 'example.com',
        nonce: 'abc',
        algorithms: ['SHA-256', 'MD5'],
        stale: true,
      })
    ).toEqual([
      'Digest realm="example.com", qop="auth", algorithm=SHA-256, nonce="abc", stale=true',
      'Digest realm="example.com", qop="auth", algorithm=MD5, nonce="abc", stale=true',
    ])
  })

  it('compares in constant time', () => {
    expect(timingSafeEqual('abc', 'abc')).toBe(true)
    expect(timingSafeEqual('abc', 'abd')).toBe(false)
    expect(timingSafeEqual('abc', 'ab')).toBe(false)
  })
})
