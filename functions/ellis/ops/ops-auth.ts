/**
 * @module ellis/ops/ops-auth
 * Who may use `/ops` (docs/operations.md#traces): an operator, by the `NGV-API-Key` header (the
 * CLI; wrong keys are counted against their source, api-key-guard.ts) or by the ops session
 * cookie a login with that key sets (the ops page). The cookie is its own: named
 * `edgewater_ops`, `ops.<expiry>.<session id>.<HMAC>` under a key derived from
 * `ELLIS_COOKIE_SECRET` for this purpose only, so a subscriber's portal session is never an
 * operator's and an operator's cookie opens nothing in the portal. HttpOnly, SameSite=Strict,
 * Secure when the client reached the edge over HTTPS, valid `OPS_SESSION_S` (default 8 h).
 *
 * The session is also a record in the regional KV (`ellis:ops-session:<id>`, written to both
 * regions): `live` from the login, `ended` from the logout, until the cookie's expiry. A cookie
 * is honoured only while its record says `live`, so logging out ends the session for every copy
 * of the cookie, and a record the store no longer holds ends it too (fail closed). A KV that
 * cannot be read answers 503; the API key still works then.
 */
import { type RegionalKv, Unavailable } from '../../../shared/vellum'
import { EllisError } from '../api-errors'
import { apiKeyAdmitted } from '../api-key-guard'
import type { EllisContext, EllisDeps } from '../ellis-deps'
import { requestMeta } from '../request-context'
import { randomHexId, secretsEqual } from '../secrets'

export const OPS_COOKIE = 'edgewater_ops'
export const OPS_SESSION_S = 8 * 3600
const PURPOSE = 'edgewater-ops-session-v1'
const encoder = new TextEncoder()

const sessionKey = (id: string) => `ellis:ops-session:${id}`
type SessionState = 'live' | 'ended'

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

/** A session token for session `id`, valid until `expiresMs` (and while its record is live). */
export async function opsToken(secret: string, expiresMs: number, id: string): Promise<string> {
  const body = `ops.${expiresMs}.${id}`
  return `${body}.${await mac(secret, body)}`
}

/**
 * The session id of `token` when it is well formed, signed under any of `secrets` (current, then
 * previous) and unexpired at `now`; otherwise undefined. Says nothing of a logout.
 */
export async function opsTokenSession(
  secrets: readonly string[],
  token: string | undefined,
  now: number
): Promise<string | undefined> {
  const m = /^ops\.(\d{1,16})\.([0-9a-f]{32})\.([0-9a-f]{64})$/.exec(token ?? '')
  if (!m || Number(m[1]) <= now) return undefined
  for (const s of secrets)
    if (await secretsEqual(m[3], await mac(s, `ops.${m[1]}.${m[2]}`))) return m[2]
  return undefined
}

function storeDown(err: unknown): never {
  if (err instanceof Unavailable)
    throw new EllisError(
      503,
      'the session store is unavailable; retry shortly',
      {},
      {
        'retry-after': '1',
      }
    )
  throw err
}

/** Starts a session: its record says `live` until the cookie's expiry. The cookie's value. */
export async function startOpsSession(
  kv: RegionalKv,
  secret: string,
  now: number
): Promise<string> {
  const id = randomHexId()
  await kv
    .set(sessionKey(id), 'live' satisfies SessionState, { ttlSeconds: OPS_SESSION_S })
    .catch(storeDown)
  return opsToken(secret, now + OPS_SESSION_S * 1000, id)
}

/** Ends the session of `token` (when it is a genuine one) for every copy of the cookie. */
export async function endOpsSession(
  kv: RegionalKv,
  secrets: readonly string[],
  token: string | undefined,
  now: number
): Promise<void> {
  const id = await opsTokenSession(secrets, token, now)
  if (id === undefined) return
  await kv
    .set(sessionKey(id), 'ended' satisfies SessionState, { ttlSeconds: OPS_SESSION_S })
    .catch(storeDown)
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

/**
 * Whether the request is an operator's: the right API key (429 once its source has sent too
 * many wrong ones), or a genuine, unexpired ops cookie whose session is still live.
 */
export async function isOperator(c: EllisContext, d: EllisDeps): Promise<boolean> {
  const key = c.req.header('ngv-api-key')
  if (key !== undefined)
    return apiKeyAdmitted(d, (await requestMeta(c, d.config.hopSecret)).clientId, key)
  const id = await opsTokenSession(
    d.config.cookieSecret,
    readOpsCookie(c.req.header('cookie')),
    d.clock.now()
  )
  if (id === undefined) return false
  const state = await d.kv.get<SessionState>(sessionKey(id)).catch(storeDown)
  return state === 'live'
}
