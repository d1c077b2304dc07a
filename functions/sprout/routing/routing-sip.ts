/**
 * @module sprout/routing/routing-sip
 * Call routing's SIP handlers for Sprout's inbox, registered like the registrar's
 * (sip-handlers.ts): every request the handlers before it do not take, except REGISTER, which
 * is the registrar's or nobody's (so routing is last in the request list); and every response to
 * a request Sprout forwarded: Sprout's Via on top with more below, a branch of Sprout's proxy
 * transactions, or an answer to a CANCEL (so routing is first in the response list). Requests go
 * to the initial-request pass, the stateless in-dialog path, CANCEL or ACK handling, or (with
 * Sprout's relay entry on top) the relay towards another pool's S-CSCF; responses to the
 * response path.
 */
import { routeIsRelay } from '../../../shared/hop/relay-route'
import type { SipRequest } from '../../../shared/sip'
import { recordEnd } from '../memento/memento-service'
import type { SipRequestHandler, SipResponseHandler } from '../sip-handlers'
import { routeCancel } from './cancel'
import { forwardStateless, hasNextHop } from './in-dialog'
import { routeInitial } from './initial-request'
import { relayRequest } from './relay'
import { routeResponse } from './responses'
import { routingDepsFor } from './routing-deps'
import { refusedInterval } from './session-interval'
import { parseForkBranch } from './tx-keys'

export const routingRequests: SipRequestHandler = {
  name: 'routing',
  accepts: (req) => req.method !== 'REGISTER',
  async handle(req: SipRequest, deps, { c, ownRoutes }) {
    const d = routingDepsFor(deps, c)
    // Towards another pool's S-CSCF, Sprout only relays, in and out of dialog (relay.ts).
    if (routeIsRelay(ownRoutes[0])) return relayRequest(d, req)
    if (req.method === 'CANCEL') return routeCancel(d, req)
    if (req.method === 'ACK') {
      // An ACK for a 2xx goes end to end; one for a non-2xx final ends at this proxy (§17.2.1).
      if (req.toTag && hasNextHop(d, req)) await forwardStateless(d, req)
      return
    }
    // RFC 4028 §8.1: a session interval below Min-SE (session-interval.ts).
    if (await refusedInterval(d, req)) return
    if (req.toTag) {
      // A BYE on a dialog the built-in Memento marked ends its calls (memento-service.ts).
      if (req.method === 'BYE') await recordEnd(d, req, ownRoutes)
      return forwardStateless(d, req, ownRoutes)
    }
    return routeInitial(d, req, ownRoutes)
  },
}

export const routingResponses: SipResponseHandler = {
  name: 'routing responses',
  accepts: (res) =>
    res.vias.length >= 2 ||
    parseForkBranch(res.topVia.branch) !== undefined ||
    res.cseq.method === 'CANCEL',
  handle: (res, deps, { c }) => routeResponse(routingDepsFor(deps, c), res),
}
