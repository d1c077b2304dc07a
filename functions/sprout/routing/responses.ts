/**
 * @module sprout/routing/responses
 * A response to a request Sprout forwarded (RFC 3261 §16.7), arriving at its `/sip` because its
 * top Via is Sprout's. The branch says which transaction and fork it belongs to (tx-keys.ts):
 *
 * - stateless branches (in-dialog requests): Sprout's Via is popped and the rest of the Vias
 *   followed; a 2xx to BYE sends the STOP accounting records (with the call's charging token
 *   from the Via's `acr` note);
 * - 100 Trying stops here (hop by hop), but is recorded for an AS under liveness watch;
 * - other provisional responses are forwarded at once; the record hears of them only when it
 *   must (a 180 with CDIV no-reply armed, any answer from an AS under liveness watch, one to an
 *   INVITE whose Timer C, as its Via's `tc` note says, fires within `TIMER_C_MS`: RFC 3261
 *   §16.7 step 2, the record re-arms it, forwarder.ts `timerCArmMs`);
 * - a 2xx to an INVITE is forwarded at once (§16.7 step 5), with the RFC 4028 §8.2 headers when
 *   Sprout asked for a session interval the UAS did not take up, and recorded so the other forks
 *   are cancelled and charging starts (a retransmission this isolate has recorded is only
 *   forwarded); when its relay fails the hop is answered 503, so the sender's next copy is
 *   relayed again;
 * - any other final (a 2xx to a MESSAGE too: of a request other than INVITE only the first final
 *   is forwarded, step 5) goes into the record, which decides (tx-state.ts), and Sprout's client
 *   transaction acknowledges an INVITE's (§17.1.1.3).
 *
 * A response whose record is gone (expired, or written in a region that failed) is forwarded
 * statelessly rather than lost.
 */

import type { HopResult } from '../../../shared/hop/sip-over-http'
import { responseSessionTimer } from '../../../shared/ims/session-timer'
import { metrics } from '../../../shared/metrics/isolate'
import type { SipResponse } from '../../../shared/sip'
import { getParam, hasParam } from '../../../shared/sip/params'
import { serializeUri } from '../../../shared/sip/uri'
import { charge } from '../charging/call-charging'
import { isSproutHost, type NotRelayed } from '../sip-handlers'
import { timerCArmMs } from './forwarder'
import type { RoutingDeps } from './routing-deps'
import { combinedDepth, recordRouting } from './routing-stats'
import { ackFor, upstreamResponse } from './sip-ops'
import { appendAndAct } from './tx-actions'
import { parseForkBranch } from './tx-keys'

/**
 * The forks whose 2xx this isolate has recorded (`<key>|<gen>|<fork>`), so a retransmission of
 * the same 2xx (the UAS repeats it from T1 until the ACK arrives, RFC 3261 §13.3.1.4) is relayed
 * without appending it to the record again: the record ignores a repeated final, so the append
 * only cost its KV commands. Bounded; a fork missing here (another isolate, or forgotten) is
 * appended as before.
 */
const recorded2xx = new Set<string>()
export const RECORDED_2XX_LIMIT = 1_024

function firstRecording(key: string, gen: number, fork: number): boolean {
  const id = `${key}|${gen}|${fork}`
  if (recorded2xx.has(id)) return false
  if (recorded2xx.size >= RECORDED_2XX_LIMIT) recorded2xx.clear()
  recorded2xx.add(id)
  return true
}

function withSessionTimer(res: SipResponse): SipResponse {
  const up = upstreamResponse(res)
  const params = res.topVia.params
  const se = getParam(params, 'se')
  if (se === undefined || se === null || res.cseq.method !== 'INVITE') return up
  for (const [n, v] of responseSessionTimer({
    status: res.status,
    responseHasSessionExpires: res.has('session-expires'),
    uacSupportsTimer: hasParam(params, 'uact'),
    requestSessionExpires: Number(se),
  }))
    up.append(n, v)
  return up
}

function stop(d: RoutingDeps, res: SipResponse): void {
  const token = getParam(res.topVia.params, 'acr')
  const from = res.from.uri
  const to = res.to.uri
  const f =
    from.kind === 'sip' || from.kind === 'tel' ? res.getRaw('from')!.replace(/;tag=[^;]*/, '') : ''
  const t =
    to.kind === 'sip' || to.kind === 'tel' ? res.getRaw('to')!.replace(/;tag=[^;]*/, '') : ''
  charge(d, {
    type: res.cseq.method === 'BYE' ? 'STOP' : 'INTERIM',
    method: res.cseq.method,
    callId: res.callId,
    status: res.status,
    charging: { calling: f, called: t, orig: { user: f, ccfs: [] }, term: { user: t, ccfs: [] } },
    ...(typeof token === 'string' && token ? { dialogToken: token } : {}),
  })
}

