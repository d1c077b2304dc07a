/**
 * @module sprout/routing/pipeline
 * S-CSCF processing of an initial request (clearwater-interfaces §5.6), from a chain position to
 * the next hop(s). It runs in-process as far as it can — through the originating chain of the
 * served user, number translation, the terminating chain of the callee, the built-in MMTEL and
 * the binding lookup — and stops where the request must leave Sprout: at an external application
 * server (which sends it back with its ODI token), at the callee's bindings, at a preloaded or BGCF
 * route; or with a final answer of its own.
 *
 * - Originating: the served user must be known and not barred (403); its iFCs run in order;
 *   then the Request-URI is translated (ENUM / tel) and classified: home domain → terminating;
 *   off-net or an untranslated number → BGCF route (404 without one); a service URN no iFC took
 *   → 480 (urn.ts).
 * - Terminating: a preloaded Route is followed as is; otherwise the callee must be known (480,
 *   or the BGCF's transit route for a number, bgcf.ts) and not barred (404); its iFCs run; then
 *   delivery to bindings (deliver.ts).
 * - MMTEL may refuse (603, 503), divert at once (181 upstream, then originating-CDIV processing
 *   for the diverting user and terminating for the target), or arm CDIV for the answer; when the
 *   callee turns out to have no binding, an armed not-registered rule diverts right here.
 * - Record-Route at the start of originating and the end of terminating handling (`RR_LEVEL`
 *   `pcscf`), plus the end of originating / start of terminating (`icscf`) and around AS hops
 *   (`as`).
 */
import {
  type ChainCase,
  isBuiltInMmtel,
  nextMatchingIfc,
  odiRoute,
  pServedUser,
  sessionCaseOf,
} from '../../../shared/ims/as-chain'
import { cdivServiceFromUri, isCallDiversionAs } from '../../../shared/ims/cdiv-as-uri'
import type { CdivTarget } from '../../../shared/ims/mmtel-cdiv'
import { cdivOnResponse } from '../../../shared/ims/mmtel-cdiv'
import {
  diversionHeaders,
  diversionTarget,
  MAX_DIVERSIONS,
} from '../../../shared/ims/mmtel-diversion'
import { bgcfRoute, isOffNetSip, translateRequestUri } from '../../../shared/ims/number-translation'
import type { SipRequest } from '../../../shared/sip'
import { DIALOG_CREATING } from '../../../shared/sip/dialog-methods'
import { serializeUri } from '../../../shared/sip/uri'
import { markChargedDialog } from '../charging/charging-route'
import { type MementoCall, markDiverted } from '../memento/memento-call'
import {
  isBuiltInMemento,
  markDialog,
  mementoHostOf,
  noteMementoSide,
} from '../memento/memento-service'
import { callDiversionAs, mmtelOriginating, mmtelTerminating } from '../mmtel/mmtel-service'
import { canonicalImpu } from '../registrar/identities'
import { transitRoute } from './bgcf'
import { planDelivery } from './deliver'
import type { Lookups } from './lookups'
import type { RoutingDeps } from './routing-deps'
import { otherPoolRoute } from './scscf-location'
import { looseRoute, sproutRecordRoute, topRecordRouteIsOurs } from './sip-ops'
import { ifcViewOf } from './subscriber'
import { parseOdiToken } from './tx-keys'
import type { AsContinuation, CdivArm, ChargingInfo, ForkInfo, PipelineStep } from './tx-model'
import { URN_UNROUTED } from './urn'

export interface ForkPlan {
  info: Omit<ForkInfo, 'via'>
  /** The request for this hop, without Sprout's Via. */
  request: SipRequest
  /** AS liveness timer, ms. */
  livenessMs?: number
}

export interface GenPlan {
  forks: ForkPlan[]
  cdiv?: CdivArm
  asContinue?: AsContinuation
  resume?: PipelineStep
  /** Memento's notes as a later generation changed them (a diversion), to be recorded with it. */
  memento?: MementoCall
}

export type PipelineOutcome =
  | { kind: 'reject'; status: number; reason: string }
  | { kind: 'forward'; plan: GenPlan }

