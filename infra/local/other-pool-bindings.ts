/**
 * @module local/other-pool-bindings
 * The local cloud's stand-in for a second S-CSCF pool (docs/routing.md, "Another pool's
 * S-CSCF"): each region's Sprout knows the peer `pool2` (`sip:pool2.as.edgewater.internal`) at
 * the control port + 7 (8797 by default; `EDGEWATER_PORT_OFFSET` moves it with the rest), as a
 * deployment names another pool's S-CSCF in `AS_URLS`. `SCSCF_JSON` stays empty, so on-net calls
 * ask no LIR and keep their costs. The pool itself is a scripted S-CSCF that the tests using it
 * start (test/support/other-pool.ts); the HSS names it for a subscriber once it has been told
 * that pool2 serves that subscriber (a SAR with its server name). While none runs, requests for
 * it get the hop's failure.
 */
import type { LocalCloudSettings } from './contract'

/** How far above the control port the other pool's hop side listens. */
export const OTHER_POOL_PORT_ABOVE_CONTROL = 7
export const LOCAL_OTHER_POOL_NAME = 'pool2'
/** The other pool's S-CSCF name (the HSS's server name for the subscribers it serves). */
export const LOCAL_OTHER_POOL_SCSCF = `sip:${LOCAL_OTHER_POOL_NAME}.as.edgewater.internal`

/** The URL Sprout posts to for the other pool's S-CSCF, from the cloud's control port. */
export const localOtherPoolHopUrl = (controlPort: number): string =>
  `http://127.0.0.1:${controlPort + OTHER_POOL_PORT_ABOVE_CONTROL}/sip`

/** The other pool's entry in Sprout's `AS_URLS`. */
export function localOtherPoolPeers(
  s: Pick<LocalCloudSettings, 'controlPort'>
): Record<string, string> {
  return { [LOCAL_OTHER_POOL_NAME]: localOtherPoolHopUrl(s.controlPort) }
}
