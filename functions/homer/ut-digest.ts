/**
 * @module homer/ut-digest
 * HTTP Digest access authentication for the Ut interface (RFC 7616, as TS 24.623 allows
 * for XCAP from a UE): parsing the client's `Authorization: Digest …` credentials, building the
 * `WWW-Authenticate` challenges (SHA-256 first, then MD5: RFC 7616 §3.7, most preferred first,
 * always `qop="auth"`), and computing the expected `response` (RFC 7616 §3.4.1) from a stored HA1
 * or a plaintext password. Pure apart from WebCrypto hashing; the nonce store and the credential
 * lookup live in their own modules.
 */
import {
  computeDigestResponse,
  constantTimeEqual,
  digestHash as sipDigestHash,
} from '../../shared/sip'

export const DIGEST_ALGORITHMS = ['SHA-256', 'MD5', 'SHA-256-sess', 'MD5-sess'] as const
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number]
/** Algorithms offered in a challenge, in order of preference. */
export type BaseAlgorithm = 'SHA-256' | 'MD5'

export interface DigestCredentials {
  username: string
  realm: string
  nonce: string
  uri: string
  response: string
  algorithm: DigestAlgorithm
  qop: 'auth'
  nc: string
  cnonce: string
  opaque: string | undefined
}

export type DigestParse =
  | { ok: true; value: DigestCredentials }
  | {
      ok: false
      reason: string /** the scheme or algorithm is one we do not speak */
      unsupported?: boolean
    }

/** Splits `name=value, name="quoted \"value\""` auth-params (RFC 7235 §2.1). */
function authParams(s: string): Map<string, string> | undefined {
  const out = new Map<string, string>()
  let i = 0
  const n = s.length
  const ws = () => {
    while (i < n && (s[i] === ' ' || s[i] === '\t' || s[i] === ',')) i++
  }
  ws()
  while (i < n) {
    const m = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/.exec(s.slice(i))
    if (!m) return undefined
    const name = m[0].toLowerCase()
    i += m[0].length
    while (s[i] === ' ') i++
    if (s[i] !== '=') return undefined
    i++
    while (s[i] === ' ') i++
    let value = ''
    if (s[i] === '"') {
      i++
      for (;;) {
        if (i >= n) return undefined
        const ch = s[i]!
        if (ch === '"') break
        if (ch === '\\' && i + 1 < n) i++
        value += s[i]
        i++
      }
      i++
    } else {
      const v = /^[^,\s]*/.exec(s.slice(i))![0]
      value = v
      i += v.length
    }
    if (out.has(name)) return undefined
    out.set(name, value)
    ws()
  }
  return out
}

/** Parses an `Authorization` header carrying Digest credentials (RFC 7616 §3.4). */
export function parseDigestAuthorization(header: string): DigestParse {
  const m = /^\s*([A-Za-z][\w-]*)\s+([\s\S]*)$/.exec(header)
  if (!m || m[1]!.toLowerCase() !== 'digest')
    return { ok: false, reason: 'not Digest credentials', unsupported: true }
  const p = authParams(m[2]!)
  if (!p) return { ok: false, reason: 'malformed Digest credentials' }
  for (const k of ['username', 'realm', 'nonce', 'uri', 'response'] as const)
    if (!p.get(k)) return { ok: false, reason: `Digest credentials lack ${k}` }
  if (p.get('userhash')?.toLowerCase() === 'true')
    return { ok: false, reason: 'userhash is not supported', unsupported: true }
  const alg = (p.get('algorithm') ?? 'MD5').toUpperCase()
  const algorithm = DIGEST_ALGORITHMS.find((a) => a.toUpperCase() === alg)
  if (!algorithm)
    return { ok: false, reason: `algorithm ${alg} is not supported`, unsupported: true }
  // Only qop=auth is offered, so RFC 2069 style credentials without qop are refused.
  if (p.get('qop') !== 'auth')
    return { ok: false, reason: 'qop=auth is required', unsupported: true }
  const nc = p.get('nc') ?? ''
  if (!/^[0-9a-fA-F]{8}$/.test(nc)) return { ok: false, reason: 'nc must be 8 hex digits' }
  const cnonce = p.get('cnonce')
  if (!cnonce) return { ok: false, reason: 'Digest credentials lack cnonce' }
  return {
    ok: true,
    value: {
      username: p.get('username')!,
      realm: p.get('realm')!,
      nonce: p.get('nonce')!,
      uri: p.get('uri')!,
      response: p.get('response')!.toLowerCase(),
      algorithm,
      qop: 'auth',
      nc,
      cnonce,
      opaque: p.get('opaque'),
    },
  }
}

function quote(s: string): string {
  return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`
}

/** One `WWW-Authenticate` value per algorithm, most preferred first (RFC 7616 §3.3, §3.7). */
export function digestChallenges(opts: {
  realm: string
  nonce: string
  algorithms: readonly BaseAlgorithm[]
  stale?: boolean
}): string[] {
  return opts.algorithms.map(
    (a) =>
      `Digest realm=${quote(opts.realm)}, qop="auth", algorithm=${a}, nonce=${quote(opts.nonce)}` +
      (opts.stale ? ', stale=true' : '')
  )
}

export function baseAlgorithm(a: DigestAlgorithm): BaseAlgorithm {
  return a.startsWith('SHA-256') ? 'SHA-256' : 'MD5'
}

/** H() of the algorithm family, lower-case hex (RFC 7616 §3.2). */
export async function digestHash(alg: BaseAlgorithm, s: string): Promise<string> {
  return sipDigestHash(alg, s)
}

/** H(username:realm:password): what a credential store keeps instead of the password. */
export function digestHa1(
  alg: BaseAlgorithm,
  username: string,
  realm: string,
  password: string
): Promise<string> {
  return digestHash(alg, `${username}:${realm}:${password}`)
}

/** RFC 7616 §3.4.1 `response` for qop=auth, given H(A1) of the credentials' base algorithm. */
export async function expectedResponse(
  cred: DigestCredentials,
  method: string,
  ha1: string
): Promise<string> {
  return computeDigestResponse({
    ha1,
    method,
    uri: cred.uri,
    nonce: cred.nonce,
    algorithm: cred.algorithm,
    qop: 'auth',
    nc: cred.nc,
    cnonce: cred.cnonce,
  })
}

/** Compares two strings without an early exit. */
export const timingSafeEqual = constantTimeEqual
