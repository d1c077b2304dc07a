/**
 * @module ellis/rate-limit
 * Fixed-window counters in the regional KV (written to both regions, so a client cannot double
 * its budget by alternating regions): failed logins per account and per client, recovery mail
 * per address and per day, recovery-token attempts per address. A limit reached is 429 for
 * logins and 503 with `Retry-After` for recovery (clearwater-interfaces §1.3). If the KV cannot
 * be reached the check lets the request through and logs it: throttling protects against abuse,
 * it must not take logins down with it.
 */
import type { Logger } from '../../shared/log/logger'
import { type RegionalKv, Unavailable } from '../../shared/vellum'
import { normalEmail } from './accounts-store'
import { EllisError } from './api-errors'
import { LOGIN_THROTTLE, RECOVERY } from './ellis-config'

const acctKey = (email: string) => `ellis:login-fail:acct:${normalEmail(email)}`
const clientKey = (client: string) => `ellis:login-fail:client:${client}`

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

const tooMany = (reason: string, retryAfterS: number) =>
  new EllisError(429, reason, {}, { 'retry-after': String(retryAfterS) })

/** 429 when this account or this client has failed to log in too often in the window. */
export async function checkLoginAllowed(
  kv: RegionalKv,
  log: Logger,
  email: string,
  client: string
): Promise<void> {
  const [perAccount, perClient] = await Promise.all([
    count(kv, acctKey(email), log),
    count(kv, clientKey(client), log),
  ])
  if (perAccount >= LOGIN_THROTTLE.perAccountFailures)
    throw tooMany(
      'too many failed logins for this account; try again later',
      LOGIN_THROTTLE.windowS
    )
  if (perClient >= LOGIN_THROTTLE.perClientFailures)
    throw tooMany(
      'too many failed logins from this client; try again later',
      LOGIN_THROTTLE.windowS
    )
}

export async function recordLoginFailure(
  kv: RegionalKv,
  log: Logger,
  email: string,
  client: string
): Promise<void> {
  await Promise.all([
    bump(kv, acctKey(email), LOGIN_THROTTLE.windowS, log),
    bump(kv, clientKey(client), LOGIN_THROTTLE.windowS, log),
  ])
}

/** A successful login clears the account's failures (the client's stay). */
export async function clearAccountFailures(kv: RegionalKv, log: Logger, email: string) {
  try {
    await kv.del(acctKey(email))
  } catch (err) {
    if (!(err instanceof Unavailable)) throw err
    log.warn('throttle counter not cleared', { error: err })
  }
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
