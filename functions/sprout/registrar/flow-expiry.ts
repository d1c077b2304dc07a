/**
 * @module sprout/registrar/flow-expiry
 * Binding expiry kept by the edge flow that carries the binding (docs/registrar.md, "Expiry kept
 * by the flow"). Every REGISTER and its 200 pass through the flow object of the binding, which
 * keeps one Durable Object alarm at the earliest expiry of what it carries (edge/flow-expiry.ts);
 * a steady-state refresh then costs no timer anywhere, and a pop costs no Scheduler schedule and
 * no global-table item.
 *
 * - A REGISTER whose edge Via says `ew-expiry=flow` for the flow its first Path names marks the
 *   bindings it adds or refreshes `flowExpiry`; such bindings arm no timer on the timer service
 *   ({@link keepExpiryOnFlow}; bind-step.ts `needsTimer`). A binding refreshed later over a flow
 *   without the mark gets its timer again.
 * - `POST /flows/<token>/expired` {@link onFlowExpired}: the flow says a binding lapsed. Sprout
 *   reads the AoR (it may have been refreshed through another flow), removes the flow's expired
 *   bindings guarded by the version read (a refresh that lands meanwhile wins, Clearwater
 *   sprout#1200), and runs the same side effects as a timer pop (timer-pops.ts): NOTIFY
 *   `event="expired"`, and when none is left `dereg-timeout` to the HSS, third-party
 *   de-REGISTERs and the end of the AoR's subscriptions. It answers how long (ms) the flow's
 *   bindings still live there last, so the flow re-arms for it.
 */
import {
  FLOW_EXPIRY_VIA_PARAM,
  FLOW_EXPIRY_VIA_VALUE,
  type FlowExpiredAnswer,
} from '../../../shared/hop/flow-expiry'
import { EDGE_HOST, FLOW_VIA_PARAM } from '../../../shared/hop/internal-addresses'
import type { SipRequest } from '../../../shared/sip'
import { getParam } from '../../../shared/sip/params'
import { isRemoved } from './aor-store'
import { BINDING_PREFIX, type Binding, type BindingRecord } from './binding-model'
import type { BindingChange } from './binding-plan'
import { isEmergencyBinding } from './emergency'
import { irsOf } from './irs'
import type { ParsedRegistration } from './parse-registration'
import type { RegistrarServices } from './registrar-services'
import { afterBindingsRemoved, endedOf } from './registration-effects'

/**
 * True when the REGISTER came from an edge flow that keeps its bindings' expiry: the top Via is
 * the edge's, names the flow the first Path names, and carries `ew-expiry=flow`.
 */
export function flowKeepsExpiry(req: SipRequest, reg: Pick<ParsedRegistration, 'flow'>): boolean {
  if (!reg.flow) return false
  const via = req.topVia
  return (
    via.host.toLowerCase() === EDGE_HOST &&
    getParam(via.params, FLOW_VIA_PARAM) === reg.flow &&
    getParam(via.params, FLOW_EXPIRY_VIA_PARAM) === FLOW_EXPIRY_VIA_VALUE
  )
}

/** Marks (or unmarks) the bindings a REGISTER adds or refreshes as kept by their flow. */
export function keepExpiryOnFlow(changes: readonly BindingChange[], kept: boolean): void {
  for (const c of changes) {
    if (c.event === 'unregistered') continue
    if (kept) c.after.data.flowExpiry = true
    else delete c.after.data.flowExpiry
  }
}

const onFlow = (b: { data: Binding['data'] }, token: string) =>
  b.data.flow === token || b.data.paths.some((p) => p.includes(`${token}@`))

/** The flow's lapse notice for the AoR `hint` names (its default identity when it is not one). */
export async function onFlowExpired(
  svc: RegistrarServices,
  token: string,
  hint: string
): Promise<FlowExpiredAnswer> {
  const tried: string[] = []
  for (let i = 0; i < 2; i++) {
    const aor =
      i === 0
        ? hint
        : await svc.deps.hss
            .getRegData(hint)
            .then((rd) => (rd.subscription ? irsOf(rd).defaultImpu : undefined))
            .catch(() => undefined)
    if (!aor || tried.includes(aor)) break
    tried.push(aor)
    const out = await expireOn(svc, token, aor)
    if (out) return out
  }
  svc.deps.log.info('flow expiry: no binding of the flow', { token: token.slice(0, 12), hint })
  return { removed: 0 }
}

/** Expires the flow's lapsed bindings of `aor`; undefined when the AoR holds none of the flow's. */
async function expireOn(
  svc: RegistrarServices,
  token: string,
  aor: string
): Promise<FlowExpiredAnswer | undefined> {
  const records = await svc.aors.records(aor)
  const now = svc.nowMs
  const mine: Binding[] = []
  for (const [name, r] of Object.entries(records)) {
    if (!name.startsWith(BINDING_PREFIX)) continue
    const rec = r as BindingRecord
    if (!isRemoved(rec) && onFlow(rec, token))
      mine.push({ ...rec, id: name.slice(BINDING_PREFIX.length) })
  }
  if (mine.length === 0) return undefined
  const lapsed = mine.filter((b) => b.expires * 1000 <= now)
  const live = mine.filter((b) => b.expires * 1000 > now)
  let removed = 0
  if (lapsed.length > 0) {
    const outs = await svc.aors.removeRecords(
      aor,
      lapsed.map((b) => ({ name: BINDING_PREFIX + b.id, version: b.cseq, onlyIfExpired: true }))
    )
    const gone = lapsed.filter((b) => outs[BINDING_PREFIX + b.id] === 'deleted')
    removed = gone.length
    if (gone.length > 0)
      // What follows the removal runs after the answer (as a timer pop's does).
      svc.deps.defer(() =>
        afterBindingsRemoved(
          svc,
          aor,
          // reg-event does not report an emergency binding (emergency.ts).
          gone.filter((b) => !isEmergencyBinding(b)).map((b) => endedOf(b, 'expired')),
          'dereg-timeout'
        )
      )
  }
  const latest = Math.max(0, ...live.filter((b) => b.data.flowExpiry).map((b) => b.expires * 1000))
  svc.deps.log.info('flow expiry', { aor, token: token.slice(0, 12), removed, live: live.length })
  // Remaining time, not a time of day: the edge's clock need not agree with Sprout's.
  return latest > now ? { removed, next: Math.ceil(latest - now) } : { removed }
}