export interface PassContext {
  d: RoutingDeps
  lookups: Lookups
  /** The request being routed; MMTEL and translation change it in place. */
  req: SipRequest
  /** Provisional responses to send upstream before forwarding (181 on diversion). */
  provisional: Array<{ status: number; reason: string }>
  charging: ChargingInfo
  /** CDIV armed by the latest terminating MMTEL of this pass. */
  arm?: CdivArm
  /** The ODI token for an AS hop of this pass's next generation. */
  odiToken: string
}

const MAX_STEPS = 64

function recordRoute(p: PassContext): void {
  if (!DIALOG_CREATING.has(p.req.method)) return
  if (topRecordRouteIsOurs(p.req, p.d.scscfHost)) return
  p.req.prepend('record-route', sproutRecordRoute(p.d.scscfHost))
}

const rrAt = (p: PassContext, level: 'icscf' | 'as') =>
  p.d.routing.rrLevel.split(',').includes(level)

/** Rewrites the request for a diversion (clearwater-interfaces §5.9 "Diversion mechanics"). */
export function applyDiversion(req: SipRequest, target: CdivTarget): boolean {
  const to = diversionTarget(target.target)
  const diversions = req.getAll('diversion').length
  if (!to || diversions >= MAX_DIVERSIONS) return false
  const h = diversionHeaders({
    diverting: req.uri,
    target: to,
    cause: target.cause,
    historyInfo: req.getAll('history-info'),
    diversionCount: diversions,
  })
  req.setUri(to)
  req.prepend('diversion', h.diversion)
  req.set('history-info', h.historyInfo.join(', '))
  return true
}

function asHop(
  p: PassContext,
  step: PipelineStep,
  chain: ChainCase,
  index: number,
  server: { serverName: string; defaultHandling: 'SESSION_CONTINUED' | 'SESSION_TERMINATED' },
  registered: boolean
): PipelineOutcome {
  if (!/^sips?:/i.test(server.serverName.trim()))
    return { kind: 'reject', status: 502, reason: 'Bad Gateway (AS URI)' }
  const next: PipelineStep = { ...step, ifc: index + 1 }
  const before = p.req.toString()
  if (rrAt(p, 'as')) recordRoute(p)
  const req = p.req.clone()
  req.set('p-served-user', pServedUser(step.servedUser, chain, registered))
  const routes = [looseRoute(server.serverName), odiRoute(p.odiToken, p.d.scscfHost, chain)]
  const continued = server.defaultHandling === 'SESSION_CONTINUED'
  return {
    kind: 'forward',
    plan: {
      forks: [
        {
          info: {
            uri: req.uriText,
            routes,
            kind: 'as',
            as: { server: server.serverName, defaultHandling: server.defaultHandling, chain },
          },
          request: req,
          livenessMs: continued
            ? p.d.routing.asContinuedTimeoutMs
            : p.d.routing.asTerminatedTimeoutMs,
        },
      ],
      ...(p.arm ? { cdiv: p.arm } : {}),
      asContinue: { request: before, next },
      resume: next,
    },
  }
}

function forwardTo(p: PassContext, routes: string[]): PipelineOutcome {
  return {
    kind: 'forward',
    plan: {
      forks: [{ info: { uri: p.req.uriText, routes, kind: 'next' }, request: p.req.clone() }],
      ...(p.arm ? { cdiv: p.arm } : {}),
    },
  }
}

/** Diverts in-process: 181 upstream, then originating-CDIV for the diverting user. */
function divertHere(
  p: PassContext,
  servedUser: string,
  target: CdivTarget
): PipelineStep | undefined {
  if (!applyDiversion(p.req, target)) return undefined
  markDiverted(p.charging.memento, servedUser)
  p.provisional.push({ status: 181, reason: 'Call Is Being Forwarded' })
  p.arm = undefined
  return { phase: 'orig', chain: 'orig-cdiv', servedUser, ifc: 0 }
}

