/**
 * @module ellis/api-key-guard
 * The `NGV-API-Key` header (the admin API, `/ops/api`, `/ops/metrics`), counted against its
 * source like a key typed at `/ops/login` (rate-limit.ts, one budget for both: they guess the
 * same secret). A right key costs no store command. A wrong one increments the source's counter
 * in the regional KV; from the `ELLIS_SIGNUP_CODE_FAILURES`-th wrong key in the window on, the
 * isolate refuses that source's keys before comparing them (429 with `Retry-After`), so a right
 * key guessed after the budget is spent is refused as well and the answer tells nothing. An
 * isolate that has not yet seen the source learns of its spent budget at its next wrong key.
 * The set of refused sources is bounded per isolate (oldest dropped first).
 */
import { EllisError } from './api-errors'
import type { EllisDeps } from './ellis-deps'
import { recordOpsLoginFailure } from './rate-limit'
import { secretsEqual } from './secrets'
import { THROTTLE_WINDOWS } from './throttle-config'

/** Most sources an isolate remembers as refused (each entry is a few dozen bytes). */
export const MAX_REFUSED_KEY_SOURCES = 4096

const tooMany = (retryAfterS: number) =>
  new EllisError(
    429,
    'too many wrong operator keys from your address; try again later',
    {},
    { 'retry-after': String(Math.max(1, Math.ceil(retryAfterS))) }
  )

/**
 * Whether `key` is the deployment's API key. Throws 429 while `client` is refused; counts a
 * wrong key against `client` (and refuses it from the budget's end on).
 */
export async function apiKeyAdmitted(
  deps: EllisDeps,
  client: string,
  key: string
): Promise<boolean> {
  const refused = deps.isolate.refusedKeySources
  const now = deps.clock.now()
  const until = refused.get(client)
  if (until !== undefined) {
    if (until > now) throw tooMany((until - now) / 1000)
    refused.delete(client)
  }
  if (await secretsEqual(key, deps.config.apiKey)) return true
  const failures = await recordOpsLoginFailure(deps.kv, deps.log, client)
  deps.log.warn('wrong NGV-API-Key', { client, failures })
  if (failures >= deps.throttle.signupCodeFailures) {
    if (refused.size >= MAX_REFUSED_KEY_SOURCES) {
      const oldest = refused.keys().next().value
      if (oldest !== undefined) refused.delete(oldest)
    }
    refused.set(client, now + THROTTLE_WINDOWS.signupWindowS * 1000)
    if (failures > deps.throttle.signupCodeFailures) throw tooMany(THROTTLE_WINDOWS.signupWindowS)
  }
  return false
}
