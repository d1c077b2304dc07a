/**
 * @module sprout/routing/urn
 * Service URNs as Request-URIs (RFC 5031: `urn:service:sos`, `urn:service:sos.police`,
 * `urn:service:counseling`, …; clearwater-interfaces §10 tests 95–96). The edge lets them in
 * (edge/sanity.ts). Sprout routes them only by the served user's iFCs: a RequestURI trigger
 * matches the URN's body (`service:sos`, shared/ims/ifc-evaluate.ts), in the session case the
 * request is in (originating-registered from a registered client, originating-unregistered for an
 * unregistered served user, e.g. one whose call comes in from a trunk through the I-CSCF). A URN
 * that no iFC sends to an application server reaches the end of originating handling with
 * nowhere to go (it names no subscriber, so there is no terminating side and no ENUM or BGCF
 * entry): 480 Temporarily Unavailable, as Clearwater answers. Emergency call routing to a PSAP
 * (an E-CSCF, TS 24.229 §5.11) is not part of Edgewater.
 */

/** The answer to a service URN that no iFC routed. */
export const URN_UNROUTED = {
  status: 480,
  reason: 'Temporarily Unavailable (no route for service URN)',
} as const
