/**
 * @module sprout/routing/icscf
 * The I-CSCF role (clearwater-interfaces §5.7; TS 24.229 §5.3.2), for requests that reach Sprout
 * without a Service-Route: from a SIP trunk (docs/trunk.md), from another S-CSCF pool, or from an
 * application server or peer that addresses the I-CSCF. Such a request carries Sprout's own
 * Route with `service=icscf` (`sip:sprout.<region>.edgewater.internal;lr;service=icscf`, plus
 * `orig` for originating handling). The I-CSCF:
 *
 * 1. asks Homestead where the served user is served (LIR, icscf-hss.ts): the originating user
 *    (P-Served-User, P-Asserted-Identity, From; TS 24.229 §5.3.2.1) with `originating=true`, or
 *    the Request-URI for terminating requests;
 * 2. on 404 for a terminating phone number: ENUM/tel translation and one more LIR; still unknown,
 *    the BGCF's transit route (bgcf.ts); otherwise 404. Homestead unreachable: 504;
 * 3. takes the S-CSCF Homestead named, or ranks `SCSCF_JSON` by the capabilities it gave
 *    (scscf-selection.ts);
 * 4. an S-CSCF of this deployment (a Sprout of either region: they share every store; or
 *    Homestead's default name `SCSCF_URI`) runs the
 *    S-CSCF pass in this same invocation, with no further hop; any other S-CSCF gets the request
 *    with `Route: <scscf;lr[;orig]>`, statelessly (RFC 3261 §16.11, Sprout's Via with a derived
 *    branch, so responses follow Via through here). When that hop fails (no answer, unreachable,
 *    time-out, an S-CSCF the resolver cannot reach: the hop answers only once the request was
 *    taken, so nothing can be duplicated), the I-CSCF asks Homestead again for capabilities only
 *    (`auth-type=CAPAB`) and offers the request to the next S-CSCF not yet tried, up to
 *    `ICSCF_MAX_ATTEMPTS` in all (§5.7 "Non-REGISTER: retry to an alternate S-CSCF only on
 *    transport error or timeout"). None left: 504.
 *
 * The on-net case is scscf-location.ts `otherPoolRoute`: when `SCSCF_JSON` names S-CSCFs outside
 * this deployment, the end of originating handling asks the LIR for the callee and sends the
 * request to its S-CSCF when that is another pool's. Without such entries no LIR is made, so an
 * ordinary on-net call costs what it did.
 */
import { translateRequestUri } from '../../../shared/ims/number-translation'
import type { NameAddr, SipRequest } from '../../../shared/sip'
import { getParam, hasParam } from '../../../shared/sip/params'
import { parseUri } from '../../../shared/sip/uri'
import { canonicalImpu } from '../registrar/identities'
import { transitRoute } from './bgcf'
import type { LirAnswer } from './icscf-hss'
import type { PipelineOutcome } from './pipeline'
import type { RoutingDeps } from './routing-deps'
import { isOwnScscf, lir } from './scscf-location'
import { rankScscfs, scscfKey } from './scscf-selection'
import { looseRoute, sproutVia } from './sip-ops'
import { statelessBranch } from './tx-keys'
import type { PipelineStep } from './tx-model'

/** The `service` value of the I-CSCF's own Route. */
export const ICSCF_SERVICE = 'icscf'

/** True when Sprout's own Route entry addresses the I-CSCF (`service=icscf`). */
export const routeIsIcscf = (r: NameAddr | undefined): boolean =>
  r !== undefined &&
  r.uri.kind === 'sip' &&
  getParam(r.uri.params, 'service')?.toLowerCase() === ICSCF_SERVICE

/** What the I-CSCF decided for a request. */
export type IcscfResult =
  /** Serve it here: the S-CSCF pass starts at this step. */
  | { kind: 'step'; step: PipelineStep }
  /** Answer it, or send it on along a route (the BGCF's), as the pass would. */
  | { kind: 'outcome'; outcome: PipelineOutcome }
  /** Sent to another S-CSCF statelessly; nothing more to do here. */
  | { kind: 'sent' }

const reject = (status: number, reason: string): IcscfResult => ({
  kind: 'outcome',
  outcome: { kind: 'reject', status, reason },
})

/** The originating served user (TS 24.229 §5.3.2.1: P-Served-User, P-Asserted-Identity, From). */
function originatingUser(req: SipRequest): string | undefined {
  const id = req.get('p-served-user') ?? req.get('p-asserted-identity') ?? req.from
  return canonicalImpu(id.uri)
}

