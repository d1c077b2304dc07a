/**
 * @module ellis/auth
 * Who is calling (clearwater-interfaces §1.1): an administrator or automation with the
 * `NGV-API-Key` header, or a browser with the signed session cookie. `authenticate_request`
 * answers 403 when neither is there; the per-account check (`get_and_check_user_id`) answers 403
 * when the cookie names another account and 404 when the account does not exist; the
 * per-number check (`check_number_ownership`) answers 404 "Number not found" or "User doesn't own
 * that number". Secrets are compared in constant time; wrong keys are counted against their
 * source and refused once its budget is spent (api-key-guard.ts).
 */
import { keys } from '../../shared/vellum'
import { type Account, getAccount, normalEmail } from './accounts-store'
import { EllisError, forbidden, notFound } from './api-errors'
import { apiKeyAdmitted } from './api-key-guard'
import { ELLIS_LIMITS } from './ellis-config'
import type { EllisContext, EllisDeps } from './ellis-deps'
import { requestMeta } from './request-context'
import { readSessionCookie, type SessionClaims, verifySession } from './session-cookie'

export const API_KEY_HEADER = 'ngv-api-key'
/** Longest number URI Ellis holds; longer ones cannot be table keys (DynamoDB: 1024 bytes). */
export const MAX_SIP_URI_BYTES = 512

export interface Caller {
  admin: boolean
  session: SessionClaims | undefined
}

const callers = new WeakMap<Request, Caller>()

export async function identify(c: EllisContext, deps: EllisDeps): Promise<Caller> {
  const hit = callers.get(c.req.raw)
  if (hit) return hit
  const key = c.req.header(API_KEY_HEADER)
  const admin =
    key !== undefined &&
    (await apiKeyAdmitted(deps, (await requestMeta(c, deps.config.hopSecret)).clientId, key))
  const session = await verifySession(
    deps.config.cookieSecret,
    readSessionCookie(c.req.header('cookie')),
    deps.clock.now()
  )
  const caller = { admin, session }
  callers.set(c.req.raw, caller)
  return caller
}

/** `authenticate_request`: an API key or a session cookie must be present. */
export async function authenticate(c: EllisContext, deps: EllisDeps): Promise<Caller> {
  const caller = await identify(c, deps)
  if (!caller.admin && !caller.session)
    throw forbidden('NGV-API-Key header or authentication cookie was missing or incorrect')
  return caller
}

/**
 * An API key, or a session cookie whose session is still live: the account exists and has not
 * bumped its session version since (logout, password change, recovery). For routes that are
 * not about one account, such as the address book.
 */
export async function requireLiveSession(c: EllisContext, deps: EllisDeps): Promise<Caller> {
  const caller = await authenticate(c, deps)
  if (caller.admin) return caller
  const account = await getAccount(deps.table, caller.session!.email)
  if (!account || account.sessionVersion !== caller.session!.sessionVersion)
    throw forbidden('the session has ended; log in again')
  return caller
}

export async function requireAdmin(c: EllisContext, deps: EllisDeps): Promise<void> {
  const caller = await identify(c, deps)
  if (!caller.admin) throw forbidden('this operation needs the NGV-API-Key header')
}

/** `get_and_check_user_id`: the caller may act for `email`, and the account exists. */
export async function requireAccount(
  c: EllisContext,
  deps: EllisDeps,
  email: string
): Promise<{ account: Account; caller: Caller }> {
  const caller = await authenticate(c, deps)
  if (!caller.admin && normalEmail(caller.session!.email) !== normalEmail(email))
    throw forbidden('the session belongs to another account')
  // No account has a longer address (sign-up caps it), and the table refuses such keys.
  const account =
    email.length <= ELLIS_LIMITS.emailMaxLength ? await getAccount(deps.table, email) : undefined
  if (!account) throw notFound(`no account for ${email.slice(0, 64)}`)
  if (!caller.admin && account.sessionVersion !== caller.session!.sessionVersion)
    throw forbidden('the session has ended; log in again')
  return { account, caller }
}

/** `check_number_ownership`: the number exists and belongs to `email`. */
export async function requireNumberOwnership(
  deps: EllisDeps,
  email: string,
  sipUri: string
): Promise<void> {
  if (new TextEncoder().encode(sipUri).length > MAX_SIP_URI_BYTES)
    throw new EllisError(404, 'Number not found')
  const it = await deps.table.get(keys.numberKey(sipUri), { consistent: true })
  if (!it) throw new EllisError(404, 'Number not found')
  if (it.owner !== normalEmail(email)) throw new EllisError(404, "User doesn't own that number")
}
