/**
 * @module sprout/routing/forwarder
 * Sends one generation of forks of a proxy transaction (RFC 3261 §16.6): Sprout's Via with the
 * fork's branch and its notes (`nr`: a 180 starts the no-reply timer; `lv`: an AS under liveness
 * watch; `se`/`uact`: the session interval and whether the UAC supports timers, for the 2xx;
 * `tc`: when the INVITE's Timer C fires, in seconds, for its provisional responses),
 * session timers on INVITE/UPDATE when Sprout stays in the dialog (RFC 4028 §8), the transaction
 * record written first (created for the first generation, appended for later ones, in parallel
 * with Timer C and the AS liveness timers on the precise tier), then any provisional responses
 * upstream and the forks themselves, in parallel. A fork the internal hop could not deliver is
 * answered as the hop says (430 a gone flow, 408, 503) and goes through the record like any
 * response.
 */

import { hopFailureStatus } from '../../../shared/hop/sip-over-http'
import { requestSessionExpires } from '../../../shared/ims/session-timer'
import { parseMessage, type SipRequest } from '../../../shared/sip'
import { DIALOG_CREATING } from '../../../shared/sip/dialog-methods'
import { respondTo } from '../sip-build'
import type { GenPlan } from './pipeline'
import type { RoutingDeps } from './routing-deps'
import { routingTimerId, timerCId } from './routing-timers'
import { answerStored, sproutVia } from './sip-ops'
import { forkBranch } from './tx-keys'
import type { ForkInfo, GenInfo, TxCreate, TxEvent } from './tx-model'
import { foldRecord } from './tx-state'

export type TimerKind = 'liveness' | 'no-reply' | 'timer-c'

export interface TimerOpaque {
  key: string
  which: TimerKind
  g: number
  i?: number
}

/** The id a transaction's timer is set under (routing-timers.ts). */
export const timerIdOf = (o: TimerOpaque): string =>
  o.which === 'timer-c' ? timerCId(o.key) : routingTimerId(o.key, o.which, o.g, o.i)

/** Sets a routing timer on the precise tier; a failure is logged, never fatal. */
export async function setRoutingTimer(
  d: RoutingDeps,
  ms: number,
  opaque: TimerOpaque
): Promise<void> {
  try {
    await d.timers.set(timerIdOf(opaque), {
      intervalMs: ms,
      callbackUri: d.timerCallback,
      opaque: JSON.stringify(opaque),
    })
  } catch (err) {
    d.log.warn('routing timer not set', {
      which: opaque.which,
      key: opaque.key,
      error: String(err),
    })
  }
}

/**
 * How long Timer C is armed for: `TIMER_C_MS` (over 3 minutes, RFC 3261 §16.6 step 11) plus
 * `TIMER_C_MARGIN_MS`. §16.7 step 2 resets Timer C on every provisional response other than 100;
 * what it asks is that Timer C not fire within `TIMER_C_MS` of such a response. A response that
 * finds the armed deadline at least `TIMER_C_MS` away needs no reset: that holds for every
 * response within the margin of the arming, so a call answered within it (nearly all) costs no
 * timer request beyond the arming. Later ones go through the transaction record, which re-arms
 * Timer C (for `TIMER_C_MS` plus the margin again) only when the deadline is nearer than
 * `TIMER_C_MS` (responses.ts, tx-state.ts): Timer C never fires less than `TIMER_C_MS` after a
 * provisional response, so always more than 3 minutes after it, and at most one reset per
 * margin of ringing is made. A transaction with no response at all ends the margin later.
 */
export const timerCArmMs = (d: RoutingDeps): number => d.routing.timerCMs + d.routing.timerCMarginMs

function sprouInDialog(req: SipRequest, host: string): boolean {
  return req
    .getAll('record-route')
    .some((r) => r.uri.kind === 'sip' && r.uri.host.toLowerCase() === host.toLowerCase())
}

