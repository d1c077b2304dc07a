/**
 * @module ellis/routes/routes-accounts
 * Accounts (clearwater-interfaces §1.3): sign-up with the signup code (403 for a wrong one, 429
 * once a source has sent too many wrong ones, 400 for invalid fields, 409 for an address
 * taken), deletion with every number the account
 * holds (204), and password recovery: an empty request mails a 24-hour link (always 200, even for
 * unknown addresses; 503 when throttled), a request with the token sets the new password (422 for
 * a bad token or unknown address) and ends every session. Creating and deleting an account, and
 * setting its password, are writes to the account's e-mail shard, so they run in the region that
 * owns it (architecture §5; accounts-owner-writes.ts).
 */

import { createRoute, z } from '@hono/zod-openapi'
import { metrics } from '../../../shared/metrics/isolate'
import { ConditionFailed } from '../../../shared/vellum'
import { passwordChanges, updateOwnedAccount } from '../accounts-owner-writes'
import {
  createAccountOp,
  deleteAccountOps,
  deleteRecoveryToken,
  getAccount,
  getRecoveryTokenHash,
  listAccountNumbers,
  normalEmail,
  putRecoveryToken,
} from '../accounts-store'
import { badRequest, conflict, EllisError, forbidden } from '../api-errors'
import {
  AccountAnswer,
  AccountCreate,
  check,
  EmailParam,
  Empty,
  PasswordRecovery,
  passwordField,
} from '../api-schemas'
import { requireAccount } from '../auth'
import { RECOVERY, SESSION } from '../ellis-config'
import type { EllisContext, EllisDeps } from '../ellis-deps'
import { buildServices } from '../ellis-services'
import { wantsFormSuccess } from '../form-mode'
import { deleteNumber } from '../numbers/provisioning'
import { hashPassword } from '../password-hash'
import {
  checkSignupAllowed,
  recordSignupFailure,
  takeRecoveryMail,
  takeTokenAttempt,
} from '../rate-limit'
import {
  accountAbsent,
  accountPresent,
  afterForwardedAccountWrite,
  sessionsEndedSince,
} from '../read-your-writes'
import { parseArgs, requestMeta } from '../request-context'
import { randomToken, secretsEqual, sha256Hex } from '../secrets'
import { sessionCookieHeader, signSession } from '../session-cookie'
import { accountShard } from '../shard-directory'
import { asShardOwner } from '../shard-owner'
import { errorAnswers, formOrJson, jsonAnswer, type RouteTable } from './route-kit'

export const SIGNUP_CODE_HEADER = 'ngv-signup-code'
export const RECOVERY_TOKEN_HEADER = 'ngv-recovery-token'

async function createAccount(c: EllisContext, deps: EllisDeps): Promise<Response> {
  const meta = await requestMeta(c, deps.config.hopSecret)
  const args = parseArgs(c, meta)
  const code = c.req.header(SIGNUP_CODE_HEADER) ?? args.field('signup_code')
  // Issue 14 finding 12: wrong codes are limited per source, checked before the code is.
  await checkSignupAllowed(deps.kv, deps.log, deps.throttle, meta.clientId)
  if (!(await secretsEqual(code, deps.config.signupCode))) {
    await recordSignupFailure(deps.kv, deps.log, meta.clientId)
    throw forbidden('Incorrect signup code')
  }
  const body = check(AccountCreate, {
    email: args.field('email'),
    password: args.field('password'),
    full_name: args.field('full_name'),
    expires: args.field('expires'),
  })
  if (!body.ok) throw badRequest(body.reason)
  const email = normalEmail(body.value.email)
  const fullName = body.value.full_name
  const s = buildServices(deps, meta.forwardedBy)
  let hash: string | undefined
  return asShardOwner(
    s.routing,
    'accounts',
    accountShard(email),
    async (rec) => {
      const now = deps.clock.now()
      hash ??= await hashPassword(body.value.password, deps.config.pbkdf2Iterations)
      const expiresMs =
        body.value.expires !== undefined ? now + Number(body.value.expires) * 86_400_000 : undefined
      try {
        await s.shards.transact(rec, [
          createAccountOp({ email, fullName, passwordHash: hash, createdMs: now, expiresMs }),
        ])
      } catch (err) {
        if (err instanceof ConditionFailed) throw conflict(`an account for ${email} already exists`)
        throw err
      }
      deps.log.info('account created', { email, shard: rec.shard })
      metrics.ellisSignups.inc()
      // Clearwater sets the session cookie here only for browser forms with `onsuccess`.
      if (await wantsFormSuccess(c)) {
        const value = await signSession(deps.config.cookieSecret, {
          email,
          expiresMs: now + SESSION.lifetimeS * 1000,
          sessionVersion: now,
        })
        c.header('set-cookie', sessionCookieHeader(value, meta.secure))
      }
      return c.json({ username: email, full_name: fullName }, 201)
    },
    // Read-your-writes: the user logs in through this region next (read-your-writes.ts).
    async (owner) =>
      afterForwardedAccountWrite(deps, email, accountPresent, await s.peer.forward(c, meta, owner))
  )
}

async function deleteAccount(c: EllisContext, deps: EllisDeps): Promise<Response> {
  const meta = await requestMeta(c, deps.config.hopSecret)
  const email = normalEmail(c.req.param('email') ?? '')
  await requireAccount(c, deps, email)
  const s = buildServices(deps, meta.forwardedBy)
  return asShardOwner(
    s.routing,
    'accounts',
    accountShard(email),
    async (rec) => {
      for (const n of await listAccountNumbers(deps.table, email))
        await deleteNumber(s.provisioning, email, n.sipUri)
      await s.shards.transact(rec, deleteAccountOps(email))
      deps.log.info('account deleted', { email })
      return c.body(null, 204)
    },
    async (owner) =>
      afterForwardedAccountWrite(deps, email, accountAbsent, await s.peer.forward(c, meta, owner))
  )
}

