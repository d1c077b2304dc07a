/**
 * @module http/api-key-guard
 * The one guard of the deployment's `NGV-API-Key` (`ELLIS_API_KEY`), wherever it is accepted:
 * Ellis's admin API, `/ops/api` and `/ops/metrics` (and keys typed at `/ops/login`), and
 * Homer's call-list API (Memento). Every surface guesses the same secret, so wrong keys are
 * counted against their source in one counter of the regional KV ({@link apiKeyFailureKey},
 * written to both regions) with one budget per window, whichever function saw them.
 *
 * A right key costs no store command. A wrong one increments the source's counter; from the
 * budget's end on, the isolate refuses that source's keys before comparing them (429 with
 * `Retry-After`), so a right key guessed after the budget is spent is refused as well and the
 * answer tells nothing. An isolate that has not yet seen the source learns of its spent budget
 * at its next wrong key. The set of refused sources is bounded per isolate (oldest dropped
 * first). If the KV cannot be reached a wrong key is still wrong, and nothing is refused.
 *
 * Sources are the client addresses the edge vouches for; a function names every caller it has
 * no vouched address for with one shared source ({@link UNVOUCHED_SOURCE}).
 */
import type { Clock } from '../config/clock'
import type { Logger } from '../log/logger'
import { type RegionalKv, Unavailable } from '../vellum'

/** Most sources an isolate remembers as refused (each entry is a few dozen bytes). */
export const MAX_REFUSED_KEY_SOURCES = 4096
/** The budget's fixed window (the counter's TTL, and how long a spent source is refused). */
export const API_KEY_FAILURE_WINDOW_S = 60 * 60
/** Wrong keys one source may send per window (Ellis: `ELLIS_SIGNUP_CODE_FAILURES`). */
export const DEFAULT_API_KEY_FAILURES = 10
/** The source of every caller whose address nobody vouches for. */
export const UNVOUCHED_SOURCE = 'unvouched'

/** The KV counter of wrong operator keys from `client` (its name predates the sharing). */
export const apiKeyFailureKey = (client: string) => `ellis:ops-login-fail:${client}`

export interface ApiKeyLimits {
  /** Wrong keys from one source per window; from then on the source is refused. */
  failures: number
  windowS: number
}

/** Refused sources and until when (ms), per isolate. */
export type RefusedSources = Map<string, number>

export interface ApiKeyGuardDeps {
  kv: RegionalKv
  clock: Clock
  log: Logger
  limits: ApiKeyLimits
  refused: RefusedSources
  /** The deployment's key. */
  apiKey: string
}

export type KeyVerdict =
  | { kind: 'right' }
  | { kind: 'wrong'; failures: number }
  | { kind: 'refused'; retryAfterS: number }

const encoder = new TextEncoder()

/**
 * Constant-time comparison: both sides are hashed first, so neither the content nor the length
 * of the key leaks through timing.
 */
export async function keysEqual(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all(
    [a, b].map(
      async (s) => new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(s)))
    )
  )
  let diff = 0
  for (let i = 0; i < x!.length; i++) diff |= x![i]! ^ y![i]!
  return diff === 0
}

async function countFailure(d: ApiKeyGuardDeps, client: string): Promise<number> {
  try {
    return await d.kv.incr(apiKeyFailureKey(client), { ttlSeconds: d.limits.windowS })
  } catch (err) {
    if (!(err instanceof Unavailable)) throw err
    d.log.warn('API key failure counter not written', { client, error: err })
    return 0
  }
}

function refuse(d: ApiKeyGuardDeps, client: string, untilMs: number): void {
  if (d.refused.size >= MAX_REFUSED_KEY_SOURCES) {
    const oldest = d.refused.keys().next().value
    if (oldest !== undefined) d.refused.delete(oldest)
  }
  d.refused.set(client, untilMs)
}

/** Judges `key` sent by `client`; counts and refuses as the module describes. */
export async function judgeApiKey(
  d: ApiKeyGuardDeps,
  client: string,
  key: string
): Promise<KeyVerdict> {
  const now = d.clock.now()
  const until = d.refused.get(client)
  if (until !== undefined) {
    if (until > now)
      return { kind: 'refused', retryAfterS: Math.max(1, Math.ceil((until - now) / 1000)) }
    d.refused.delete(client)
  }
  if (await keysEqual(key, d.apiKey)) return { kind: 'right' }
  const failures = await countFailure(d, client)
  d.log.warn('wrong NGV-API-Key', { client, failures })
  if (failures >= d.limits.failures) {
    refuse(d, client, now + d.limits.windowS * 1000)
    if (failures > d.limits.failures) return { kind: 'refused', retryAfterS: d.limits.windowS }
  }
  return { kind: 'wrong', failures }
}
