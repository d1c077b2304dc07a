/**
 * @module digest
 * HTTP Digest authentication as SIP uses it (RFC 3261 §22.4, RFC 2617, RFC 7616, RFC 8760):
 * HA1 from credentials, the request-digest with `qop=auth` / `auth-int` or without qop, the
 * `-sess` variants, constant-time verification of received credentials, and challenge /
 * credentials header values. MD5 and SHA-256 are pure synchronous implementations; nonces come
 * from an injected random source (see `random.ts`).
 */
import { type AuthValue, type DigestParams, digestParams, isDigest } from './auth-header'
import { md5Hex } from './md5'
import { quote } from './scan'
import { sha256Hex } from './sha256'

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess'
export type DigestQop = 'auth' | 'auth-int'

/** Canonical algorithm for a received `algorithm` value (case-insensitive; absent means MD5). */
export function parseDigestAlgorithm(value: string | undefined): DigestAlgorithm | undefined {
  switch ((value ?? 'MD5').toUpperCase()) {
    case 'MD5':
      return 'MD5'
    case 'MD5-SESS':
      return 'MD5-sess'
    case 'SHA-256':
      return 'SHA-256'
    case 'SHA-256-SESS':
      return 'SHA-256-sess'
    default:
      return undefined
  }
}

/** H(data) for the algorithm family, lower-case hex (RFC 7616 §3.4.1). */
export function digestHash(algorithm: DigestAlgorithm, data: string): string {
  return algorithm.startsWith('SHA-256') ? sha256Hex(data) : md5Hex(data)
}

/** HA1 = H(username ":" realm ":" password) (RFC 2617 §3.2.2.2), as stored by an HSS. */
export function computeHa1(
  username: string,
  realm: string,
  password: string,
  algorithm: DigestAlgorithm = 'MD5'
): string {
  return digestHash(algorithm, `${username}:${realm}:${password}`)
}

export interface DigestResponseInput {
  /** HA1 of the credentials (not the session HA1; `-sess` is applied here). */
  ha1: string
  method: string
  /** The `uri` (digest-uri) parameter exactly as sent. */
  uri: string
  nonce: string
  algorithm?: DigestAlgorithm
  qop?: DigestQop
  /** nonce-count, 8 hex digits, with qop. */
  nc?: string
  cnonce?: string
  /** Message body, for `qop=auth-int`. */
  body?: string
}

/** The request-digest (RFC 2617 §3.2.2.1, RFC 7616 §3.4.1). */
export function computeDigestResponse(input: DigestResponseInput): string {
  const alg = input.algorithm ?? 'MD5'
  let ha1 = input.ha1
  if (alg.endsWith('-sess')) ha1 = digestHash(alg, `${ha1}:${input.nonce}:${input.cnonce ?? ''}`)
  const ha2 =
    input.qop === 'auth-int'
      ? digestHash(alg, `${input.method}:${input.uri}:${digestHash(alg, input.body ?? '')}`)
      : digestHash(alg, `${input.method}:${input.uri}`)
  if (input.qop === undefined) return digestHash(alg, `${ha1}:${input.nonce}:${ha2}`)
  return digestHash(
    alg,
    `${ha1}:${input.nonce}:${input.nc ?? ''}:${input.cnonce ?? ''}:${input.qop}:${ha2}`
  )
}

/** Compares two strings in time that depends only on their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length
  const n = Math.max(a.length, b.length)
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0)
  return diff === 0
}

export type DigestCheck =
  | { ok: true; params: DigestParams; algorithm: DigestAlgorithm }
  | {
      ok: false
      reason: 'not-digest' | 'missing-parameter' | 'bad-algorithm' | 'bad-qop' | 'mismatch'
    }

/**
 * Verifies Digest credentials against the stored HA1: recomputes the response from the received
 * fields and compares in constant time. Nonce freshness, nonce-count replay and realm/username
 * matching are the caller's (they need state).
 */
export function verifyDigest(
  credentials: AuthValue,
  expected: { ha1: string; method: string; body?: string }
): DigestCheck {
  if (!isDigest(credentials)) return { ok: false, reason: 'not-digest' }
  const p = digestParams(credentials)
  if (p.nonce === undefined || p.uri === undefined || p.response === undefined) {
    return { ok: false, reason: 'missing-parameter' }
  }
  const algorithm = parseDigestAlgorithm(p.algorithm)
  if (algorithm === undefined) return { ok: false, reason: 'bad-algorithm' }
  let qop: DigestQop | undefined
  if (p.qop !== undefined) {
    if (p.qop !== 'auth' && p.qop !== 'auth-int') return { ok: false, reason: 'bad-qop' }
    if (p.nc === undefined || p.cnonce === undefined)
      return { ok: false, reason: 'missing-parameter' }
    qop = p.qop
  }
  const want = computeDigestResponse({
    ha1: expected.ha1,
    method: expected.method,
    uri: p.uri,
    nonce: p.nonce,
    algorithm,
    qop,
    nc: p.nc,
    cnonce: p.cnonce,
    body: expected.body,
  })
  return constantTimeEqual(want, p.response.toLowerCase())
    ? { ok: true, params: p, algorithm }
    : { ok: false, reason: 'mismatch' }
}

export interface ChallengeOptions {
  realm: string
  nonce: string
  opaque?: string
  /** RFC 2617 §3.2.1: the nonce was stale, retry with the new one without asking the user. */
  stale?: boolean
  algorithm?: DigestAlgorithm
  /** Offered qop values; Clearwater offers `auth`. Omit for RFC 2069-style challenges. */
  qop?: readonly DigestQop[]
  domain?: string
}

/** A WWW-Authenticate / Proxy-Authenticate value (RFC 3261 §22.4, RFC 7616 §3.3). */
export function buildChallenge(o: ChallengeOptions): string {
  let out = `Digest realm=${quote(o.realm)}, nonce=${quote(o.nonce)}`
  if (o.domain !== undefined) out += `, domain=${quote(o.domain)}`
  if (o.opaque !== undefined) out += `, opaque=${quote(o.opaque)}`
  if (o.stale) out += ', stale=true'
  out += `, algorithm=${o.algorithm ?? 'MD5'}`
  if (o.qop !== undefined && o.qop.length > 0) out += `, qop=${quote(o.qop.join(','))}`
  return out
}

export interface CredentialsOptions {
  username: string
  realm: string
  nonce: string
  uri: string
  response: string
  algorithm?: DigestAlgorithm
  qop?: DigestQop
  nc?: string
  cnonce?: string
  opaque?: string
}

/** An Authorization / Proxy-Authorization value (RFC 3261 §22.4; qop/nc unquoted, RFC 7616). */
export function buildCredentials(o: CredentialsOptions): string {
  let out = `Digest username=${quote(o.username)}, realm=${quote(o.realm)}, nonce=${quote(o.nonce)}`
  out += `, uri=${quote(o.uri)}, response=${quote(o.response)}, algorithm=${o.algorithm ?? 'MD5'}`
  if (o.cnonce !== undefined) out += `, cnonce=${quote(o.cnonce)}`
  if (o.opaque !== undefined) out += `, opaque=${quote(o.opaque)}`
  if (o.qop !== undefined) out += `, qop=${o.qop}, nc=${o.nc ?? '00000001'}`
  return out
}

/** Formats a nonce-count as the 8 hex digits `nc` carries. */
export const formatNonceCount = (n: number): string => n.toString(16).padStart(8, '0')
