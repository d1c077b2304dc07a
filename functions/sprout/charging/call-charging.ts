/**
 * @module sprout/charging/call-charging
 * Rf accounting from the S-CSCF (clearwater-interfaces §5.11, §7): what Sprout charges for each
 * transaction, and where it goes (`CHARGING`):
 *
 * - `on` (the default): Sprout writes the records itself, in global-table items with both sides
 *   (shared/ralf/call-record.ts), which Dime's CDR queries read like Ralf's: START for an
 *   answered INVITE (one PutItem, the call's item), INTERIM for other in-dialog requests and
 *   STOP for BYE (a GetItem of the call's item, then one PutItem of a small item of their own;
 *   ignored when the call has no item), EVENT for a failed INVITE and out-of-dialog requests (one
 *   PutItem). The interim timer (Ralf's: interval `INTERIM_INTERVAL_S`, repeating for the refresh
 *   time, armed only when the refresh time exceeds it) takes over the INVITE's Timer C on the
 *   precise tier under the same id, so arming it costs what deleting Timer C would; STOP deletes
 *   it, an INTERIM from Sprout re-arms it, and its pops (`POST /routing/timer`, `which: interim`)
 *   add an INTERIM without re-arming, so a call whose BYE was lost stops after one refresh
 *   period. A timer request that fails is tried once more; if it fails again the record is still
 *   written (without the timer), so a timer-service fault never costs a CDR. The CDRs are not
 *   sent to a CDF.
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
} from '../../../shared/ralf/call-record'
import type { Item } from '../../../shared/vellum/global-table'
import type { RoutingDeps } from '../routing/routing-deps'
import { timerCId } from '../routing/routing-timers'
import { type AcrSpec, acrOf, ccfsOf } from './acr-spec'
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
    // The timer first: a STOP finds the record only once it names a timer that is already set,
    // so the STOP's delete always comes after the set. A timer that cannot be set is left out of
    // the record, which is written all the same.
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
  const start = await callRecord(d, a.callId)
  if (!start) return
  await d.vellum.table.put(
    laterRecordItem(start, {
      type: a.type === 'STOP' ? 4 : 3,
      atMs: at,
      events,
      ...(a.type === 'STOP' ? {} : { tag: tag() }),
    })
  )
  if (typeof start.timer_id !== 'string') return
  if (a.type === 'STOP') await d.timers.delete(start.timer_id)
  // An INTERIM from Sprout re-arms the interim timer from now (Ralf).
  else
    await armInterimTimer(
      d,
      a.callId,
      start.timer_id,
      Number(start.refresh_s),
      Number(start.interim_s),
      at
    )
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
  const opaque: InterimPop = { which: 'interim', call: callId, armed: at, every: interimS }
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
 * tier delivers at least once) rewrites it rather than adding one.
 */
export async function chargeTimerInterim(
  d: RoutingDeps,
  pop: InterimPop,
  seq: number
): Promise<void> {
  const due = pop.armed + (seq + 1) * pop.every * 1000
  const start = await callRecord(d, pop.call)
  if (!start) return
  await d.vellum.table.put(
    laterRecordItem(start, { type: 3, atMs: due, tag: `t${pop.armed}.${seq}`, timer: true })
  )
}
