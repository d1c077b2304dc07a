/**
 * @module ims/session-timer
 * Session timers at a record-routing proxy (RFC 4028 §8; clearwater-interfaces §5.6 "Session
 * timers", sprout session_expires_helper.cpp). On an INVITE or UPDATE the S-CSCF stays in the
 * dialog for, it makes sure the session is refreshed often enough: a missing Session-Expires, or
 * one above the target interval, is set to the target (never below the request's Min-SE, RFC 4028
 * §8.1). On the 2xx, if the UAS chose not to run timers (no Session-Expires) but the UAC said it
 * supports them, the proxy asks the UAC to refresh: `Session-Expires: <n>;refresher=uac` and
 * `Require: timer` (§8.2). A Session-Expires below the proxy's Min-SE is refused with 422 and the
 * proxy's Min-SE when the UAC supports timers, and raised to that Min-SE when it does not (§8.1).
 */

export interface SessionTimerConfig {
  /** default_session_expires: the interval the proxy asks for (600 s). */
  targetSeconds: number
  /** The smallest interval it accepts (Min-SE default, 90 s, RFC 4028 §4). */
  minSeSeconds: number
}

export const DEFAULT_SESSION_TIMER: SessionTimerConfig = { targetSeconds: 600, minSeSeconds: 90 }

export interface RequestTimers {
  /** Session-Expires delta of the request, if present. */
  sessionExpires: number | undefined
  /** Min-SE delta of the request, if present. */
  minSe: number | undefined
}

/** The Session-Expires delta to write on the request, or undefined to leave it as it is. */
export function requestSessionExpires(
  r: RequestTimers,
  cfg: SessionTimerConfig
): number | undefined {
  const floor = Math.max(r.minSe ?? cfg.minSeSeconds, cfg.minSeSeconds)
  const wanted = Math.max(cfg.targetSeconds, floor)
  if (r.sessionExpires === undefined || r.sessionExpires > wanted) return wanted
  return undefined
}

/**
 * The headers to add to a 2xx: when the UAS sent no Session-Expires and the UAC supports timers,
 * the UAC becomes the refresher of the interval the request carried.
 */
export function responseSessionTimer(opts: {
  status: number
  responseHasSessionExpires: boolean
  uacSupportsTimer: boolean
  requestSessionExpires: number | undefined
}): Array<[string, string]> {
  if (opts.status < 200 || opts.status >= 300) return []
  if (opts.responseHasSessionExpires || !opts.uacSupportsTimer) return []
  if (opts.requestSessionExpires === undefined) return []
  return [
    ['Session-Expires', `${opts.requestSessionExpires};refresher=uac`],
    ['Require', 'timer'],
  ]
}

/** What a proxy does with a request's session interval against its Min-SE (RFC 4028 §8.1). */
export type IntervalCheck =
  | { kind: 'ok' }
  /** 422 Session Interval Too Small with `Min-SE: minSe`. */
  | { kind: 'reject'; minSe: number }
  /** Forward with `Session-Expires` and `Min-SE` both set to `minSe`. */
  | { kind: 'raise'; minSe: number }

/**
 * RFC 4028 §8.1: a Session-Expires below the proxy's minimum (its Min-SE, or the request's when
 * larger) is rejected with 422 when the request's Supported lists `timer`. Otherwise the UAC
 * could not act on a 422, so the proxy raises the interval to the minimum and says so in Min-SE.
 */
export function checkInterval(
  r: RequestTimers & { uacSupportsTimer: boolean },
  cfg: SessionTimerConfig
): IntervalCheck {
  if (r.sessionExpires === undefined) return { kind: 'ok' }
  const minSe = Math.max(r.minSe ?? cfg.minSeSeconds, cfg.minSeSeconds)
  if (r.sessionExpires >= minSe) return { kind: 'ok' }
  return r.uacSupportsTimer ? { kind: 'reject', minSe } : { kind: 'raise', minSe }
}
