/**
 * @module ellis/routes/routes-session
 * Browser sessions (clearwater-interfaces §1.1, §1.3): `POST /api/session` checks the password
 * (PBKDF2, constant-time; unknown addresses cost the same) and sets the signed session cookie
 * (201), or answers 403 "Incorrect username or password"; failed logins are throttled per
 * source, and an account many sources fail against is slowed down (429 with Retry-After;
 * rate-limit.ts). Edgewater adds `GET /api/session` (who is logged in, for the portal) and
 * `DELETE /api/session` (logout: the cookie is cleared and every session of the account ends).
 * Both write the account only in the region that owns its e-mail shard (accounts-owner-writes.ts):
 * a login elsewhere leaves an outdated hash to the next login there, and a logout elsewhere is
 * forwarded there (503 with Retry-After while that region is unreachable).
 */
import { createRoute } from '@hono/zod-openapi'
import { endSessionsChanges, passwordChanges, updateOwnedAccount } from '../accounts-owner-writes'
import { getAccount, normalEmail } from '../accounts-store'
import { badRequest, forbidden } from '../api-errors'
import { AccountAnswer, check, SessionCreate } from '../api-schemas'
import { identify } from '../auth'
import { SESSION } from '../ellis-config'
import type { EllisContext, EllisDeps } from '../ellis-deps'
import { buildServices } from '../ellis-services'
import { dummyVerify, hashPassword, needsRehash, verifyPassword } from '../password-hash'
import { checkLoginAllowed, recordLoginFailure, recordLoginSuccess } from '../rate-limit'
import { afterForwardedAccountWrite, sessionsEndedSince } from '../read-your-writes'
import { parseArgs, requestMeta } from '../request-context'
import { clearedCookieHeader, sessionCookieHeader, signSession } from '../session-cookie'
import { accountShard, FenceLost } from '../shard-directory'
import { asShardOwner } from '../shard-owner'
import { errorAnswers, formOrJson, jsonAnswer, type RouteTable } from './route-kit'

const BAD_LOGIN = 'Incorrect username or password'

async function login(c: EllisContext, deps: EllisDeps): Promise<Response> {
  const meta = await requestMeta(c, deps.config.hopSecret)
  const args = parseArgs(c, meta)
  const body = check(SessionCreate, {
    email: args.field('email'),
    password: args.field('password'),
  })
  if (!body.ok) throw badRequest(body.reason)
  const email = normalEmail(body.value.email)
  const now = deps.clock.now()
  const attempt = { email, client: meta.clientId, nowMs: now }
  await checkLoginAllowed(deps.kv, deps.log, deps.throttle, attempt)
  const account = await getAccount(deps.table, email)
  const good =
    account !== undefined && (account.expiresMs === undefined || account.expiresMs > now)
      ? await verifyPassword(body.value.password, account.passwordHash)
      : await dummyVerify(body.value.password, deps.config.pbkdf2Iterations)
  if (!good || !account) {
    await recordLoginFailure(deps.kv, deps.log, attempt)
    deps.log.info('login refused', { email, client: meta.clientId })
    throw forbidden(BAD_LOGIN)
  }
  await recordLoginSuccess(deps.kv, deps.log, attempt)
  if (needsRehash(account.passwordHash, deps.config.pbkdf2Iterations)) {
    // Only the owner region writes the account; elsewhere the next login there rehashes.
    const s = buildServices(deps, meta.forwardedBy)
    const rec = await s.shards.record('accounts', accountShard(email))
    if (rec.owner === deps.config.region) {
      const hash = await hashPassword(body.value.password, deps.config.pbkdf2Iterations)
      try {
        await updateOwnedAccount(s.shards, rec, email, passwordChanges(hash, false))
      } catch (err) {
        if (!(err instanceof FenceLost)) throw err
      }
    }
  }
  const value = await signSession(deps.config.cookieSecret, {
    email,
    expiresMs: now + SESSION.lifetimeS * 1000,
    sessionVersion: account.sessionVersion,
  })
  c.header('set-cookie', sessionCookieHeader(value, meta.secure))
  return c.json({ username: email, full_name: account.fullName }, 201)
}

async function whoAmI(c: EllisContext, deps: EllisDeps): Promise<Response> {
  const caller = await identify(c, deps)
  const account = caller.session ? await getAccount(deps.table, caller.session.email) : undefined
  if (!caller.session || !account || account.sessionVersion !== caller.session.sessionVersion)
    throw forbidden('not logged in')
  return c.json({ username: account.email, full_name: account.fullName }, 200)
}

async function logout(c: EllisContext, deps: EllisDeps): Promise<Response> {
  const meta = await requestMeta(c, deps.config.hopSecret)
  const caller = await identify(c, deps)
  if (caller.session) {
    const account = await getAccount(deps.table, caller.session.email)
    if (account && account.sessionVersion === caller.session.sessionVersion) {
      const s = buildServices(deps, meta.forwardedBy)
      const forwarded = await asShardOwner(
        s.routing,
        'accounts',
        accountShard(account.email),
        async (rec) => {
          await updateOwnedAccount(s.shards, rec, account.email, endSessionsChanges)
          return undefined
        },
        // The cookie stops working here before the answer (read-your-writes.ts).
        async (owner) =>
          afterForwardedAccountWrite(
            deps,
            account.email,
            sessionsEndedSince(account.sessionVersion),
            await s.peer.forward(c, meta, owner)
          )
      )
      if (forwarded) return forwarded
    }
  }
  c.header('set-cookie', clearedCookieHeader(meta.secure))
  return c.body(null, 204)
}

export function sessionRoutes(t: RouteTable): void {
  t.add(
    createRoute({
      method: 'post',
      path: '/api/session',
      tags: ['session'],
      summary: 'Log in: sets the signed, HttpOnly session cookie',
      request: { body: formOrJson(SessionCreate) },
      responses: {
        201: jsonAnswer('Logged in', AccountAnswer),
        ...errorAnswers({
          400: 'Invalid field',
          403: 'Incorrect username or password',
          429: 'Too many failed logins (Retry-After)',
        }),
      },
    }),
    login
  )
  t.add(
    createRoute({
      method: 'get',
      path: '/api/session',
      tags: ['session'],
      summary: 'The account of the session cookie',
      responses: {
        200: jsonAnswer('Logged in', AccountAnswer),
        ...errorAnswers({ 403: 'Not logged in' }),
      },
    }),
    whoAmI
  )
  t.add(
    createRoute({
      method: 'delete',
      path: '/api/session',
      tags: ['session'],
      summary: 'Log out: clears the cookie and ends every session of the account',
      responses: {
        204: { description: 'Logged out' },
        ...errorAnswers({
          503: 'The region owning the address is unreachable (Retry-After); nothing changed',
        }),
      },
    }),
    logout
  )
}
