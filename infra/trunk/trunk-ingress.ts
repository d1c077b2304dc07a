/**
 * @module trunk/trunk-ingress
 * How the trunk adapter (trunk-proxy.ts) lets the peer's SIP into the core: whose SIP it takes
 * (`TRUNK_PEER_SOURCES`, else the addresses `TRUNK_PEER` names; anything else is dropped, or
 * anyone reaching the port could place calls in, and through the BGCF's transit route back out
 * at the operator's cost), which identity headers an untrusted peer loses (RFC 3325 §5; TS
 * 24.229 §5.2.6.3: with `TRUNK_TRUST_ORIG=0`, P-Asserted-Identity, P-Served-User and the charging
 * headers), the I-CSCF entry of an initial request (the home region's Sprout first, then the
 * other's), and the hop branch derived from the peer's (RFC 3261 §16.11).
 */
import { md5Hex, type SipRequest } from '../../shared/sip'
import { DIALOG_CREATING } from '../../shared/sip/dialog-methods'
import type { Via } from '../../shared/sip/via'
import type { TrunkConfig } from './trunk-config'

/** Headers only the trusted zone may set, removed from an untrusted peer's requests (RFC 3325 §5). */
export const UNTRUSTED_PEER_HEADERS = [
  'p-asserted-identity',
  'p-served-user',
  'p-charging-vector',
  'p-charging-function-addresses',
] as const

/** Whether SIP from `host` is the peer's (`TRUNK_PEER_SOURCES`, else `TRUNK_PEER`'s host). */
export function isPeerAddress(cfg: Pick<TrunkConfig, 'peerSources' | 'peer'>, host: string) {
  const allowed = cfg.peerSources ?? [cfg.peer.host]
  const plain = host.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '')
  return allowed.some((a) => a === '*' || a === plain || a === host)
}

/**
 * The hop branch of a request from the peer: derived from the peer's branch and sent-by only,
 * so a CANCEL or the ACK of a non-2xx takes its INVITE's branch (RFC 3261 §9.1, §16.11) and
 * Sprout matches it.
 */
export const hopBranchOf = (via: Via): string =>
  `z9hG4bKT${md5Hex(`${via.branch}|${via.host}:${via.port ?? 5060}`).slice(0, 24)}`

/**
 * Sends an initial request (or a CANCEL of one) through the I-CSCF (docs/trunk.md): its Route
 * gives way to `<sip:sprout.<home>.edgewater.internal;lr;service=icscf>` (`orig` only when the
 * peer asked and is trusted with it), and a dialog-creating one gets the double Record-Route
 * (RFC 5658), hop-facing above peer-facing. Returns the Sprout URLs to try in order: either
 * region's Sprout takes the other's Route as its own (sip-handlers.ts).
 */
export function icscfEntry(
  cfg: Pick<TrunkConfig, 'homeRegion' | 'trustOrig' | 'functionUrls'>,
  req: SipRequest,
  o: { asksOrig: boolean; hopHost: string; peerRecordRoute: string }
): string[] {
  req.remove('route')
  const orig = cfg.trustOrig && o.asksOrig ? ';orig' : ''
  const regions = [cfg.homeRegion, cfg.homeRegion === 'a' ? 'b' : 'a'] as const
  req.append('route', `<sip:sprout.${cfg.homeRegion}.edgewater.internal;lr;service=icscf${orig}>`)
  if (DIALOG_CREATING.has(req.method)) {
    req.prepend('record-route', o.peerRecordRoute)
    req.prepend('record-route', `<sip:${o.hopHost};lr>`)
  }
  return regions.map((r) => `${cfg.functionUrls[r].sprout.replace(/\/+$/, '')}/sip`)
}