/**
 * A provisional response (other than 100) to an INVITE: what its Timer C reset must reach, when
 * the deadline its Via's `tc` note gives (armed or reset before, never later) does not reach it;
 * undefined when Timer C already fires at least `TIMER_C_MS` from now (RFC 3261 §16.7 step 2,
 * forwarder.ts `timerCArmMs`). Without the note the record decides.
 */
function timerCReset(
  d: RoutingDeps,
  params: Parameters<typeof getParam>[0]
): { need: number; due: number } | undefined {
  const now = d.clock.now()
  const need = now + d.routing.timerCMs
  const tc = Number(getParam(params, 'tc'))
  if (Number.isFinite(tc) && tc > 0 && tc * 1000 >= need) return undefined
  return { need, due: now + timerCArmMs(d) }
}

/**
 * What the hop that brought an INVITE 2xx is told when its relay failed: the flow that sent it
 * notes a 2xx as relayed (and absorbs the UAS's later copies, RFC 3261 §13.3.1.4) only when
 * Sprout's hop is answered 202. A flow that is gone (430) takes no copy either.
 */
function relayOutcome(res: SipResponse, r: HopResult): NotRelayed | undefined {
  if (r.ok || r.sipStatus === 430) return undefined
  if (res.status < 200 || res.status >= 300 || res.cseq.method !== 'INVITE') return undefined
  return { notRelayed: `${r.sipStatus} ${r.reason}` }
}

export async function routeResponse(
  d: RoutingDeps,
  res: SipResponse
): Promise<NotRelayed | undefined> {
  const t0 = Date.now()
  const top = res.topVia
  if (!isSproutHost(top.host)) return undefined
  const method = res.cseq.method
  // Answers to the CANCELs and ACKs Sprout sends as a client carry only Sprout's Via.
  if (res.vias.length < 2) return undefined
  const ref = parseForkBranch(top.branch)
  if (!ref) {
    if (res.status >= 200 && res.status < 300 && hasParam(top.params, 'acr')) stop(d, res)
    return relayOutcome(res, await d.sender.respond(withSessionTimer(res)))
  }
  const liveness = hasParam(top.params, 'lv')
  const noReply = hasParam(top.params, 'nr')
  const status = res.status
  const event = { k: 'resp' as const, g: ref.gen, i: ref.fork, status }
  if (status === 100) {
    if (liveness) await appendAndAct(d, ref.key, event)
    return undefined
  }
  if (status < 200) {
    const relay = d.sender.respond(upstreamResponse(res))
    const timerC = method === 'INVITE' ? timerCReset(d, top.params) : undefined
    if (liveness || (noReply && status === 180) || timerC)
      await appendAndAct(d, ref.key, timerC ? { ...event, timerC } : event, timerC !== undefined)
    await relay
    return undefined
  }
  let outcome: NotRelayed | undefined
  if (status < 300 && method === 'INVITE') {
    // RFC 3261 §16.7 step 5: every 2xx to an INVITE is forwarded; only the first of a fork goes
    // to the record. A 2xx to another request goes through the record below, like any final:
    // only the transaction's first final answer is forwarded.
    if (!firstRecording(ref.key, ref.gen, ref.fork))
      return relayOutcome(res, await d.sender.respond(withSessionTimer(res)))
    const [relayed, state] = await Promise.all([
      d.sender.respond(withSessionTimer(res)),
      appendAndAct(d, ref.key, event),
    ])
    outcome = relayOutcome(res, relayed)
    if (state) metrics.callSetup.observe(d.clock.now() - state.create.at)
  } else {
    const contact =
      status >= 300 && status < 400
        ? res.contacts.find((c): c is Exclude<typeof c, '*'> => c !== '*')
        : undefined
    const state = await appendAndAct(d, ref.key, {
      ...event,
      text: res.toString(),
      ...(contact ? { contact: serializeUri(contact.uri) } : {}),
    })
    if (!state) await d.sender.respond(upstreamResponse(res))
    else if (method === 'INVITE') {
      const fork = state.gens[ref.gen]?.forks[ref.fork]
      if (fork) d.defer(() => d.sender.request(ackFor(res, fork)))
    }
  }
  const rt = d.vellum.roundTrips.snapshot()
  recordRouting({
    method,
    callId: res.callId,
    cseq: res.cseq.seq,
    what: 'response',
    status,
    sproutDepth: rt.depth,
    dimeDepth: 0,
    depth: combinedDepth(rt.depth, 0),
    calls: rt.calls,
    byStore: rt.byStore,
    ms: Date.now() - t0,
    at: d.clock.now(),
  })
  return outcome
}
