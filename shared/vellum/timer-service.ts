/**
 * @module vellum/timer-service
 * The timer service as code sees it: Chronos's client API (clearwater-interfaces §4.1) without
 * the HTTP. A timer pops `POST <callbackUri>` with the opaque body and `X-Sequence-Number`
 * (0-based pop index), signed for the trusted zone, at `start + (seq+1) × interval` while that
 * is within `repeatFor` (a pop landing exactly at the end is still made; `repeatFor < interval`
 * never pops). The callback must answer 2xx within 2 s.
 *
 * Delivery is **at least once**: a pop may be repeated (region failover, a slow callback, an
 * alarm retry), so consumers must be idempotent and re-check their state before acting
 * (docs/timers.md). Two tiers sit behind this one interface (architecture §4): intervals of 60 s
 * and more go to EventBridge Scheduler in both regions, shorter ones to Durable Object alarms.
 */

export interface TimerSpec {
  /** Milliseconds between pops (Chronos `timing.interval` is seconds on the wire). */
  intervalMs: number
  /** Milliseconds over which the timer repeats; default `intervalMs` (one pop). */
  repeatForMs?: number
  /** Absolute http(s) URI to POST on each pop (an internal endpoint). */
  callbackUri: string
  /** Body of each pop, returned verbatim. */
  opaque: string
}

export interface TimerService {
  /** Creates a timer with a new id (Chronos `POST /timers`). */
  set(spec: TimerSpec): Promise<string>
  /** Replaces the timer, or creates it with this id if unknown (Chronos `PUT /timers/<id>`). */
  update(id: string, spec: TimerSpec): Promise<string>
  /** Removes the timer; removing an unknown or already-removed timer is not an error. */
  delete(id: string): Promise<void>
}

/** Header carrying the 0-based pop index (Chronos). */
export const SEQUENCE_HEADER = 'x-sequence-number'
/** Callbacks must answer within this (Chronos). */
export const CALLBACK_TIMEOUT_MS = 2_000
/** Intervals below this go to the precise tier (EventBridge Scheduler fires to the minute). */
export const PRECISE_TIER_LIMIT_MS = 60_000
/** Chronos's default replication factor, kept in ids for wire compatibility. */
export const REPLICATION_FACTOR = 2

/** Chronos id syntax: 16 hex digits, `-`, replication factor, then ignored text. */
export const TIMER_ID_RE = /^([0-9a-f]{16})-(\d+)/

export function newTimerId(random: () => number = Math.random): string {
  let hex = ''
  for (let i = 0; i < 16; i++) hex += Math.floor(random() * 16).toString(16)
  return `${hex}-${REPLICATION_FACTOR}`
}

/** The canonical id (`<16 hex>-<rf>`), or undefined when the text is not a Chronos id. */
export function parseTimerId(text: string): string | undefined {
  const m = TIMER_ID_RE.exec(text)
  return m ? `${m[1]}-${m[2]}` : undefined
}

/** Number of pops a spec makes: seq n pops iff (n+1)·interval ≤ repeatFor (Chronos §4.1). */
export function popCount(spec: Pick<TimerSpec, 'intervalMs' | 'repeatForMs'>): number {
  const repeatFor = spec.repeatForMs ?? spec.intervalMs
  if (spec.intervalMs <= 0) return 0
  return Math.floor(repeatFor / spec.intervalMs)
}

/** Checks a spec; returns the problem, naming the field, or undefined when it is valid. */
export function specProblem(spec: TimerSpec): string | undefined {
  if (!Number.isFinite(spec.intervalMs) || spec.intervalMs <= 0)
    return 'timing.interval must be a positive number of seconds'
  if (
    spec.repeatForMs !== undefined &&
    (!Number.isFinite(spec.repeatForMs) || spec.repeatForMs < 0)
  )
    return 'timing.repeat-for must be a non-negative number of seconds'
  let u: URL
  try {
    u = new URL(spec.callbackUri)
  } catch {
    return 'callback.http.uri must be an absolute URI'
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return 'callback.http.uri must be http or https'
  if (typeof spec.opaque !== 'string') return 'callback.http.opaque must be a string'
  return undefined
}
