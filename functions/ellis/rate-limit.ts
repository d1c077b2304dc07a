/**
 * @module ellis/rate-limit
 * Fixed-window counters in the regional KV (written to both regions, so a client cannot double
 * its budget by alternating regions): failed logins, wrong signup codes, recovery mail per
 * address and per day, recovery-token attempts per address. A limit reached is 429 with
 * `Retry-After` for logins and sign-ups, 503 with `Retry-After` for recovery
 * (clearwater-interfaces §1.3). If the KV cannot be reached the check lets the request through
 * and logs it: throttling protects against abuse, it must not take logins down with it.
 *
 * Logins (issue 14 finding 11) are limited per source, never per victim alone: a source that
 * fails too often against one account, or against all accounts, gets 429 for the rest of the
 * window; an account that many sources fail against is slowed down (one attempt per interval
 * from sources it has not logged in from before), not locked, so an attacker cannot lock
 * anyone out and the owner logging in from their usual address is not slowed at all.
 */
import { apiKeyFailureKey } from '../../shared/http/api-key-guard'
import type { Logger } from '../../shared/log/logger'
import { type RegionalKv, Unavailable } from '../../shared/vellum'
import { normalEmail } from './accounts-store'
import { EllisError } from './api-errors'
import { RECOVERY } from './ellis-config'
import { THROTTLE_WINDOWS, type ThrottleConfig } from './throttle-config'

const acctKey = (email: string) => `ellis:login-fail:acct:${normalEmail(email)}`
const sourceKey = (email: string, client: string) =>
  `ellis:login-fail:src:${normalEmail(email)}:${client}`
const clientKey = (client: string) => `ellis:login-fail:client:${client}`
const knownKey = (email: string, client: string) =>
  `ellis:login-known:${normalEmail(email)}:${client}`
const slotKey = (email: string, slot: number) => `ellis:login-slot:${normalEmail(email)}:${slot}`
/**
 * Secrets a source may guess wrong only so often per window: the signup code, the operator key
 * (its counter is the shared API-key guard's, shared/http/api-key-guard.ts).
 */
type GuessedSecret = 'signup' | 'ops'
const guessKey = (what: GuessedSecret, client: string) =>
  what === 'signup' ? `ellis:signup-fail:${client}` : apiKeyFailureKey(client)

async function count(kv: RegionalKv, key: string, log: Logger): Promise<number> {
  try {
    return Number((await kv.get<number>(key)) ?? 0)
  } catch (err) {
    if (!(err instanceof Unavailable)) throw err
    log.warn('throttle counter unreadable; allowing the request', { key, error: err })
    return 0
  }
}

async function bump(kv: RegionalKv, key: string, ttlS: number, log: Logger): Promise<number> {
  try {
    return await kv.incr(key, { ttlSeconds: ttlS })
  } catch (err) {
    if (!(err instanceof Unavailable)) throw err
    log.warn('throttle counter not written', { key, error: err })
    return 0
  }
}

async function quietly(log: Logger, what: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work()
  } catch (err) {
    if (!(err instanceof Unavailable)) throw err
    log.warn(what, { error: err })
  }
}

const tooMany = (reason: string, retryAfterS: number) =>
  new EllisError(429, reason, {}, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterS))) })

export interface LoginAttempt {
  email: string
  /** The source: the client address the edge vouches for (request-context.ts). */
  client: string
  nowMs: number
}

/**
 * 429 when this source has failed too often (against this account, or at all), or when the
 * account is being slowed down and this source is neither known to it nor holds this
 * interval's attempt. Runs before the password is checked, so a throttled guess learns nothing.
 */
export async function checkLoginAllowed(
  kv: RegionalKv,
  log: Logger,
  limits: ThrottleConfig,
  a: LoginAttempt
): Promise<void> {
  const windowS = THROTTLE_WINDOWS.loginWindowS
  const [perSource, perClient, perAccount] = await Promise.all([
    count(kv, sourceKey(a.email, a.client), log),
    count(kv, clientKey(a.client), log),
    count(kv, acctKey(a.email), log),
  ])
  if (perSource >= limits.loginFailuresPerSource)
    throw tooMany(
      'too many failed logins for this account from your address; try again later',
      windowS
    )
  if (perClient >= limits.loginFailuresPerClient)
    throw tooMany('too many failed logins from your address; try again later', windowS)
  if (perAccount < limits.loginSlowdownAfter) return
  if ((await count(kv, knownKey(a.email, a.client), log)) > 0) return
  // Slow lane: one attempt per interval for the account, from sources it does not know.
  const intervalMs = limits.loginSlowdownIntervalS * 1000
  const slot = Math.floor(a.nowMs / intervalMs)
  let took = true
  await quietly(log, 'login slow-lane slot not taken; allowing the request', async () => {
    took = await kv.set(slotKey(a.email, slot), 1, {
      nx: true,
      ttlSeconds: limits.loginSlowdownIntervalS + 1,
    })
  })
  if (!took)
    throw tooMany(
      'many failed logins for this account: it is slowed down; try again in a few seconds',
      ((slot + 1) * intervalMs - a.nowMs) / 1000
    )
}

