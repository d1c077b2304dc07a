/**
 * @module edge/service-route
 * What the edge does with the Service-Route a flow's REGISTER 200 taught it (TS 24.229 §5.2.2,
 * §5.2.6.3.3; docs/routing.md):
 *
 * - an initial request other than REGISTER carries that Service-Route as its Route set, whatever
 *   Route the client wrote: a flow can only ever use the route its own authenticated
 *   registration gave it, so a subscriber cannot have another S-CSCF serve it as someone else;
 * - when the Service-Route names a Sprout of this deployment (or a flow), the request goes there
 *   as it is. When it names another pool's S-CSCF, which the edge cannot reach, the home
 *   region's Sprout relay entry (shared/hop/relay-route.ts) goes above it: that Sprout forwards
 *   the request statelessly to the S-CSCF the Service-Route names;
 * - a REGISTER goes straight to the home region's S-CSCF once the Service-Route names a Sprout
 *   of this deployment, and through the I-CSCF (`service=icscf`) otherwise.
 */
import type { Region } from '../shared/config/regions'
import { classifyInternal, functionHost } from '../shared/hop/internal-addresses'
import { relayRoute } from '../shared/hop/relay-route'
import { parseNameAddr } from '../shared/sip/name-addr'

/** Where a Service-Route entry leads: a Sprout of ours, a flow, or anything else. */
function firstHop(serviceRoutes: readonly string[]): 'sprout' | 'flow' | 'other' | undefined {
  const first = serviceRoutes[0]
  if (!first) return undefined
  try {
    const u = parseNameAddr(first).uri
    const where = u.kind === 'sip' ? classifyInternal(u.host, u.user) : undefined
    if (where?.kind === 'function' && where.fn === 'sprout') return 'sprout'
    if (where?.kind === 'flow') return 'flow'
  } catch {
    // Not a name-addr the edge can read: only Sprout can tell where it leads.
  }
  return 'other'
}

/** True when the flow's Service-Route (from its last REGISTER 200) names a Sprout of ours. */
export function knowsOwnScscf(serviceRoutes: readonly string[]): boolean {
  return firstHop(serviceRoutes) === 'sprout'
}

/** The Route set of a flow's initial request (not REGISTER): its Service-Route, relayed if need be. */
export function originatingRoutes(serviceRoutes: readonly string[], home: Region): string[] {
  const hop = firstHop(serviceRoutes)
  if (hop === undefined || hop === 'sprout' || hop === 'flow') return [...serviceRoutes]
  return [relayRoute(home), ...serviceRoutes]
}

/** The Route of a flow's REGISTER: the home S-CSCF once known, else the I-CSCF. */
export function registerRoute(serviceRoutes: readonly string[], home: Region): string {
  const direct = knowsOwnScscf(serviceRoutes)
  return `<sip:${functionHost('sprout', home)};lr${direct ? '' : ';service=icscf'}>`
}
