/**
 * @module sprout/routing/initial-request
 * An initial request arriving at Sprout (clearwater-interfaces §5.6): 100 Trying for an INVITE
 * (RFC 3261 §16.2), Max-Forwards (483, §16.3 step 3), then where S-CSCF processing starts:
 *
 * - a Route of ours with an `odi_<token>` user: the request is back from an application server;
 *   its chain resumes where it left off (the AS becomes responsive). If the chain was terminating
 *   and the Request-URI now names someone else, the AS retargeted: with a preloaded Route the
 *   request goes there as is; otherwise originating-CDIV processing starts for the diverting
 *   user (TS 24.229 §5.4.3.3). An unknown or expired token is a new request.
 * - a Route of ours with `service=icscf`: the I-CSCF (icscf.ts) locates the served user's S-CSCF
 *   first; when that is this deployment's, the pass starts here as below;
 * - a Route of ours with `orig`: originating processing for the served user — P-Served-User,
 *   else P-Asserted-Identity, else From (TS 24.229 §5.4.3.2);
 * - otherwise: a preloaded Route is followed; else terminating processing for the Request-URI.
 *
 * The reads the pass will need (both parties' subscriber data and MMTEL settings, the callee's
 * bindings) start together; the transaction record is written once, with the first generation
 * of forks, before anything is forwarded.
 */
import { odiTokenOf } from '../../../shared/ims/as-chain'
import { translateRequestUri } from '../../../shared/ims/number-translation'
import { type NameAddr, parseMessage, type SipRequest } from '../../../shared/sip'
import { getParam } from '../../../shared/sip/params'
import { parseUri } from '../../../shared/sip/uri'
import { charge } from '../charging/call-charging'
import { recordOutcome } from '../memento/memento-service'
import { callerOf } from '../mmtel/mmtel-service'
import { canonicalImpu } from '../registrar/identities'
import { newTag, respondTo } from '../sip-build'
import { sendGeneration, timerCArmMs } from './forwarder'
import { type IcscfResult, icscfEntry, routeIsIcscf } from './icscf'
import { Lookups } from './lookups'
import { type PassContext, runPipeline, servedUserOfUri } from './pipeline'
import type { RoutingDeps } from './routing-deps'
import { combinedDepth, recordRouting } from './routing-stats'
import { routeIsOrig, routeUser } from './sip-ops'
import { appendAndAct, hopFailure } from './tx-actions'
import { odiToken, parseOdiToken, transactionKey } from './tx-keys'
import type { ChargingInfo, PipelineStep } from './tx-model'

function translatedImpu(d: RoutingDeps, req: SipRequest): string | undefined {
  const t = translateRequestUri(req.uri, {
    enumBlocks: d.routing.enumBlocks,
    defaultTelUriTranslation: d.routing.defaultTelUriTranslation,
    homeDomain: d.homeDomain,
    enforceUserPhone: d.routing.enforceUserPhone,
    enforceGlobalOnly: d.routing.enforceGlobalOnly,
  })
  try {
    return canonicalImpu(t.kind === 'none' ? req.uri : parseUri(t.uri))
  } catch {
    return undefined
  }
}

/** The originating served user (TS 24.229 §5.4.3.2). */
function originatingUser(req: SipRequest): string | undefined {
  const psu = req.get('p-served-user') ?? req.get('p-asserted-identity')
  return canonicalImpu((psu ?? req.from).uri)
}

function chargingOf(req: SipRequest): ChargingInfo {
  const pcv = req.get('p-charging-vector')
  const icid = pcv ? getParam(pcv, 'icid-value') : undefined
  const ioi = pcv ? getParam(pcv, 'orig-ioi') : undefined
  return {
    calling: callerOf(req) ?? '',
    called: req.uriText,
    ...(icid ? { icid } : {}),
    ...(ioi ? { origIoi: ioi } : {}),
  }
}

