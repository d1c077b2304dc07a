/**
 * @module ellis/api-key-guard
 * Ellis's use of the shared `NGV-API-Key` guard (shared/http/api-key-guard.ts) on the admin
 * API, `/ops/api` and `/ops/metrics`: one budget per source with keys typed at `/ops/login`
 * (rate-limit.ts counts those in the same KV counter) and with Homer's call-list API, since they
 * all guess the same secret. The budget is `ELLIS_SIGNUP_CODE_FAILURES` wrong keys per hour;
 * a refused source gets 429 with `Retry-After`, even for the right key.
 */
import {
  API_KEY_FAILURE_WINDOW_S,
  judgeApiKey,
  MAX_REFUSED_KEY_SOURCES,
} from '../../shared/http/api-key-guard'
import { EllisError } from './api-errors'
import type { EllisDeps } from './ellis-deps'

export { MAX_REFUSED_KEY_SOURCES }

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
  const verdict = await judgeApiKey(
    {
      kv: deps.kv,
      clock: deps.clock,
      log: deps.log,
      limits: { failures: deps.throttle.signupCodeFailures, windowS: API_KEY_FAILURE_WINDOW_S },
      refused: deps.isolate.refusedKeySources,
      apiKey: deps.config.apiKey,
    },
    client,
    key
  )
  if (verdict.kind === 'refused') throw tooMany(verdict.retryAfterS)
  return verdict.kind === 'right'
}
