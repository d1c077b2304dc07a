/**
 * @module sprout/routing/in-dialog
 * Requests Sprout forwards without a transaction record (RFC 3261 §16.11): in-dialog requests
 * (a To tag: BYE, re-INVITE, UPDATE, PRACK, INFO, NOTIFY, REFER…) follow their Route set and are
 * not evaluated against iFCs (clearwater-interfaces §5.6 "Other methods"); an ACK for a 2xx is
 * forwarded end to end; a CANCEL of such a request goes the same way. Sprout's Via carries a
 * branch derived from the incoming transaction, and notes: `acr` on BYE and the other in-dialog
 * requests that make accounting records (its value the call's charging token from Sprout's Route
 * entries, charging/charging-route.ts), `se`/`uact` when it asked for a session interval
 * (RFC 4028 §8). The next hop is the top Route, else the Request-URI; it must be one of
 * Edgewater's internal addresses (404 otherwise). An ACK for a non-2xx final belongs to a
 * transaction of Sprout's own and stops here (§17.2.1).
 */
import { hopFailureStatus } from '../../../shared/hop/sip-over-http'
import type { NameAddr, SipRequest } from '../../../shared/sip'
import { dialogChargingToken } from '../charging/charging-route'
import { respondTo } from '../sip-build'
import { applySessionTimer } from './forwarder'
import type { RoutingDeps } from './routing-deps'
import { sproutVia } from './sip-ops'
import { statelessBranch } from './tx-keys'

/** True when the request has somewhere to go after Sprout's own routes were taken off. */
export function hasNextHop(d: RoutingDeps, req: SipRequest): boolean {
  if (req.has('route')) return true
  const u = req.uri
  return u.kind === 'sip' && d.resolve(u.host, u.user) !== undefined
}

export async function forwardStateless(
  d: RoutingDeps,
  req: SipRequest,
  ownRoutes: readonly NameAddr[] = []
): Promise<void> {
  const method = req.method
  const answer = async (status: number, reason: string) => {
    if (method !== 'ACK') await d.sender.respond(respondTo(req, status, reason))
  }
  if (req.maxForwards === 0) return answer(483, 'Too Many Hops')
  req.decrementMaxForwards()
  const notes: Array<[string, string | null]> = []
  if (method !== 'ACK' && method !== 'CANCEL' && method !== 'PRACK') {
    // The call's charging token rides to the answer, where the STOP or INTERIM is written.
    const token =
      d.routing.charging === 'on' ? await dialogChargingToken(d, req.callId, ownRoutes) : undefined
    notes.push(['acr', token ?? null])
  }
  const st = applySessionTimer(d, req)
  if (st) {
    notes.push(['se', String(st.se)])
    if (st.uact) notes.push(['uact', null])
  }
  if (!hasNextHop(d, req)) return answer(404, 'Not Found (no route)')
  req.prepend('via', sproutVia(d.scscfHost, statelessBranch(req), notes))
  const r = await d.sender.request(req)
  if (r.ok || method === 'ACK') return
  req.shift('via')
  const failed = hopFailureStatus(r)
  await answer(failed.status, failed.reason)
}
