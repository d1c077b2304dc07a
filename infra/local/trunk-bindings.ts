/**
 * @module local/trunk-bindings
 * The local cloud's SIP trunk (docs/trunk.md): each region's Sprout knows the trunk `pstn` at
 * the adapter's hop port, the control port + 6 (8796 by default; `EDGEWATER_PORT_OFFSET` moves
 * it with the rest), and its BGCF sends numbers of the `+1 212` block (as `+1212…`, `1212…` or
 * the national `212…`) and the domain `pstn.example.net` there. The adapter itself
 * (infra/trunk) is started by the tests that use it, with a scripted SIP peer behind it; while
 * none runs, such calls get the hop's failure (503).
 */
import type { LocalCloudSettings } from './contract'

/** How far above the control port the local trunk adapter's hop side listens. */
export const TRUNK_PORT_ABOVE_CONTROL = 6
export const LOCAL_TRUNK_NAME = 'pstn'
/** The BGCF route entry of the local trunk. */
export const LOCAL_TRUNK_ROUTE = `sip:${LOCAL_TRUNK_NAME}.trunk.edgewater.internal;lr`

/** The URL Sprout posts to for the local trunk, from the cloud's control port. */
export const localTrunkHopUrl = (controlPort: number): string =>
  `http://127.0.0.1:${controlPort + TRUNK_PORT_ABOVE_CONTROL}/sip`

/** Sprout's trunk and BGCF bindings in the local cloud. */
export function localTrunkBindings(s: Pick<LocalCloudSettings, 'controlPort'>): {
  TRUNK_URLS: string
  BGCF_JSON: string
} {
  return {
    TRUNK_URLS: JSON.stringify({ [LOCAL_TRUNK_NAME]: localTrunkHopUrl(s.controlPort) }),
    BGCF_JSON: JSON.stringify({
      routes: [
        { name: 'nanp-212', number: '+1212', route: [LOCAL_TRUNK_ROUTE] },
        { name: 'national-212', number: '212', route: [LOCAL_TRUNK_ROUTE] },
        { name: 'pstn-domain', domain: 'pstn.example.net', route: [LOCAL_TRUNK_ROUTE] },
      ],
    }),
  }
}
