/**
 * @module hop/relay-route
 * Sprout's relay Route entry (docs/routing.md, "Another pool's S-CSCF"): the edge can reach only
 * this deployment's functions and flows, so when a flow's Service-Route names an S-CSCF of
 * another pool, the edge puts `<sip:sprout.<region>.edgewater.internal;lr;service=relay>` above
 * that Service-Route on the flow's initial requests. Sprout then takes no part in S-CSCF
 * processing: it forwards the request statelessly along the rest of the Route set (RFC 3261
 * §16.11) and record-routes with the same entry, so the dialog's later requests pass the same way
 * in both directions. The Service-Route below it is only ever one the flow's own REGISTER 200
 * taught it (TS 24.229 §5.2.6.3.3): the edge removes any Route a client puts on an initial
 * request.
 */
import type { Region } from '../config/regions'
import type { NameAddr } from '../sip/name-addr'
import { getParam } from '../sip/params'
import { functionHost } from './internal-addresses'

/** The `service` value of Sprout's relay Route entry. */
export const RELAY_SERVICE = 'relay'

/** Sprout's relay entry for `host` (a Sprout's host name): a Route or a Record-Route value. */
export const relayEntryOf = (host: string): string => `<sip:${host};lr;service=${RELAY_SERVICE}>`

/** The relay Route entry of region `region`'s Sprout. */
export const relayRoute = (region: Region): string => relayEntryOf(functionHost('sprout', region))

/** True when a Route entry (already known to name a Sprout) asks for the relay. */
export const routeIsRelay = (r: NameAddr | undefined): boolean =>
  r !== undefined &&
  r.uri.kind === 'sip' &&
  getParam(r.uri.params, 'service')?.toLowerCase() === RELAY_SERVICE
