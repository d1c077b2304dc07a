/**
 * @module ellis/throttle-config
 * Ellis's abuse limits (issue 14 findings 11 and 12), with their defaults, parsed with zod from
 * optional bindings once per isolate. Failed logins are limited per source (the client address
 * the edge vouches for), so nobody can lock another person out; an account that many sources
 * fail against is slowed down, never locked, and a source the account logged in from before
 * is not slowed. Wrong signup codes are limited per source.
 *
 * | binding                             | default | meaning                                                         |
 * | ----------------------------------- | ------- | --------------------------------------------------------------- |
 * | `ELLIS_LOGIN_FAILURES_PER_SOURCE`   | 5       | failed logins of one account from one source per window (429)   |
 * | `ELLIS_LOGIN_FAILURES_PER_CLIENT`   | 50      | failed logins from one source, all accounts, per window (429)   |
 * | `ELLIS_LOGIN_SLOWDOWN_AFTER`        | 10      | failed logins of one account, all sources, before slowing down  |
 * | `ELLIS_LOGIN_SLOWDOWN_INTERVAL_S`   | 10      | then: one attempt per this many seconds from unknown sources    |
 * | `ELLIS_SIGNUP_CODE_FAILURES`        | 10      | wrong signup codes from one source per window (429)             |
 */
import { z } from 'zod'
import { parseCachedConfig } from '../../shared/config/cached-config'
import type { RawEnv } from '../../shared/config/function-env'

/** Fixed windows of the counters (seconds), and how long a source stays "known" to an account. */
export const THROTTLE_WINDOWS = {
  loginWindowS: 15 * 60,
  signupWindowS: 60 * 60,
  knownSourceS: 30 * 24 * 3600,
} as const

export interface ThrottleConfig {
  loginFailuresPerSource: number
  loginFailuresPerClient: number
  loginSlowdownAfter: number
  loginSlowdownIntervalS: number
  signupCodeFailures: number
}

export const DEFAULT_THROTTLE: ThrottleConfig = {
  loginFailuresPerSource: 5,
  loginFailuresPerClient: 50,
  loginSlowdownAfter: 10,
  loginSlowdownIntervalS: 10,
  signupCodeFailures: 10,
}

const count = (max: number) => z.coerce.number().int().min(1).max(max).optional()

const schema = z.object({
  ELLIS_LOGIN_FAILURES_PER_SOURCE: count(1000),
  ELLIS_LOGIN_FAILURES_PER_CLIENT: count(100_000),
  ELLIS_LOGIN_SLOWDOWN_AFTER: count(100_000),
  ELLIS_LOGIN_SLOWDOWN_INTERVAL_S: count(3600),
  ELLIS_SIGNUP_CODE_FAILURES: count(1000),
})

const parseThrottleConfig = parseCachedConfig(schema, 'Ellis throttle', (o): ThrottleConfig => {
  const d = DEFAULT_THROTTLE
  const config: ThrottleConfig = {
    loginFailuresPerSource: o.ELLIS_LOGIN_FAILURES_PER_SOURCE ?? d.loginFailuresPerSource,
    loginFailuresPerClient: o.ELLIS_LOGIN_FAILURES_PER_CLIENT ?? d.loginFailuresPerClient,
    loginSlowdownAfter: o.ELLIS_LOGIN_SLOWDOWN_AFTER ?? d.loginSlowdownAfter,
    loginSlowdownIntervalS: o.ELLIS_LOGIN_SLOWDOWN_INTERVAL_S ?? d.loginSlowdownIntervalS,
    signupCodeFailures: o.ELLIS_SIGNUP_CODE_FAILURES ?? d.signupCodeFailures,
  }
  return config
})

export function throttleConfig(raw: RawEnv): ThrottleConfig {
  return parseThrottleConfig(raw)
}