async function originating(
  p: PassContext,
  step: Extract<PipelineStep, { phase: 'orig' }>
): Promise<PipelineOutcome | PipelineStep> {
  const { d, req } = p
  const sub = await p.lookups.subscriber(step.servedUser)
  if (!sub.known) return { kind: 'reject', status: 404, reason: 'Not Found (originating user)' }
  if (sub.barred) return { kind: 'reject', status: 403, reason: 'Forbidden (barred identity)' }
  if (step.chain === 'orig') p.charging.orig ??= { user: step.servedUser, ccfs: sub.ccfs }
  if (step.ifc === 0 && step.chain === 'orig') recordRoute(p)
  const next = nextMatchingIfc(sub.ifcs, step.ifc, ifcViewOf(req), {
    sessionCase: sessionCaseOf(step.chain),
    registered: sub.registered,
  })
  if (next) {
    const server = next.ifc.applicationServer
    if (isBuiltInMemento(server.serverName, d.homeDomain, mementoHostOf(d))) {
      // The built-in Memento, in process (clearwater-interfaces §8): outgoing calls only.
      if (step.chain === 'orig')
        noteMementoSide(p.charging, req, step.servedUser, true, d.clock.now())
      return { ...step, ifc: next.index + 1 }
    }
    if (isBuiltInMmtel(server.serverName, d.homeDomain, d.routing.mmtelHost)) {
      const r = await mmtelOriginating(
        d,
        req,
        step.servedUser,
        step.chain,
        p.lookups.simservs(step.servedUser)
      )
      if (r.reject) return { kind: 'reject', ...r.reject }
      return { ...step, ifc: next.index + 1 }
    }
    return asHop(p, step, step.chain, next.index, server, sub.registered)
  }
  // End of originating handling: translation, then on-net or BGCF (§5.6, §5.8).
  if (rrAt(p, 'icscf')) recordRoute(p)
  const t = translateRequestUri(req.uri, {
    enumBlocks: d.routing.enumBlocks,
    defaultTelUriTranslation: d.routing.defaultTelUriTranslation,
    homeDomain: d.homeDomain,
    enforceUserPhone: d.routing.enforceUserPhone,
    enforceGlobalOnly: d.routing.enforceGlobalOnly,
  })
  if (t.kind !== 'none') req.setUri(t.uri)
  if (req.has('route')) return forwardTo(p, req.getAllRaw('route'))
  const u = req.uri
  if (u.kind === 'sip' && !isOffNetSip(u, [d.homeDomain])) {
    const impu = canonicalImpu(u)
    if (impu) {
      // Another pool's S-CSCF may serve the callee (scscf-location.ts: a LIR only if one exists).
      const elsewhere = await otherPoolRoute(d, impu)
      if (elsewhere) return forwardTo(p, [elsewhere])
      return { phase: 'term', servedUser: impu, ifc: 0 }
    }
  }
  // A service URN no iFC took (RFC 5031; clearwater-interfaces §10 test 95): 480.
  if (u.kind === 'urn') return { kind: 'reject', ...URN_UNROUTED }
  if (u.kind !== 'sip' && u.kind !== 'tel')
    return { kind: 'reject', status: 416, reason: 'Unsupported URI Scheme' }
  const route = bgcfRoute(u, d.routing.bgcfRoutes, t.number)
  if (!route) return { kind: 'reject', status: 404, reason: 'Not Found (no route to destination)' }
  return forwardTo(p, route.map(looseRoute))
}

