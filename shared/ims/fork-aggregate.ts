/**
 * @module ims/fork-aggregate
 * Best-response choice of a forking proxy (RFC 3261 §16.7 steps 5–7), as plain functions over
 * the final statuses of a request's client transactions so the S-CSCF can run them on a
 * transaction record assembled from several invocations. A 2xx is never chosen here: it is
 * forwarded as soon as it arrives (§16.7 step 5). Among the other finals, a 6xx wins over
 * everything (§16.7 step 6: "choose from the 6xx class responses if any exist"), then the lowest
 * class; within 4xx the statuses that let the UAC resubmit (401, 407, 415, 420, 484) are
 * preferred. A chosen 503 is sent as 500 (§16.7 step 6: a 503 must not travel past a proxy that
 * forked). The challenges of every 401/407 received are merged into the chosen 401/407 (§16.7
 * step 7). No final at all is 408 (§16.7 step 6).
 */

/** 4xx statuses §16.7 step 6 says to prefer: they tell the UAC how to resubmit. */
const RESUBMIT_4XX = new Set([401, 407, 415, 420, 484])

/** Flow Failed (RFC 5626 §11.5) counts like Temporarily Unavailable when choosing. */
export const FLOW_FAILED = 430

export interface BestResponse {
  /** Index of the chosen response among the finals given, or undefined when none exists. */
  index: number | undefined
  /** The status to send upstream (503 → 500, none → 408). */
  status: number
  /** Indices of every 401/407 whose challenges go into the chosen one (§16.7 step 7). */
  challengeSources: number[]
}

function rank(status: number): number {
  // Lower ranks win. 6xx first, then 3xx, 4xx (resubmittable first), 5xx.
  const cls = Math.floor(status / 100)
  if (cls === 6) return 0
  if (cls === 3) return 100
  if (cls === 4) return RESUBMIT_4XX.has(status) ? 200 : status === FLOW_FAILED ? 260 : 250
  if (cls === 5) return 300 + (status === 503 ? 1 : 0)
  return 900
}

/**
 * Chooses the response to forward among the non-2xx finals of a request's client transactions
 * (in arrival order; ties keep the earliest). Provisional and 2xx statuses are ignored.
 */
export function chooseBestResponse(finals: readonly number[]): BestResponse {
  let best: number | undefined
  for (let i = 0; i < finals.length; i++) {
    const s = finals[i]!
    if (s < 300 || s > 699) continue
    if (best === undefined || rank(s) < rank(finals[best]!)) best = i
  }
  if (best === undefined) return { index: undefined, status: 408, challengeSources: [] }
  const chosen = finals[best]!
  const status = chosen === 503 ? 500 : chosen === FLOW_FAILED ? 480 : chosen
  const challengeSources =
    chosen === 401 || chosen === 407
      ? finals.flatMap((s, i) => (s === 401 || s === 407 ? [i] : []))
      : []
  return { index: best, status, challengeSources }
}

/** The header names whose values §16.7 step 7 merges from every 401/407. */
export const CHALLENGE_HEADERS = ['WWW-Authenticate', 'Proxy-Authenticate'] as const

/**
 * Whether a fork's final status ends the request at once (a 2xx is forwarded immediately and the
 * other forks cancelled, §16.7 step 5 / §16.10; a 6xx makes the proxy cancel the others).
 */
export function cancelsOtherForks(status: number): boolean {
  return (status >= 200 && status < 300) || (status >= 600 && status < 700)
}
