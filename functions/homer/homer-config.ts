/**
 * @module homer/homer-config
 * Homer's limits and lifetimes, in one place (contributing §4): document size, how long a cached
 * simservs model and a Ut digest nonce live, how often a PUT without preconditions retries
 * when it loses an optimistic-versioning race, and how Ut password guessing is slowed down.
 * The Ut throttle is configurable with optional bindings (parsed with zod, once per isolate):
 *
 * | binding                             | default | meaning                                               |
 * | ----------------------------------- | ------- | ----------------------------------------------------- |
 * | `HOMER_UT_FAILURES_BEFORE_SLOWDOWN` | 5       | failed answers per identity in 15 min before slowing  |
 * | `HOMER_UT_SLOWDOWN_INTERVAL_S`      | 10      | then one answer per this many seconds is checked      |
 */
import { z } from 'zod'
import { parseCachedConfig } from '../../shared/config/cached-config'
import type { RawEnv } from '../../shared/config/function-env'

export const HOMER_LIMITS = {
  /** Largest simservs document accepted (413 above). A DynamoDB item holds at most 400 KB. */
  maxDocumentBytes: 64 * 1024,
  /** Attempts of an unconditional PUT/DELETE that keeps losing the version race (then 503). */
  writeAttempts: 4,
} as const

/** Seconds a Ut digest nonce is valid (RFC 7616 §5.4: limited lifetime); `stale=true` after. */
export const UT_NONCE_LIFETIME_S = 300
/** Extra seconds a used nonce-count is remembered after its nonce expires (ut-nonces.ts). */
export const UT_NONCE_GRACE_S = 60

/** Ut digest throttle (ut-throttle.ts). */
export interface UtLimits {
  /** Failed answers of one private identity per window before it is slowed down. */
  failuresBeforeSlowdown: number
  /** While slowed: one answer per this many seconds is checked, the rest get 429. */
  slowdownIntervalS: number
  /** The failure counter's fixed window. */
  windowS: number
}

export const DEFAULT_UT_LIMITS: UtLimits = {
  failuresBeforeSlowdown: 5,
  slowdownIntervalS: 10,
  windowS: 15 * 60,
}

const utSchema = z.object({
  HOMER_UT_FAILURES_BEFORE_SLOWDOWN: z.coerce.number().int().min(1).max(1000).optional(),
  HOMER_UT_SLOWDOWN_INTERVAL_S: z.coerce.number().int().min(1).max(3600).optional(),
})

const parseUtLimits = parseCachedConfig(utSchema, 'Homer', (data): UtLimits => {
  const limits: UtLimits = {
    ...DEFAULT_UT_LIMITS,
    failuresBeforeSlowdown:
      data.HOMER_UT_FAILURES_BEFORE_SLOWDOWN ?? DEFAULT_UT_LIMITS.failuresBeforeSlowdown,
    slowdownIntervalS: data.HOMER_UT_SLOWDOWN_INTERVAL_S ?? DEFAULT_UT_LIMITS.slowdownIntervalS,
  }
  return limits
})

export function utLimits(raw: RawEnv): UtLimits {
  return parseUtLimits(raw)
}
