/**
 * @module sprout/charging/call-charging
 * Rf accounting from the S-CSCF (clearwater-interfaces §5.11, §7): what Sprout charges for each
 * transaction, and where it goes (`CHARGING`):
 *
 * - `on` (the default): Sprout writes the records itself, in global-table items with both sides
 *   (shared/ralf/call-record.ts), which Dime's CDR queries read like Ralf's: START for an
 *   answered INVITE (one PutItem, the call's item), INTERIM for other in-dialog requests and
 *   STOP for BYE (one PutItem of a small item of their own, written without reading the START:
 *   what they need, whether the call has a START and its interim timers, comes back in the
 *   dialog's Route from Sprout's Record-Route, charging-token.ts; a dialog whose token is missing
 *   or refused falls back to a GetItem of the START, and is ignored when the call has none), EVENT
 *   for a failed INVITE and out-of-dialog requests (one PutItem). The interim timer (Ralf's:
 *   interval `INTERIM_INTERVAL_S`, repeating for the refresh time, armed only when the refresh
 *   time exceeds it) takes over the INVITE's Timer C on the precise tier under the same id, so
 *   arming it costs what deleting Timer C would; STOP deletes it, an INTERIM from Sprout re-arms
 *   it, and its pops (`POST /routing/timer`, `which: interim`) add an INTERIM without re-arming,
 *   so a call whose BYE was lost stops after one refresh period. A BYE that overtakes its START
 *   deletes the timer before the START arms it: that timer's first pop finds the STOP (its one
 *   read) and deletes it, so such a call costs one pop. A timer request that fails is tried once
 *   more; if it fails again the record is still written (without the timer), so a timer-service
 *   fault never costs a CDR. The CDRs are not sent to a CDF.
 * - `ralf`: one ACR per side to Ralf's HTTP API (ralf-client.ts), which also serves a CDF.
 * - `off`: nothing.
 *
 * One record per side the pass performed (originating, terminating); a side whose CCF is not
 * known (no HSS charging address and no `CDF_IDENTITY`) is not charged, as Ralf drops an ACR
 * without peers. The work runs after the SIP answer (`defer`), never on the call's critical path;
 * a failure is logged.
 */
import { NODE_FUNCTIONALITY_SCSCF, ROLE_OF_NODE } from '../../../shared/ims/acr-build'
import {
  type CallSide,
  callRecordKey,
  laterRecordItem,
  startItem,
  stopRecordKey,
} from '../../../shared/ralf/call-record'
import type { Item } from '../../../shared/vellum/global-table'
import type { RoutingDeps } from '../routing/routing-deps'
import { timerCId } from '../routing/routing-timers'
import { type AcrSpec, acrOf, ccfsOf } from './acr-spec'
import { type CallCharging, openChargingToken } from './charging-token'
import { sendAcrs } from './ralf-client'

const ROLES = ['orig', 'term'] as const

const tag = () =>
  [...crypto.getRandomValues(new Uint8Array(4))]
    .map((x) => x.toString(16).padStart(2, '0'))
    .join('')

/** Charges one transaction as `CHARGING` says. */
export function charge(d: RoutingDeps, a: AcrSpec): void {
  const mode = d.routing.charging
  if (mode === 'off') return
  if (mode === 'ralf') {
    sendAcrs(d, a)
    return
  }
  d.defer(async () => {
    try {
      await chargeInProcess(d, a)
    } catch (err) {
      d.log.warn('call record not written', { callId: a.callId, type: a.type, error: String(err) })
    }
  })
}

async function chargeInProcess(d: RoutingDeps, a: AcrSpec): Promise<void> {
  const at = d.clock.now()
  if (a.type === 'START' || a.type === 'EVENT') {
    const sides: CallSide[] = []
    for (const role of ROLES) {
      const who = a.charging[role]
      const ccfs = who ? ccfsOf(d, who) : []
      if (!who || ccfs.length === 0) continue
      sides.push({
        role: ROLE_OF_NODE[role],
        functionality: NODE_FUNCTIONALITY_SCSCF,
        sessionId: `sprout-${d.region}.${d.homeDomain};${Math.floor(at / 1000)};${tag()}`,
        ccfs,
        event: acrOf(a, role, ccfs, at).event as Record<string, unknown>,
      })
    }
    if (sides.length === 0) {
      if (a.txKey) await d.timers.delete(timerCId(a.txKey))
      return
    }
    if (a.type === 'EVENT') {
      await d.vellum.table.put(
        startItem({ callId: a.callId, type: 1, atMs: at, region: d.region, sides }, tag())
      )
      return
    }
    const refreshS = a.sessionExpiresS ?? 0
    const interimS = d.routing.interimIntervalS
    let timerId = refreshS > interimS && a.txKey ? timerCId(a.txKey) : undefined
    // The timer first: a STOP that reads the record (no token) finds it only once it names a
    // timer that is already set. A STOP from the token may come first: the timer's first pop then
    // finds the STOP and deletes it (chargeTimerInterim). A timer that cannot be set is left out
    // of the record, which is written all the same.
    if (timerId && !(await armInterimTimer(d, a.callId, timerId, refreshS, interimS, at)))
      timerId = undefined
    else if (!timerId && a.txKey) await d.timers.delete(timerCId(a.txKey))
    await d.vellum.table.put(
      startItem(
        {
          callId: a.callId,
          type: 2,
          atMs: at,
          region: d.region,
          sides,
          refreshS,
          interimS,
          ...(timerId ? { timerId } : {}),
        },
        tag()
      )
    )
    return
  }
  const events: Record<string, Record<string, unknown>> = {}
  for (const role of ROLES)
    if (a.charging[role])
      events[String(ROLE_OF_NODE[role])] = acrOf(a, role, [], at).event as Record<string, unknown>
  const call = await callCharging(d, a)
  if (!call?.charged) return
  await d.vellum.table.put(
    laterRecordItem(a.callId, {
      type: a.type === 'STOP' ? 4 : 3,
      atMs: at,
      events,
      ...(a.type === 'STOP' ? {} : { tag: tag() }),
    })
  )
  // Deleting a timer the START could not set is harmless (an unknown id is not an error).
  for (const timerId of call.timers) {
    if (a.type === 'STOP') await d.timers.delete(timerId)
    // An INTERIM from Sprout re-arms the interim timer from now (Ralf).
    else await armInterimTimer(d, a.callId, timerId, call.refreshS, call.interimS, at)
  }
}