async function recoverPassword(c: EllisContext, deps: EllisDeps): Promise<Response> {
  const meta = await requestMeta(c, deps.config.hopSecret)
  const args = parseArgs(c, meta)
  const email = normalEmail(c.req.param('email') ?? '')
  const token = c.req.header(RECOVERY_TOKEN_HEADER) ?? args.field('recovery_token')
  const now = deps.clock.now()

  if (!token) {
    // No token: send the recovery mail. Always 200, so the answer reveals no account.
    if (deps.mailer.kind === 'none') {
      deps.log.error('password recovery asked for, but no mail path is configured', {
        setting: 'ELLIS_MAIL_WEBHOOK',
      })
      throw new EllisError(503, 'password recovery by mail is not available on this deployment')
    }
    await takeRecoveryMail(deps.kv, deps.log, email, now)
    const account = await getAccount(deps.table, email)
    if (account) {
      const fresh = randomToken(32)
      await putRecoveryToken(
        deps.table,
        email,
        await sha256Hex(fresh),
        now,
        RECOVERY.tokenLifetimeS
      )
      const base = deps.config.portalUrl ?? meta.origin
      const link = `${base}/reset.html?email=${encodeURIComponent(email)}&token=${fresh}`
      await deps.mailer.send({
        to: email,
        subject: 'Reset your Edgewater password',
        text: `Someone asked to reset the password of ${email}. To choose a new one, open\n${link}\nwithin 24 hours. If it was not you, ignore this message.`,
        link,
      })
    }
    return c.json({}, 200)
  }

  const type = c.req.header('content-type') ?? ''
  const password = type.startsWith('text/plain') ? args.text : args.field('password')
  const pw = check(passwordField, password)
  if (!pw.ok) throw badRequest(`password: ${pw.reason.replace(/^\(body\): /, '')}`)
  const s = buildServices(deps, meta.forwardedBy)
  return asShardOwner(
    s.routing,
    'accounts',
    accountShard(email),
    async (rec) => {
      await takeTokenAttempt(deps.kv, deps.log, email)
      const [account, stored] = await Promise.all([
        getAccount(deps.table, email),
        getRecoveryTokenHash(deps.table, email),
      ])
      const given = await sha256Hex(token)
      const match = stored !== undefined && (await secretsEqual(given, stored))
      const invalid = () => new EllisError(422, 'the recovery token is not valid for this address')
      if (!account || !match) throw invalid()
      const hash = await hashPassword(pw.value, deps.config.pbkdf2Iterations)
      // A deletion that got here first wins: the update finds no account (accounts-owner-writes.ts).
      if (!(await updateOwnedAccount(s.shards, rec, email, passwordChanges(hash, true))))
        throw invalid()
      await deleteRecoveryToken(deps.table, email)
      deps.log.info('password reset by recovery token', { email })
      return c.json({}, 200)
    },
    async (owner) => {
      const before = await getAccount(deps.table, email)
      const answer = await s.peer.forward(c, meta, owner)
      // The old cookies stop working here before the answer (read-your-writes.ts).
      return before
        ? afterForwardedAccountWrite(deps, email, sessionsEndedSince(before.sessionVersion), answer)
        : answer
    }
  )
}

export function accountRoutes(t: RouteTable): void {
  t.add(
    createRoute({
      method: 'post',
      path: '/api/accounts',
      tags: ['accounts'],
      summary: 'Create an account (needs the signup code)',
      request: {
        headers: z.object({
          'ngv-signup-code': z.string().optional().openapi({ description: 'the signup code' }),
        }),
        body: formOrJson(AccountCreate),
      },
      responses: {
        201: jsonAnswer('The account', AccountAnswer),
        302: { description: 'Form mode (onsuccess/onfailure): redirect with the outcome' },
        ...errorAnswers({
          400: 'Invalid field',
          403: 'Wrong or missing signup code',
          409: 'The address has an account',
          429: 'Too many wrong signup codes from this source (Retry-After)',
        }),
      },
    }),
    createAccount
  )
  t.add(
    createRoute({
      method: 'delete',
      path: '/api/accounts/{email}',
      tags: ['accounts'],
      summary: 'Delete an account and every number it holds',
      request: { params: EmailParam },
      responses: {
        204: { description: 'Deleted' },
        ...errorAnswers({
          403: 'Not authenticated for this account',
          404: 'No such account',
          502: 'Upstream failure',
        }),
      },
    }),
    deleteAccount
  )
  t.add(
    createRoute({
      method: 'post',
      path: '/api/accounts/{email}/password',
      tags: ['accounts'],
      summary: 'Password recovery: without a token, mail a link; with one, set the password',
      request: {
        params: EmailParam,
        headers: z.object({
          'ngv-recovery-token': z
            .string()
            .optional()
            .openapi({ description: 'the token from the mail' }),
        }),
        body: formOrJson(PasswordRecovery),
      },
      responses: {
        200: jsonAnswer('Mail sent (if the account exists) or password changed', Empty),
        ...errorAnswers({
          400: 'Invalid password',
          422: 'Bad recovery token or unknown address',
          503: 'Throttled (Retry-After), no mail path is configured, or the region owning the address is unreachable (Retry-After)',
        }),
      },
    }),
    recoverPassword
  )
}
