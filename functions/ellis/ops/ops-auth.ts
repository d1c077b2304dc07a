/**
 * @module ellis/ops/ops-auth
 * Who may use `/ops` (docs/operations.md#traces): an operator, by the `NGV-API-Key` header (the
 * CLI) or by the ops session cookie a login with that key sets (the ops page). The cookie is its
 * own: named `edgewater_ops`, `ops.<expiry>.<HMAC>` under a key derived from
 * `ELLIS_COOKIE_SECRET` for this purpose only, so a subscriber's portal session is never an
 * operator's and an operator's cookie opens nothing in the portal. HttpOnly, SameSite=Strict,
 * Secure when the client reached the edge over HTTPS, valid `OPS_SESSION_S` (default 8 h).
 */
import type { Context } from 'hono'
import { secretsEqual } from '../secrets'

export const OPS_COOKIE = 'edgewater_ops'
export const OPS_SESSION_S = 8 * 3600
const PURPOSE = 'edgewater-ops-session-v1'
const encoder = new TextEncoder()

async function mac(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(`${PURPOSE}\n${secret}`),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign']
  )
  const sig = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(text)))
  return [...sig].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** A session token valid until `expiresMs`. */
export async function opsToken(secret: string, expiresMs: number): Promise<string> {
  const body = `ops.${expiresMs}`
  return `${body}.${await mac(secret, body)}`
}

/** Whether `token` is a live ops session under any of `secrets` (current, then previous). */
export async function opsTokenValid(
  secrets: readonly string[],
  token: string | undefined,
  now: number
): Promise<boolean> {
  const m = /^ops\.(\d{1,16})\.([0-9a-f]{64})$/.exec(token ?? '')
  if (!m || Number(m[1]) <= now) return false
  for (const s of secrets) if (await secretsEqual(m[2], await mac(s, `ops.${m[1]}`))) return true
  return false
}

export function readOpsCookie(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === OPS_COOKIE) return v.join('=')
  }
  return undefined
}

export function opsCookieHeader(token: string, secure: boolean, maxAgeS: number): string {
  return `${OPS_COOKIE}=${token}; Path=/ops; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`
}

/** Whether the request is an operator's: the API key, or a live ops cookie. */
export async function isOperator(
  c: Context,
  apiKey: string,
  cookieSecrets: readonly string[],
  now: number
): Promise<boolean> {
  const key = c.req.header('ngv-api-key')
  if (key !== undefined) return secretsEqual(key, apiKey)
  return opsTokenValid(cookieSecrets, readOpsCookie(c.req.header('cookie')), now)
}