/** What an INTERIM or STOP needs of the call: whether it has a START, and its interim timers. */
interface LaterCharging extends CallCharging {
  refreshS: number
  interimS: number
}

/**
 * The call's charging, from the dialog's token when it carries a good one (no read); else from
 * the START item (a GetItem): a dialog from before the token, or one whose token was edited.
 */
async function callCharging(d: RoutingDeps, a: AcrSpec): Promise<LaterCharging | undefined> {
  if (a.dialogToken) {
    const c = await openChargingToken(d.hopSecret, a.callId, a.dialogToken)
    if (c)
      return { ...c, refreshS: d.routing.sessionExpiresS, interimS: d.routing.interimIntervalS }
    d.log.warn('charging token refused: the call record is read', { callId: a.callId })
  }
  const start = await callRecord(d, a.callId)
  if (!start) return undefined
  return {
    charged: true,
    timers: typeof start.timer_id === 'string' ? [start.timer_id] : [],
    refreshS: Number(start.refresh_s),
    interimS: Number(start.interim_s),
  }
}

/** The call's START item; undefined when the call has none (not charged). */
async function callRecord(d: RoutingDeps, callId: string): Promise<Item | undefined> {
  const read = () => d.vellum.table.get(callRecordKey(callId), { consistent: true })
  const found = await read()
  if (found) return found
  // The START is written after the 2xx is relayed: a quick BYE may overtake it. Once more,
  // after `CHARGING_RETRY_MS`; then the call is taken as not charged (as Ralf without a session).
  await new Promise((r) => setTimeout(r, d.routing.chargingRetryMs))
  const again = await read()
  if (!again) d.log.info('no call record: accounting record ignored', { callId })
  return again
}

/** The body of an interim timer's pop (routing-routes.ts). */
export interface InterimPop {
  which: 'interim'
  call: string
  /** When the timer was armed (ms) and its interval (s): each pop's due time follows. */
  armed: number
  every: number
  /** The timer's own id, so a pop after the call's STOP can delete it. */
  timer?: string
}

/**
 * Sets the interim timer, trying once more if the timer service fails; false when it could not
 * be set (logged: the call's record is kept, without interim records from the timer).
 */
async function armInterimTimer(
  d: RoutingDeps,
  callId: string,
  timerId: string,
  refreshS: number,
  interimS: number,
  at: number
): Promise<boolean> {
  const opaque: InterimPop = {
    which: 'interim',
    call: callId,
    armed: at,
    every: interimS,
    timer: timerId,
  }
  const spec = {
    intervalMs: interimS * 1000,
    repeatForMs: refreshS * 1000,
    callbackUri: d.timerCallback,
    opaque: JSON.stringify(opaque),
  }
  for (let attempt = 1; ; attempt++) {
    try {
      await d.timers.set(timerId, spec)
      return true
    } catch (err) {
      if (attempt >= 2) {
        d.log.error('interim timer not set: the call record is kept without it', {
          callId,
          error: String(err),
        })
        return false
      }
    }
  }
}

/**
 * A pop of the interim timer: an INTERIM of every side, without re-arming, recorded at the pop's
 * due time. The arming and the sequence number name the record, so a repeated pop (the precise
 * tier delivers at least once) rewrites it rather than adding one. A pop that finds the call's
 * STOP (a BYE that overtook the START's arming of this timer) writes nothing and deletes the
 * timer, so it does not pop again.
 */
export async function chargeTimerInterim(
  d: RoutingDeps,
  pop: InterimPop,
  seq: number
): Promise<void> {
  const due = pop.armed + (seq + 1) * pop.every * 1000
  if (await d.vellum.table.get(stopRecordKey(pop.call), { consistent: true })) {
    if (pop.timer) await d.timers.delete(pop.timer)
    return
  }
  await d.vellum.table.put(
    laterRecordItem(pop.call, { type: 3, atMs: due, tag: `t${pop.armed}.${seq}`, timer: true })
  )
}
