/**
 * @module sprout/charging/charging-route
 * The call's charging token (charging-token.ts) on its way: sealed into Sprout's own Record-Route
 * as an INVITE leaves a pass (RFC 3261 §16.6 step 4), and taken from the Route entries Sprout
 * took off an in-dialog request (§16.4) into the note its Via carries to the answer
 * (in-dialog.ts, responses.ts), where the STOP or INTERIM is written.
 *
 * Only with `CHARGING=on`: Sprout writes the START itself, at the INVITE's answer, for the sides
 * of this transaction that have a CCF, arming the interim timer (Timer C's id) when the refresh
 * time exceeds the interim interval — the token says the same before the answer. A pass that
 * finds an earlier pass's token on the same Record-Route entry (a request back from an
 * application server that did not record-route) merges it, so one BYE stops both.
 */

import type { NameAddr, SipRequest } from '../../../shared/sip'
import { getParam, withParam } from '../../../shared/sip/params'
import type { RoutingDeps } from '../routing/routing-deps'
import { timerCId } from '../routing/routing-timers'
import type { ChargingInfo } from '../routing/tx-model'
import { ccfsOf } from './acr-spec'
import {
  type CallCharging,
  CHARGING_ROUTE_PARAM,
  mergeCharging,
  openChargingToken,
  sealChargingToken,
} from './charging-token'

/** What the START of transaction `txKey` will be, as far as a STOP needs to know. */
export function chargingAtAnswer(d: RoutingDeps, c: ChargingInfo, txKey: string): CallCharging {
  const charged = [c.orig, c.term].some((who) => who !== undefined && ccfsOf(d, who).length > 0)
  const timer = charged && d.routing.sessionExpiresS > d.routing.interimIntervalS
  return { charged, timers: timer ? [timerCId(txKey)] : [] }
}

const isOurs = (d: RoutingDeps, r: NameAddr | undefined): r is NameAddr =>
  r?.uri.kind === 'sip' && r.uri.host.toLowerCase() === d.scscfHost.toLowerCase()

/**
 * Seals the call's charging into Sprout's Record-Route (the top one, when it is Sprout's own) of
 * each INVITE about to leave.
 */
export async function markChargedDialog(
  d: RoutingDeps,
  charging: ChargingInfo,
  txKey: string,
  requests: readonly SipRequest[]
): Promise<void> {
  if (d.routing.charging !== 'on') return
  const mine = chargingAtAnswer(d, charging, txKey)
  const sealed = new Map<string, string>()
  for (const req of requests) {
    if (req.method !== 'INVITE') continue
    const top = req.get('record-route')
    if (!isOurs(d, top) || top.uri.kind !== 'sip') continue
    const prior = getParam(top.uri.params, CHARGING_ROUTE_PARAM)
    const priorText = typeof prior === 'string' ? prior : ''
    let token = sealed.get(priorText)
    if (token === undefined) {
      const earlier = priorText
        ? await openChargingToken(d.hopSecret, req.callId, priorText)
        : undefined
      token = await sealChargingToken(
        d.hopSecret,
        req.callId,
        earlier ? mergeCharging(earlier, mine) : mine
      )
      sealed.set(priorText, token)
    }
    req.shift('record-route')
    req.prepend('record-route', {
      ...top,
      uri: { ...top.uri, params: withParam(top.uri.params, CHARGING_ROUTE_PARAM, token) },
    })
  }
}

/**
 * The charging token of an in-dialog request, from the Route entries of Sprout's it came with:
 * the one there is, or (two passes' entries next to each other) the good ones merged.
 */
export async function dialogChargingToken(
  d: RoutingDeps,
  callId: string,
  ownRoutes: readonly NameAddr[]
): Promise<string | undefined> {
  const tokens: string[] = []
  for (const r of ownRoutes) {
    if (r.uri.kind !== 'sip') continue
    const t = getParam(r.uri.params, CHARGING_ROUTE_PARAM)
    if (typeof t === 'string' && t) tokens.push(t)
  }
  if (tokens.length <= 1) return tokens[0]
  let merged: CallCharging | undefined
  for (const t of tokens) {
    const c = await openChargingToken(d.hopSecret, callId, t)
    if (c) merged = merged ? mergeCharging(merged, c) : c
  }
  return merged ? sealChargingToken(d.hopSecret, callId, merged) : tokens[0]
}