/** RFC 4028 §8.1 on a request Sprout forwards; returns the interval and the UAC's support. */
export function applySessionTimer(
  d: RoutingDeps,
  req: SipRequest
): { se: number; uact: boolean } | undefined {
  if (req.method !== 'INVITE' && req.method !== 'UPDATE') return undefined
  if (!sprouInDialog(req, d.scscfHost) && !req.toTag) return undefined
  const current = req.get('session-expires')?.delta
  const se = requestSessionExpires(
    { sessionExpires: current, minSe: req.get('min-se')?.delta },
    { targetSeconds: d.routing.sessionExpiresS, minSeSeconds: d.routing.minSeS }
  )
  if (se !== undefined) req.set('session-expires', String(se))
  const value = se ?? current
  if (value === undefined) return undefined
  return { se: value, uact: req.getAll('supported').some((t) => t.toLowerCase() === 'timer') }
}

export interface SendGeneration {
  d: RoutingDeps
  key: string
  g: number
  plan: GenPlan
  provisional: Array<{ status: number; reason: string }>
  /** The record's first event (first generation only); later generations are appended. */
  create?: Omit<TxCreate, 'gen'>
  /** The upstream request and the To tag of Sprout's own responses. */
  upstream: string
  toTag: string
  /** A later generation of an INVITE: when Timer C fires as the record knows it (ms). */
  timerCDue?: number
  /** Called with each fork the hop could not deliver (to be answered through the record). */
  onHopFailure(g: number, i: number, status: number, text: string): Promise<void>
}

/** Writes the generation to the record and sends it; false when it must not go out. */
export async function sendGeneration(o: SendGeneration): Promise<boolean> {
  const { d, key, g, plan } = o
  const infos: ForkInfo[] = []
  const requests: SipRequest[] = []
  const timerCDue = o.create ? o.create.timerCDue : o.timerCDue
  plan.forks.forEach((f, i) => {
    const req = f.request
    if (req.uriText !== f.info.uri) req.setUri(f.info.uri)
    req.remove('route')
    for (const r of f.info.routes) req.append('route', r)
    const st = applySessionTimer(d, req)
    const notes: Array<[string, string | null]> = []
    if (plan.cdiv?.noReplyS) notes.push(['nr', null])
    if (f.livenessMs) notes.push(['lv', null])
    if (st) {
      notes.push(['se', String(st.se)])
      if (st.uact) notes.push(['uact', null])
    }
    // Rounded down: a provisional response never takes Timer C for later than it is.
    if (req.method === 'INVITE' && timerCDue !== undefined)
      notes.push(['tc', String(Math.floor(timerCDue / 1000))])
    const via = sproutVia(d.scscfHost, forkBranch({ key, gen: g, fork: i }), notes)
    req.prepend('via', via)
    infos.push({ ...f.info, via })
    requests.push(req)
  })
  const gen: GenInfo = {
    g,
    forks: infos,
    ...(plan.cdiv ? { cdiv: plan.cdiv } : {}),
    ...(plan.asContinue ? { asContinue: plan.asContinue } : {}),
    ...(plan.resume ? { resume: plan.resume } : {}),
    ...(plan.memento ? { memento: plan.memento } : {}),
  }
  const record: Promise<{ written: boolean; events: TxEvent[] }> = o.create
    ? d.txLog.create(key, { ...o.create, gen })
    : d.txLog.append(key, { k: 'gen', gen })
  const timers: Promise<void>[] = []
  if (o.create && o.create.method === 'INVITE')
    timers.push(setRoutingTimer(d, timerCArmMs(d), { key, which: 'timer-c', g }))
  plan.forks.forEach((f, i) => {
    if (f.livenessMs)
      timers.push(setRoutingTimer(d, f.livenessMs, { key, which: 'liveness', g, i }))
  })
  const [w] = await Promise.all([record, ...timers])
  if (!w.written) return false
  if (!o.create) {
    const folded = foldRecord(w.events)
    if (!folded || folded.state.completed) return false
  }
  for (const p of o.provisional)
    await d.sender.respond(
      answerStored(o.upstream, p.status, p.reason, o.toTag, { contactHost: d.scscfHost })
    )
  await Promise.all(
    requests.map(async (req, i) => {
      const r = await d.sender.request(req)
      if (r.ok || req.method === 'ACK') return
      const { reason } = hopFailureStatus(r)
      const res = respondTo(parseMessage(req.toString()) as SipRequest, r.sipStatus, reason)
      await o.onHopFailure(g, i, r.sipStatus, res.toString())
    })
  )
  return true
}

export const dialogCreating = (method: string) => DIALOG_CREATING.has(method)
