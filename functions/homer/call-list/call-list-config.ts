/**
 * @module homer/call-list/call-list-config
 * Limits of Memento's call-list API (clearwater-interfaces §8), parsed with zod once per bindings
 * object (contributing §4):
 *
 * | binding                  | default   | meaning                                                              |
 * | ------------------------ | --------- | -------------------------------------------------------------------- |
 * | `MEMENTO_MAX_CALLS`      | unset     | `max_call_list_length`: newest calls a list keeps; older are deleted |
 * | `MEMENTO_READ_FRAGMENTS` | 5000      | most stored fragments one list read looks at (bounds its cost)       |
 *
 * The API key a caller may present as `NGV-API-Key` is the deployment's `ELLIS_API_KEY`.
 */
import { z } from 'zod'
import { parseCachedConfig } from '../../../shared/config/cached-config'
import type { RawEnv } from '../../../shared/config/function-env'

export interface CallListLimits {
  maxCalls: number | undefined
  maxFragments: number
}

export const DEFAULT_CALL_LIST_LIMITS: CallListLimits = { maxCalls: undefined, maxFragments: 5000 }

const schema = z.object({
  MEMENTO_MAX_CALLS: z.coerce.number().int().min(1).max(100_000).optional(),
  MEMENTO_READ_FRAGMENTS: z.coerce
    .number()
    .int()
    .min(10)
    .max(100_000)
    .default(DEFAULT_CALL_LIST_LIMITS.maxFragments),
})

const parse = parseCachedConfig(
  schema,
  'Homer call list',
  (d): CallListLimits => ({ maxCalls: d.MEMENTO_MAX_CALLS, maxFragments: d.MEMENTO_READ_FRAGMENTS })
)

export function callListLimits(raw: RawEnv): CallListLimits {
  return parse(raw)
}