async function terminating(
  p: PassContext,
  step: Extract<PipelineStep, { phase: 'term' }>
): Promise<PipelineOutcome | PipelineStep> {
  const { d, req } = p
  if (req.has('route')) return forwardTo(p, req.getAllRaw('route'))
  const sub = await p.lookups.subscriber(step.servedUser)
  if (!sub.known) {
    // A number Homestead does not know leaves through the BGCF's transit route (bgcf.ts).
    const transit = transitRoute(d, req.uri)
    if (transit) return forwardTo(p, transit)
    // Unknown or unregistered callee: 480 (clearwater-interfaces §10 test 4).
    return { kind: 'reject', status: 480, reason: 'Temporarily Unavailable' }
  }
  if (sub.barred) return { kind: 'reject', status: 404, reason: 'Not Found' }
  p.charging.term ??= { user: step.servedUser, ccfs: sub.ccfs }
  if (step.ifc === 0 && rrAt(p, 'icscf')) recordRoute(p)
  const next = nextMatchingIfc(sub.ifcs, step.ifc, ifcViewOf(req), {
    sessionCase: 'terminating',
    registered: sub.registered,
  })
  if (next) {
    const server = next.ifc.applicationServer
    const cdivAs = isCallDiversionAs(server.serverName, d.homeDomain)
      ? cdivServiceFromUri(server.serverName)
      : undefined
    if (cdivAs) {
      // The Call-Diversion AS of §5.9 item 5, in-process like MMTEL.
      const r = callDiversionAs(req, step.servedUser, cdivAs, d.clock.now())
      if (r.divert) {
        const s = divertHere(p, step.servedUser, r.divert)
        if (s) return s
      }
      if (r.arm) p.arm = r.arm
      return { ...step, ifc: next.index + 1 }
    }
    if (isBuiltInMemento(server.serverName, d.homeDomain, mementoHostOf(d))) {
      noteMementoSide(p.charging, req, step.servedUser, false, d.clock.now())
      return { ...step, ifc: next.index + 1 }
    }
    if (isBuiltInMmtel(server.serverName, d.homeDomain, d.routing.mmtelHost)) {
      const r = await mmtelTerminating(d, req, step.servedUser, p.lookups.simservs(step.servedUser))
      if (r.reject) return { kind: 'reject', ...r.reject }
      if (r.divert) {
        const s = divertHere(p, step.servedUser, r.divert)
        if (s) return s
      }
      if (r.arm) p.arm = r.arm
      return { ...step, ifc: next.index + 1 }
    }
    return asHop(p, step, 'term', next.index, server, sub.registered)
  }
  recordRoute(p)
  const bindings = sub.registered ? await p.lookups.bindingsOf(sub.aor) : []
  const plan = planDelivery(req, sub.aor, bindings, d.routing.maxForks)
  if (!plan.ok) {
    // The callee is not reachable here: MMTEL's not-registered rules act on this 480 (§5.9).
    const arm = p.arm
    if (arm) {
      const t = cdivOnResponse(arm.model, plan.status, {
        ringing: false,
        ctx: {
          media: arm.media,
          caller: arm.caller,
          callerAnonymous: arm.callerAnonymous,
          now: d.clock.now(),
        },
      })
      const s = t ? divertHere(p, arm.servedUser, t) : undefined
      if (s) return s
    }
    return { kind: 'reject', status: plan.status, reason: plan.reason }
  }
  return {
    kind: 'forward',
    plan: {
      forks: plan.value.forks.map((f) => {
        const r = req.clone()
        r.set('p-called-party-id', f.calledParty)
        r.remove('p-served-user')
        return { info: f.info, request: r }
      }),
      ...(p.arm ? { cdiv: p.arm } : {}),
    },
  }
}

/** Runs S-CSCF processing from `step` until the request leaves Sprout or is answered. */
export async function runPipeline(p: PassContext, start: PipelineStep): Promise<PipelineOutcome> {
  let step: PipelineStep = start
  for (let n = 0; n < MAX_STEPS; n++) {
    const r = step.phase === 'orig' ? await originating(p, step) : await terminating(p, step)
    if ('kind' in r) {
      const m = p.charging.memento
      if (m && r.kind === 'forward')
        await markDialog(
          p.d,
          m,
          r.plan.forks.map((f) => f.request)
        )
      // What the dialog's BYE needs to write its STOP without a read (charging-route.ts).
      const txKey = parseOdiToken(p.odiToken)?.key
      if (r.kind === 'forward' && txKey)
        await markChargedDialog(
          p.d,
          p.charging,
          txKey,
          r.plan.forks.map((f) => f.request)
        )
      return r
    }
    step = r
  }
  // A chain that keeps diverting or re-entering: loop protection (sproutlet depth 50).
  return { kind: 'reject', status: 482, reason: 'Loop Detected' }
}

/** The served user of the Request-URI (the terminating served user, TS 24.229 §5.4.3.3). */
export const servedUserOfUri = (req: SipRequest): string | undefined => canonicalImpu(req.uri)

export const uriText = (req: SipRequest) => serializeUri(req.uri)
