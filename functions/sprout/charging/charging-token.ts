/**
 * @module sprout/charging/charging-token
 * What a call's BYE (and its other in-dialog requests) needs to write its STOP (or INTERIM)
 * without reading the call's START: carried in the `chg` parameter of Sprout's own Record-Route
 * URI, which the dialog's in-dialog requests bring back in their Route (RFC 3261 §16.6 step 4: a
 * proxy may put parameters in its Record-Route URI; §12.2: the route set is the Record-Route's
 * entries, copied as they are). It says whether Sprout writes a START for the call at its answer
 * (`CHARGING=on`, a side with a CCF) and the interim timers that START takes over, each the
 * Timer C of an INVITE transaction of the call, named by the 16 hex digits of its id
 * (routing-timers.ts `timerCId`, without the `-2`):
 *
 * `chg=<state>.<mac>`, state `0` (no START), `1` (a START without an interim timer) or the timer
 * ids one after another (a START with them); `mac` is base64url of HMAC-SHA-256 under the
 * trusted-zone secret over the Call-ID and the state, truncated to 9 bytes. A token opens only
 * in the call it was made for: a client that edits its Route can make Sprout fall back to
 * reading the START (call-charging.ts), never charge, stop or delete the timer of another call.
 */
import { toBase64Url } from '../../../shared/hop/base64url'
import { hmacSha256 } from '../../../shared/hop/hmac-key'
import { constantTimeEqual } from '../../../shared/sip/digest'

export const CHARGING_ROUTE_PARAM = 'chg'
const MAC_BYTES = 9
const TIMER_HEX = 16
const TIMER_SUFFIX = '-2'

export interface CallCharging {
  /** Sprout writes the call's START (so a STOP or INTERIM item goes beside it). */
  charged: boolean
  /** The interim timers' ids (routing-timers.ts), when the START arms them. */
  timers: string[]
}

async function mac(secret: string, callId: string, state: string): Promise<string> {
  const sig = await hmacSha256(`edgewater-charging-dialog:${secret}`, `${callId}|${state}`)
  return toBase64Url(sig.slice(0, MAC_BYTES))
}

function stateOf(c: CallCharging): string {
  if (!c.charged) return '0'
  const hex = c.timers.map((t) => t.slice(0, TIMER_HEX))
  return hex.length > 0 ? hex.join('') : '1'
}

/** The token of a call's charging, for Sprout's Record-Route. */
export async function sealChargingToken(
  secret: string,
  callId: string,
  c: CallCharging
): Promise<string> {
  const state = stateOf(c)
  return `${state}.${await mac(secret, callId, state)}`
}

/** The token's charging; undefined when it is malformed or not this call's (a wrong MAC). */
export async function openChargingToken(
  secret: string,
  callId: string,
  token: string
): Promise<CallCharging | undefined> {
  const m = /^(0|1|(?:[0-9a-f]{16})+)\.([A-Za-z0-9_-]{12})$/.exec(token)
  if (!m) return undefined
  const state = m[1]!
  if (!constantTimeEqual(await mac(secret, callId, state), m[2]!)) return undefined
  if (state === '0') return { charged: false, timers: [] }
  if (state === '1') return { charged: true, timers: [] }
  const timers: string[] = []
  for (let i = 0; i < state.length; i += TIMER_HEX)
    timers.push(`${state.slice(i, i + TIMER_HEX)}${TIMER_SUFFIX}`)
  return { charged: true, timers }
}

/** Two passes' charging of the same call on one Record-Route entry: either's START, all timers. */
export const mergeCharging = (a: CallCharging, b: CallCharging): CallCharging => ({
  charged: a.charged || b.charged,
  timers: [...new Set([...a.timers, ...b.timers])],
})