function translate(d: RoutingDeps, req: SipRequest) {
  return translateRequestUri(req.uri, {
    enumBlocks: d.routing.enumBlocks,
    defaultTelUriTranslation: d.routing.defaultTelUriTranslation,
    homeDomain: d.homeDomain,
    enforceUserPhone: d.routing.enforceUserPhone,
    enforceGlobalOnly: d.routing.enforceGlobalOnly,
  })
}

/** Offers `req` to S-CSCFs in turn until one takes it (see the module comment, step 4). */
async function offer(
  d: RoutingDeps,
  req: SipRequest,
  first: LirAnswer & { kind: 'scscf' | 'capabilities' },
  served: string,
  sescase: 'orig' | 'term'
): Promise<IcscfResult> {
  const tried = new Set<string>()
  let answer: LirAnswer = first
  const step = (): PipelineStep =>
    sescase === 'orig'
      ? { phase: 'orig', chain: 'orig', servedUser: served, ifc: 0 }
      : { phase: 'term', servedUser: served, ifc: 0 }
  for (let attempt = 0; attempt < d.routing.icscfMaxAttempts; ) {
    const candidates =
      answer.kind === 'scscf'
        ? [answer.server]
        : answer.kind === 'capabilities'
          ? rankScscfs(d.routing.scscfs, answer.caps, tried, d.random)
          : []
    if (candidates.length === 0) break
    for (const server of candidates) {
      if (attempt >= d.routing.icscfMaxAttempts) break
      attempt++
      if (isOwnScscf(d, server)) return { kind: 'step', step: step() }
      const key = scscfKey(server)
      if (!key || tried.has(key)) continue
      tried.add(key)
      const out = req.clone()
      out.remove('route')
      out.append('route', looseRoute(sescase === 'orig' ? withOrig(server) : server))
      out.prepend('via', sproutVia(d.scscfHost, statelessBranch(req)))
      const r = await d.sender.request(out)
      if (r.ok) return { kind: 'sent' }
      // The hop answers once the S-CSCF has taken the request, so a failed hop took nothing:
      // another S-CSCF may have it without the risk of a duplicate.
      d.log.info('I-CSCF: S-CSCF did not take the request', { server, reason: r.reason })
    }
    const again = await lir(d, served, sescase === 'orig', true)
    if (again.kind === 'error' || again.kind === 'unknown') break
    answer = again
  }
  return reject(504, 'Server Time-out (no S-CSCF available)')
}

function withOrig(server: string): string {
  const t = server.trim().replace(/^<(.*)>$/, '$1')
  try {
    const u = parseUri(t)
    if (u.kind === 'sip' && hasParam(u.params, 'orig')) return t
  } catch {
    return t
  }
  return `${t};orig`
}

/** The I-CSCF for a request addressed to it (`top` is its own Route; see the module comment). */
export async function icscfEntry(
  d: RoutingDeps,
  req: SipRequest,
  top: NameAddr
): Promise<IcscfResult> {
  if (hasParam(top.uri.kind === 'sip' ? top.uri.params : [], 'orig')) {
    const user = originatingUser(req)
    if (!user) return reject(404, 'Not Found (originating user)')
    const a = await lir(d, user, true)
    if (a.kind === 'error') return reject(a.status, a.reason)
    if (a.kind === 'unknown') return reject(404, 'Not Found (originating user)')
    return offer(d, req, a, user, 'orig')
  }
  // A service URN names no subscriber (RFC 5031): nobody to terminate it at.
  if (req.uri.kind === 'urn') return reject(480, 'Temporarily Unavailable (no route for URN)')
  const direct = canonicalImpu(req.uri)
  if (!direct) return reject(404, 'Not Found')
  let served = direct
  let a = await lir(d, served, false)
  if (a.kind === 'unknown') {
    // §5.7: a phone number Homestead does not know is translated and looked up once more.
    const t = translate(d, req)
    if (t.kind !== 'none') {
      const impu = canonicalImpu(parseUri(t.uri))
      if (impu && impu !== served) {
        req.setUri(t.uri)
        served = impu
        a = await lir(d, served, false)
      }
    }
  }
  if (a.kind === 'error') return reject(a.status, a.reason)
  if (a.kind === 'unknown') {
    const route = transitRoute(d, req.uri)
    if (route)
      return {
        kind: 'outcome',
        outcome: {
          kind: 'forward',
          plan: {
            forks: [
              { info: { uri: req.uriText, routes: route, kind: 'next' }, request: req.clone() },
            ],
          },
        },
      }
    return reject(404, 'Not Found')
  }
  return offer(d, req, a, served, 'term')
}
