/**
 * @module sprout/routing/bgcf
 * The BGCF's two entrances (clearwater-interfaces §5.6 "End of originating handling", §5.7,
 * §5.8; TS 24.229 §5.6), over the `BGCF_JSON` table (shared/ims/number-translation.ts
 * `bgcfRoute`), whose route entries name a SIP trunk (`sip:<name>.trunk.edgewater.internal;lr`,
 * docs/trunk.md) or any other next hop the resolver knows:
 *
 * - **off-net**: at the end of originating handling, a SIP URI outside the home domain or a
 *   number with no ENUM result goes to the route for its number (longest prefix), else its
 *   domain, else the `*` route;
 * - **transit**: a home-domain number that Homestead does not know (the LIR's 404 on a
 *   phone-number Request-URI, §5.7) goes to the route for its number (longest prefix), so a
 *   PSTN number dialled as `tel:` or `sip:<number>@<home>;user=phone` leaves through the trunk.
 *   Only number routes count here: a domain route names where a domain's traffic goes, and the
 *   home domain has no such route.
 */
import { bgcfRoute, dialledNumber } from '../../../shared/ims/number-translation'
import type { Uri } from '../../../shared/sip/uri'
import type { RoutingDeps } from './routing-deps'
import { looseRoute } from './sip-ops'

/** The Route entries of the off-net route for `uri`, or undefined when the BGCF has none. */
export function offNetRoute(
  d: RoutingDeps,
  uri: Uri,
  number: string | undefined
): string[] | undefined {
  return bgcfRoute(uri, d.routing.bgcfRoutes, number)?.map(looseRoute)
}

/** The Route entries of the transit route for an unknown home-domain number, or undefined. */
export function transitRoute(d: RoutingDeps, uri: Uri): string[] | undefined {
  const number = dialledNumber(uri, {
    enforceUserPhone: d.routing.enforceUserPhone,
    enforceGlobalOnly: d.routing.enforceGlobalOnly,
  })
  if (number === undefined) return undefined
  const numberRoutes = d.routing.bgcfRoutes.filter((r) => r.number !== undefined)
  return bgcfRoute(uri, numberRoutes, number)?.map(looseRoute)
}
