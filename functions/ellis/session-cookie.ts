/**
 * @module ellis/session-cookie
 * The browser session: Clearwater's signed `username` cookie (clearwater-interfaces §1.1), here
 * `<b64url(email)>.<expiry ms, base 36>.<session version>.<HMAC-SHA-256 b64url>`. The MAC covers
 * the e-mail, the expiry and the account's session version, so a cookie stops working when it
 * expires, when the password changes and at logout (both bump the version). Set with
 * `HttpOnly`, `SameSite=Lax`, `Path=/` and, behind HTTPS, `Secure`. Keys: a cookie is signed
 * with the first and accepted under any (`ELLIS_COOKIE_SECRET`, then `…_PREVIOUS` in a rotation).
 */
import { SESSION } from './ellis-config'
import { bytesEqual, fromBase64Url, hmacSha256, toBase64Url } from './secrets'

export interface SessionClaims {
  email: string
  expiresMs: number
  sessionVersion: number
}

const encode = (s: string) => toBase64Url(new TextEncoder().encode(s))

/** One key, or the current key first and then the ones still accepted. */
export type SessionKeys = string | readonly string[]
const keyList = (k: SessionKeys): readonly string[] => (typeof k === 'string' ? [k] : k)

export async function signSession(keys: SessionKeys, claims: SessionClaims): Promise<string> {
  const body = `${encode(claims.email)}.${claims.expiresMs.toString(36)}.${claims.sessionVersion}`
  return `${body}.${toBase64Url(await hmacSha256(keyList(keys)[0] ?? '', body))}`
}

/** The claims of a well-formed, correctly signed, unexpired cookie value; otherwise undefined. */
export async function verifySession(
  keys: SessionKeys,
  value: string | undefined,
  nowMs: number
): Promise<SessionClaims | undefined> {
  if (!value || value.length > 1024) return undefined
  const parts = value.split('.')
  if (parts.length !== 4) return undefined
  const [e, exp, sv, mac] = parts as [string, string, string, string]
  const given = fromBase64Url(mac)
  if (!given) return undefined
  let genuine = false
  for (const key of keyList(keys))
    if (!genuine) genuine = bytesEqual(given, await hmacSha256(key, `${e}.${exp}.${sv}`))
  if (!genuine) return undefined
  const emailBytes = fromBase64Url(e)
  const expiresMs = Number.parseInt(exp, 36)
  const sessionVersion = Number(sv)
  if (!emailBytes || !Number.isFinite(expiresMs) || !Number.isInteger(sessionVersion))
    return undefined
  if (expiresMs <= nowMs) return undefined
  return { email: new TextDecoder().decode(emailBytes), expiresMs, sessionVersion }
}

export function sessionCookieHeader(value: string, secure: boolean): string {
  return [
    `${SESSION.cookieName}=${value}`,
    'Path=/',
    `Max-Age=${SESSION.lifetimeS}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(secure ? ['Secure'] : []),
  ].join('; ')
}

export function clearedCookieHeader(secure: boolean): string {
  return [
    `${SESSION.cookieName}=`,
    'Path=/',
    'Max-Age=0',
    'HttpOnly',
    'SameSite=Lax',
    ...(secure ? ['Secure'] : []),
  ].join('; ')
}

/** The session cookie's value in a `Cookie` header, if present. */
export function readSessionCookie(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim() === SESSION.cookieName) return part.slice(eq + 1).trim()
  }
  return undefined
}
