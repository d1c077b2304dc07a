/**
 * @module sprout/reg-event/notify-request
 * A reg-event NOTIFY in a subscription dialog where Sprout is the notifier (RFC 6665 §4.2.2,
 * RFC 3680 §3.5; clearwater-interfaces §5.4): Request-URI the subscriber's Contact, Route the
 * dialog's route set (the SUBSCRIBE's Record-Route, RFC 3261 §12.2.1.1) or, without one, the
 * subscriber's edge flow; From the watched identity with Sprout's tag, To the subscriber with
 * its tag; the dialog's Call-ID; `Event: reg`; `Subscription-State: active;expires=N` or
 * `terminated;reason=…`; a full-state `application/reginfo+xml` body.
 */

import type { Region } from '../../../shared/config/regions'
import { EDGE_HOST, HOP_TRANSPORT } from '../../../shared/hop/internal-addresses'
import { REGINFO_CONTENT_TYPE } from '../../../shared/ims/reginfo-model'
import { composeRequest, newBranch } from '../sip-build'
import { scscfUri, sproutViaHost } from '../sprout-deps'
import type { SubscriptionData } from './subscription-model'

/** RFC 6665 §4.1.3 reasons Sprout uses. */
export type TerminationReason = 'timeout' | 'deactivated' | 'rejected' | 'noresource'

export type SubscriptionState =
  | { state: 'active'; expires: number }
  | { state: 'terminated'; reason: TerminationReason }

export function subscriptionStateHeader(s: SubscriptionState): string {
  return s.state === 'active' ? `active;expires=${s.expires}` : `terminated;reason=${s.reason}`
}

/**
 * Sprout's own entry in a subscription dialog's route set. The edge routes a client's in-dialog
 * request only along its Route set (docs/internal-hop.md), never by Request-URI, so the dialog
 * must name the Sprout that holds it: the SUBSCRIBE's 200 and every NOTIFY carry it.
 */
export const sproutRecordRoute = (region: Region) => `<${scscfUri(region)};lr>`

export function buildNotify(
  sub: SubscriptionData,
  cseq: number,
  state: SubscriptionState,
  reginfoXml: string,
  region: Region
) {
  const routes =
    sub.routes.length > 0 ? sub.routes : sub.flow ? [`<sip:${sub.flow}@${EDGE_HOST};lr>`] : []
  return composeRequest({
    method: 'NOTIFY',
    uri: sub.reqUri,
    via: `SIP/2.0/${HOP_TRANSPORT} ${sproutViaHost(region)};branch=${newBranch()}`,
    route: routes,
    from: `${sub.toUri};tag=${sub.toTag}`,
    to: sub.fromUri,
    callId: sub.cid,
    cseq,
    contact: `<${scscfUri(region)}>`,
    headers: [
      // The subscriber may build its dialog from the first NOTIFY (RFC 6665 §4.1.2.4), as the
      // UAS of a dialog-creating request: its route set is this Record-Route in order
      // (RFC 3261 §12.1.1), so the entries are listed from its side: the reverse of ours, then
      // this Sprout (see sproutRecordRoute).
      ...[...routes].reverse().map((r) => ['Record-Route', r] as const),
      ['Record-Route', sproutRecordRoute(region)],
      ['Event', 'reg'],
      ['Subscription-State', subscriptionStateHeader(state)],
    ],
    body: reginfoXml,
    contentType: REGINFO_CONTENT_TYPE,
  })
}
