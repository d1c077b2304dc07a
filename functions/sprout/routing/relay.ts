/**
 * @module sprout/routing/relay
 * Sprout's relay towards another pool's S-CSCF (docs/routing.md, "Another pool's S-CSCF"). A
 * flow whose REGISTER 200 came from an S-CSCF outside this deployment (through the I-CSCF,
 * icscf-register.ts) learnt a Service-Route naming that S-CSCF. The edge reaches only this
 * deployment's functions, so it sends that flow's initial requests to its home region's Sprout
 * with the relay entry (`service=relay`, shared/hop/relay-route.ts) above the Service-Route
 * (TS 24.229 §5.2.6.3.3: the P-CSCF routes originating requests along the Service-Route; the
 * S-CSCF named there serves them). Sprout is then a stateless proxy (RFC 3261 §16.11), not an
 * S-CSCF:
 *
 * - no iFCs, no MMTEL, no charging, no session-timer rules, no transaction record: the other
 *   pool's S-CSCF does all of that, and the relay costs no store operation;
 * - Max-Forwards is checked and decremented (483 at 0, §16.3 step 3);
 * - a dialog-creating initial request gets the relay entry as Record-Route (§16.6 step 4), so the
 *   dialog's later requests come back through a Sprout in both directions and are relayed the
 *   same way (the edge cannot reach the other pool, nor can the other pool reach the client's
 *   Record-Route entries other than through the edge);
 * - Sprout's Via carries a branch derived from the incoming transaction (tx-keys.ts), so a CANCEL
 *   takes its INVITE's branch; responses follow Via back through here (responses.ts forwards a
 *   stateless branch's response upstream) with no record;
 * - the next hop is the top remaining Route, else the Request-URI, through the resolver (another
 *   pool is a peer it knows by name, `AS_URLS` or `TRUNK_URLS`); none is 404, a failed hop the
 *   status it maps to (shared/hop/sip-over-http.ts). An ACK is never answered.
 */
import { relayEntryOf } from '../../../shared/hop/relay-route'
import { hopFailureStatus } from '../../../shared/hop/sip-over-http'
import type { SipRequest } from '../../../shared/sip'
import { DIALOG_CREATING } from '../../../shared/sip/dialog-methods'
import { respondTo } from '../sip-build'
import { hasNextHop } from './in-dialog'
import type { RoutingDeps } from './routing-deps'
import { sproutVia } from './sip-ops'
import { statelessBranch } from './tx-keys'

export async function relayRequest(d: RoutingDeps, req: SipRequest): Promise<void> {
  const answer = async (status: number, reason: string) => {
    if (req.method !== 'ACK') await d.sender.respond(respondTo(req, status, reason))
  }
  if (req.maxForwards === 0) return answer(483, 'Too Many Hops')
  if (!hasNextHop(d, req)) return answer(404, 'Not Found (nothing to relay to)')
  req.decrementMaxForwards()
  if (!req.toTag && DIALOG_CREATING.has(req.method))
    req.prepend('record-route', relayEntryOf(d.scscfHost))
  req.prepend('via', sproutVia(d.scscfHost, statelessBranch(req)))
  const r = await d.sender.request(req)
  if (r.ok || req.method === 'ACK') return
  req.shift('via')
  const failed = hopFailureStatus(r)
  d.log.info('relay: next hop did not take the request', {
    callId: req.callId,
    method: req.method,
    reason: r.reason,
  })
  await answer(failed.status, failed.reason)
}