/** Where processing starts for this request, and the reads to begin. */
async function entryStep(
  d: RoutingDeps,
  req: SipRequest,
  own: readonly NameAddr[],
  lookups: Lookups
): Promise<PipelineStep | IcscfResult | undefined> {
  const top = own[0]
  if (top && routeIsIcscf(top)) return icscfEntry(d, req, top)
  const callee = translatedImpu(d, req)
  const token = odiTokenOf(routeUser(top))
  const ref = token ? parseOdiToken(token) : undefined
  if (ref) {
    if (callee) lookups.prefetch(callee, { bindings: true })
    const state = await appendAndAct(d, ref.key, { k: 'as-back', g: ref.gen, i: ref.fork })
    const resume = state?.gens[ref.gen]?.resume
    if (resume) {
      if (resume.phase === 'term' && servedUserOfUri(req) !== resume.servedUser) {
        if (req.has('route')) return undefined
        return { phase: 'orig', chain: 'orig-cdiv', servedUser: resume.servedUser, ifc: 0 }
      }
      return resume
    }
  }
  if (routeIsOrig(top)) {
    const user = originatingUser(req)
    if (!user) return undefined
    lookups.prefetchCall(user, callee)
    return { phase: 'orig', chain: 'orig', servedUser: user, ifc: 0 }
  }
  if (req.has('route')) return undefined
  if (req.uri.kind === 'tel' && callee) req.setUri(callee)
  const served = servedUserOfUri(req)
  if (!served) return undefined
  lookups.prefetch(served, { bindings: true })
  return { phase: 'term', servedUser: served, ifc: 0 }
}

export async function routeInitial(
  d: RoutingDeps,
  req: SipRequest,
  own: readonly NameAddr[]
): Promise<void> {
  const t0 = Date.now()
  const original = req.toString()
  const key = transactionKey(req)
  const trying =
    req.method === 'INVITE' ? d.sender.respond(respondTo(req, 100, 'Trying')) : undefined
  const toTag = newTag()
  const answer = async (status: number, reason: string) => {
    await trying
    const headers: Array<[string, string]> =
      status > 100 && status < 200 ? [['Contact', `<sip:${d.scscfHost}>`]] : []
    await d.sender.respond(
      respondTo(parseMessage(original) as SipRequest, status, reason, { toTag, headers })
    )
  }
  const stat = (what: 'forward' | 'answer', status: number) => {
    const rt = d.vellum.roundTrips.snapshot()
    recordRouting({
      method: req.method,
      callId: req.callId,
      cseq: req.cseq.seq,
      what,
      status,
      sproutDepth: rt.depth,
      dimeDepth: d.dimeCost.depth,
      depth: combinedDepth(rt.depth, d.dimeCost.depth),
      calls: rt.calls + d.dimeCost.calls,
      byStore: rt.byStore,
      ms: Date.now() - t0,
      at: d.clock.now(),
    })
  }
  try {
    if (req.maxForwards === 0) {
      await answer(483, 'Too Many Hops')
      return
    }
    req.decrementMaxForwards()
    const lookups = new Lookups(d)
    const charging = chargingOf(req)
    const entry = await entryStep(d, req, own, lookups)
    // Sent on to another S-CSCF by the I-CSCF: its responses come back through Via.
    if (entry && 'kind' in entry && entry.kind === 'sent') return
    const step = entry && 'kind' in entry ? (entry.kind === 'step' ? entry.step : undefined) : entry
    const p: PassContext = {
      d,
      lookups,
      req,
      provisional: [],
      charging,
      odiToken: odiToken({ key, gen: 0, fork: 0 }),
    }
    const outcome =
      entry && 'kind' in entry && entry.kind === 'outcome'
        ? entry.outcome
        : step
          ? await runPipeline(p, step)
          : {
              kind: 'forward' as const,
              plan: {
                forks: [
                  {
                    info: {
                      uri: req.uriText,
                      routes: req.getAllRaw('route'),
                      kind: 'next' as const,
                    },
                    request: req.clone(),
                  },
                ],
              },
            }
    if (outcome.kind === 'reject') {
      for (const pr of p.provisional) await answer(pr.status, pr.reason)
      await answer(outcome.status, outcome.reason)
      if (charging.memento) recordOutcome(d, req, charging.memento, outcome.status)
      if (req.method === 'INVITE' && (charging.orig || charging.term))
        charge(d, {
          type: 'EVENT',
          method: req.method,
          callId: req.callId,
          status: outcome.status,
          charging,
        })
      stat('answer', outcome.status)
      return
    }
    await sendGeneration({
      d,
      key,
      g: 0,
      plan: outcome.plan,
      provisional: p.provisional,
      create: {
        k: 'create',
        at: d.clock.now(),
        method: req.method,
        req: original,
        toTag,
        charging,
        ...(req.method === 'INVITE' ? { timerCDue: d.clock.now() + timerCArmMs(d) } : {}),
      },
      upstream: original,
      toTag,
      onHopFailure: hopFailure(d, key),
    })
    stat('forward', 0)
  } finally {
    await trying
  }
}
