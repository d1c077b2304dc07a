/**
 * @module edge/sanity
 * Checks the edge applies to every request from a client before anything else, each answered
 * with the status its RFC names.
 */
import { SipError } from '../shared/sip'
import type { SipRequest } from '../shared/sip/message'

/**
 * Schemes a request-URI may use here (RFC 3261 §8.2.2.1: otherwise 416): SIP, tel (RFC 3966)
 * and URNs (RFC 8141), as Clearwater's Bono lets in. A URN must name a service (RFC 5031
 * `urn:service:…`, e.g. `urn:service:sos`); Sprout routes it by the caller's iFCs, or answers 480
 * (docs/routing.md). Other URN namespaces name no destination: 416.
 */
const SCHEMES = new Set(['sip', 'sips', 'tel', 'urn'])

export function checkRequest(req: SipRequest): void {
  // RFC 3261 §16.3 item 2: a request that cannot make it through the edge and the core.
  const mf = req.maxForwards
  if (mf !== undefined && mf <= 1) throw new SipError(483, 'Too Many Hops')
  // RFC 3261 §16.3 item 5: the edge supports no extension a client could require of proxies.
  const proxyRequire = req.getAll('proxy-require') as readonly string[]
  if (proxyRequire.length > 0) {
    throw new SipError(420, 'Bad Extension', {
      headers: [['Unsupported', proxyRequire.join(', ')]],
    })
  }
  const uri = req.uri
  if (!SCHEMES.has(uri.scheme)) throw new SipError(416, 'Unsupported URI Scheme')
  if (uri.kind === 'urn' && uri.nid.toLowerCase() !== 'service')
    throw new SipError(416, 'Unsupported URI Scheme (only service URNs)')
}
