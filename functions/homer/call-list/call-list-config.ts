/**
 * @module homer/call-list/call-list-config
 * Limits of Memento's call-list API (clearwater-interfaces §8), parsed with zod once per bindings
 * object (contributing §4):
 *
 * | binding                  | default   | meaning                                                              |
 * | ------------------------ | --------- | -------------------------------------------------------------------- |
 * | `MEMENTO_MAX_CALLS`      | unset     | `max_call_list_length`: newest calls a list keeps; older are deleted |
 * | `MEMENTO_READ_FRAGMENTS` | 5000      | most stored fragments one list read looks at (bounds its cost)       |
 * | `HOMER_API_KEY_FAILURES` | 10        | wrong `NGV-API-Key`s per source and hour before it gets 429          |
 *
 * The API key a caller may present as `NGV-API-Key` is the deployment's `ELLIS_API_KEY`. Its
 * wrong guesses count in the one budget per source that Ellis counts them in
 * (shared/http/api-key-guard.ts); keep `HOMER_API_KEY_FAILURES` equal to Ellis's
 * `ELLIS_SIGNUP_CODE_FAILURES`.
 */
import { z } from 'zod'
import { parseCachedConfig } from '../../../shared/config/cached-config'
import type { RawEnv } from '../../../shared/config/function-env'
import { DEFAULT_API_KEY_FAILURES } from '../../../shared/http/api-key-guard'

export interface CallListLimits {
  maxCalls: number | undefined
  maxFragments: number
  /** Wrong `NGV-API-Key`s one source may send per hour (shared/http/api-key-guard.ts). */
  apiKeyFailures: number
}

export const DEFAULT_CALL_LIST_LIMITS: CallListLimits = {
  maxCalls: undefined,
  maxFragments: 5000,
  apiKeyFailures: DEFAULT_API_KEY_FAILURES,
}

const schema = z.object({
  MEMENTO_MAX_CALLS: z.coerce.number().int().min(1).max(100_000).optional(),
  MEMENTO_READ_FRAGMENTS: z.coerce
    .number()
    .int()
    .min(10)
    .max(100_000)
    .default(DEFAULT_CALL_LIST_LIMITS.maxFragments),
  HOMER_API_KEY_FAILURES: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(DEFAULT_CALL_LIST_LIMITS.apiKeyFailures),
})

const parse = parseCachedConfig(
  schema,
  'Homer call list',
  (d): CallListLimits => ({
    maxCalls: d.MEMENTO_MAX_CALLS,
    maxFragments: d.MEMENTO_READ_FRAGMENTS,
    apiKeyFailures: d.HOMER_API_KEY_FAILURES,
  })
)

export function callListLimits(raw: RawEnv): CallListLimits {
  return parse(raw)
}
