/**
 * @module sprout/mmtel/mmtel-service
 * The built-in MMTEL application server, invoked in-process when an iFC names
 * `sip:mmtel.<home domain>` (clearwater-interfaces §5.9), over the served user's simservs read
 * through Homer's KV-cached path (one KV round trip on a hit; a failed read means no services, as
 * in Clearwater). It changes the request in place and says whether the call goes on:
 *
 * - originating (also after a diversion): OIR rewrites Privacy, then OCB may refuse with 603;
 * - terminating: privacy enforcement (503 for critical session privacy), CDIV on the request
 *   (unconditional and media rules), ICB (603), and the CDIV rules that wait for the callee's
 *   answer are armed for the transaction (with the no-reply timer when a rule needs it).
 *
 * The decisions themselves are the pure functions of shared/ims/mmtel-*.ts.
 */
import type { ChainCase } from '../../../shared/ims/as-chain'
import { barringOutcome } from '../../../shared/ims/mmtel-barring'
import {
  type CdivTarget,
  cdivOnRequest,
  mediaOfSdp,
  noReplyTimerSeconds,
} from '../../../shared/ims/mmtel-cdiv'
import { diversionTarget, MAX_DIVERSIONS } from '../../../shared/ims/mmtel-diversion'
import {
  ANONYMOUS_FROM,
  applyOir,
  privacyHeader,
  terminatingPrivacy,
} from '../../../shared/ims/mmtel-privacy'
import { dialledNumber } from '../../../shared/ims/number-translation'
import type { CdivService, SimservsModel } from '../../../shared/ims/simservs-model'
import type { SipRequest } from '../../../shared/sip'
import { serializeUri } from '../../../shared/sip/uri'
import type { RoutingDeps } from '../routing/routing-deps'
import type { CdivArm } from '../routing/tx-model'

export interface MmtelOutcome {
  reject?: { status: number; reason: string }
  /** Divert now (unconditional or media rule). */
  divert?: CdivTarget
  /** CDIV rules to apply to the callee's final answer. */
  arm?: CdivArm
}

async function servicesOf(d: RoutingDeps, impu: string): Promise<SimservsModel | undefined> {
  try {
    return await d.simservs.read(impu)
  } catch (err) {
    d.log.warn('simservs unreadable; no MMTEL services for this call', { impu, error: String(err) })
    return undefined
  }
}

/** The caller's identity as the network asserted it, or its From. */
export function callerOf(req: SipRequest): string | undefined {
  const pai = req.get('p-asserted-identity')
  const uri = pai?.uri ?? req.from.uri
  return uri.kind === 'sip' || uri.kind === 'tel' ? serializeUri(uri) : undefined
}

/** The caller asked for its identity to be withheld (RFC 3323 id/user, or an anonymous From). */
export function callerAnonymous(req: SipRequest): boolean {
  const p = req.getAll('privacy').map((v) => v.toLowerCase())
  if (p.includes('id') || p.includes('user') || p.includes('header')) return true
  const f = req.from.uri
  return f.kind === 'sip' && f.host.toLowerCase() === 'anonymous.invalid'
}

export const mediaOf = (req: SipRequest): string[] =>
  mediaOfSdp(req.body, req.getRaw('content-type'))

export async function mmtelOriginating(
  d: RoutingDeps,
  req: SipRequest,
  servedUser: string,
  chain: ChainCase,
  prefetched?: Promise<SimservsModel | undefined>
): Promise<MmtelOutcome> {
  const s = await (prefetched ?? servicesOf(d, servedUser))
  if (!s) return {}
  // OIR (TS 24.607 §4.5.2.4): rebuild Privacy from the known values.
  const privacy = applyOir(s.oir, req.getAll('privacy'))
  if (privacy) {
    const value = privacyHeader(privacy)
    if (value) req.set('privacy', value)
    else req.remove('privacy')
  }
  // OCB (TS 24.611 §4.5.2.6.1).
  const outcome = barringOutcome(s.ocb, {
    dialledNumber: dialledNumber(req.uri, { enforceUserPhone: false, enforceGlobalOnly: false }),
    homeCountryCode: d.routing.homeCountryCode,
    otherParty: serializeUri(req.uri),
    anonymous: false,
    diverted: chain === 'orig-cdiv',
    media: mediaOf(req),
    now: d.clock.now(),
  })
  if (outcome === 'bar') return { reject: { status: 603, reason: 'Decline' } }
  return {}
}

/**
 * The Call-Diversion AS of §5.9 item 5: the same CDIV engine with the one rule its URI carries,
 * and no privacy or barring.
 */
export function callDiversionAs(
  req: SipRequest,
  servedUser: string,
  cdiv: CdivService,
  now: number
): MmtelOutcome {
  return cdivStep(
    req,
    servedUser,
    { oip: undefined, oir: undefined, cdiv, icb: undefined, ocb: undefined, extensions: [] },
    now
  )
}

export async function mmtelTerminating(
  d: RoutingDeps,
  req: SipRequest,
  servedUser: string,
  prefetched?: Promise<SimservsModel | undefined>
): Promise<MmtelOutcome> {
  // Privacy enforcement applies whatever the callee subscribes to (§5.9 item 2).
  const tp = terminatingPrivacy(req.getAll('privacy'))
  if (tp.reject) return { reject: { status: 503, reason: 'Service Unavailable (session privacy)' } }
  for (const h of tp.removeHeaders) req.remove(h)
  if (tp.removeAssertedIdentity) req.remove('p-asserted-identity')
  if (tp.anonymousFrom) {
    const tag = req.fromTag
    req.set('from', `${ANONYMOUS_FROM}${tag ? `;tag=${tag}` : ''}`)
  }
  if (tp.privacy) req.set('privacy', tp.privacy)
  else req.remove('privacy')

  const s = await (prefetched ?? servicesOf(d, servedUser))
  if (!s) return {}
  const icb = barringOutcome(s.icb, {
    dialledNumber: undefined,
    homeCountryCode: d.routing.homeCountryCode,
    otherParty: callerOf(req),
    anonymous: callerAnonymous(req),
    diverted: req.getAll('diversion').length > 0,
    media: mediaOf(req),
    now: d.clock.now(),
  })
  // CDIV on the request first, then ICB, as Sprout's MMTEL orders them.
  const out = cdivStep(req, servedUser, s, d.clock.now())
  if (icb === 'bar') return { reject: { status: 603, reason: 'Decline' } }
  return out
}

/** CDIV on the request, or CDIV armed for the answer (TS 24.604 §4.5.2.6). */
function cdivStep(
  req: SipRequest,
  servedUser: string,
  s: SimservsModel,
  now: number
): MmtelOutcome {
  const caller = callerOf(req)
  const anonymous = callerAnonymous(req)
  const media = mediaOf(req)
  const ctx = { media, caller, callerAnonymous: anonymous, now }
  const diversions = req.getAll('diversion').length
  if (req.method !== 'INVITE' || !s.cdiv?.active) return {}
  const t = cdivOnRequest(s.cdiv, ctx)
  if (t && diversionTarget(t.target) && diversions < MAX_DIVERSIONS) return { divert: t }
  // Armed whenever CDIV is active, rules or not: a 302 from the callee deflects (§5.9).
  const noReply = noReplyTimerSeconds(s.cdiv, ctx)
  return {
    arm: {
      servedUser,
      model: s.cdiv,
      media,
      ...(caller ? { caller } : {}),
      callerAnonymous: anonymous,
      request: req.toString(),
      diversions,
      ...(noReply ? { noReplyS: noReply } : {}),
    },
  }
}
