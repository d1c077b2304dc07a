/**
 * @module hop/hop-liveness
 * What a sender does with a hop that has had no answer within its timeout (docs/internal-hop.md,
 * "A slow hop"). A timeout alone cannot tell a region that is gone from one that is busy, and a
 * busy receiver may already have carried the message out: an INVITE forwarded to the callee, a
 * 200 relayed to the caller. Sending it again to the other region then doubles the call (the
 * callee answers the second INVITE 482 Loop Detected, RFC 3261 §8.2.2.2) while the sender
 * answers its client 408. So, at the timeout, the sender asks the receiver's origin whether it
 * is running ({@link originAnswers}): any HTTP answer within the probe time says it is, and the
 * hop is waited for, up to a longer limit, and never sent elsewhere; no answer (refused, reset,
 * timed out) is a transport failure, which may be tried elsewhere.
 */

/** The probe's path: no function routes it, so any answer (a 404 too) comes at once, without I/O. */
export const LIVENESS_PATH = '/livez'

/** A sender's policy for a hop with no answer within its timeout (sip-over-http.ts `postSip`). */
export interface SlowHop {
  /** Whether the receiver is running (its origin answers anything). */
  alive(): Promise<boolean>
  /** How long after it was sent a hop to a running receiver is waited for in all (ms). */
  limitMs: number
}

/**
 * True when `url`'s origin gives any HTTP answer to `GET /livez` within `timeoutMs`. The timer
 * is cleared when the probe ends, so nothing outlives it (a flow's Durable Object can hibernate).
 */
export async function originAnswers(
  url: string,
  timeoutMs: number,
  doFetch: typeof fetch = (u, i) => fetch(u, i)
): Promise<boolean> {
  let probe: string
  try {
    probe = `${new URL(url).origin}${LIVENESS_PATH}`
  } catch {
    return false
  }
  const abort = new AbortController()
  const timer = setTimeout(() => abort.abort(), timeoutMs)
  try {
    const res = await doFetch(probe, { method: 'GET', signal: abort.signal })
    await res.body?.cancel()
    return true
  } catch {
    return false
  } finally {
    clearTimeout(timer)
  }
}

/** The policy that probes `url`'s origin (`probeMs`) and then waits up to `limitMs`. */
export function probeOrigin(
  url: string,
  probeMs: number,
  limitMs: number,
  doFetch?: typeof fetch
): SlowHop {
  return { alive: () => originAnswers(url, probeMs, doFetch), limitMs }
}