export async function recordLoginFailure(
  kv: RegionalKv,
  log: Logger,
  a: LoginAttempt
): Promise<void> {
  const windowS = THROTTLE_WINDOWS.loginWindowS
  await Promise.all([
    bump(kv, sourceKey(a.email, a.client), windowS, log),
    bump(kv, clientKey(a.client), windowS, log),
    bump(kv, acctKey(a.email), windowS, log),
  ])
}

/**
 * A successful login clears this source's failures against the account and remembers the
 * source, so a slowed-down account does not slow its owner. The account-wide count stays until
 * its window ends (clearing it would hand a distributed guesser a fresh budget).
 */
export async function recordLoginSuccess(
  kv: RegionalKv,
  log: Logger,
  a: LoginAttempt
): Promise<void> {
  await Promise.all([
    quietly(log, 'throttle counter not cleared', () => kv.del(sourceKey(a.email, a.client))),
    quietly(log, 'known login source not recorded', () =>
      kv.set(knownKey(a.email, a.client), 1, { ttlSeconds: THROTTLE_WINDOWS.knownSourceS })
    ),
  ])
}

/** 429 when this source has sent too many wrong signup codes in the window (finding 12). */
export async function checkSignupAllowed(
  kv: RegionalKv,
  log: Logger,
  limits: ThrottleConfig,
  client: string
): Promise<void> {
  await checkGuesses(kv, log, limits, 'signup', client)
}

export async function recordSignupFailure(kv: RegionalKv, log: Logger, client: string) {
  await bump(kv, guessKey('signup', client), THROTTLE_WINDOWS.signupWindowS, log)
}

/**
 * 429 when this source has sent too many wrong API keys to the operator login (`/ops/login`) in
 * the window: the same budget as signup codes, counted apart.
 */
export async function checkOpsLoginAllowed(
  kv: RegionalKv,
  log: Logger,
  limits: ThrottleConfig,
  client: string
): Promise<void> {
  await checkGuesses(kv, log, limits, 'ops', client)
}

/** Counts a wrong operator key (typed at `/ops/login` or sent as `NGV-API-Key`); the new count. */
export async function recordOpsLoginFailure(
  kv: RegionalKv,
  log: Logger,
  client: string
): Promise<number> {
  return bump(kv, guessKey('ops', client), THROTTLE_WINDOWS.signupWindowS, log)
}

async function checkGuesses(
  kv: RegionalKv,
  log: Logger,
  limits: ThrottleConfig,
  what: GuessedSecret,
  client: string
): Promise<void> {
  if ((await count(kv, guessKey(what, client), log)) >= limits.signupCodeFailures)
    throw tooMany(
      what === 'signup'
        ? 'too many wrong signup codes from your address; try again later'
        : 'too many wrong operator keys from your address; try again later',
      THROTTLE_WINDOWS.signupWindowS
    )
}

/** Recovery mail: `mailBurstPerAddress` per hour per address and `mailPerDay` in all (503). */
export async function takeRecoveryMail(
  kv: RegionalKv,
  log: Logger,
  email: string,
  nowMs: number
): Promise<void> {
  const day = new Date(nowMs).toISOString().slice(0, 10)
  const [perAddress, perDay] = await Promise.all([
    bump(kv, `ellis:recovery-mail:${normalEmail(email)}`, RECOVERY.mailBurstWindowS, log),
    bump(kv, `ellis:recovery-mail-day:${day}`, 24 * 3600, log),
  ])
  if (perAddress > RECOVERY.mailBurstPerAddress)
    throw new EllisError(
      503,
      'too many recovery mails for this address; try again later',
      {},
      {
        'retry-after': String(RECOVERY.mailBurstWindowS),
      }
    )
  if (perDay > RECOVERY.mailPerDay)
    throw new EllisError(
      503,
      'the daily recovery mail budget is spent; try again tomorrow',
      {},
      {
        'retry-after': String(3600),
      }
    )
}

/** Recovery-token attempts per address (503 when exhausted). */
export async function takeTokenAttempt(kv: RegionalKv, log: Logger, email: string): Promise<void> {
  const n = await bump(kv, `ellis:recovery-try:${normalEmail(email)}`, RECOVERY.tokenWindowS, log)
  if (n > RECOVERY.tokenAttempts)
    throw new EllisError(
      503,
      'too many recovery attempts; try again later',
      {},
      {
        'retry-after': String(RECOVERY.tokenWindowS),
      }
    )
}
