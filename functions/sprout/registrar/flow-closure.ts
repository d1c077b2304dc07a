/**
 * @module sprout/registrar/flow-closure
 * The edge's `POST /flows/<token>/closed` (docs/internal-hop.md "Flow closure"): every binding
 * whose Path carries the flow's token is removed (RFC 5626 §5.3: a binding reached only through a
 * failed flow is no longer usable), each guarded by the version read, so a binding that a new
 * flow re-registered meanwhile (same instance and reg-id, RFC 5626 §6) stays. Subscribers are
 * told (`event="deactivated"`); the last binding gone means `dereg-timeout` to the HSS. Reg-event
 * subscriptions held over that flow are dropped too: no NOTIFY can reach them. The AoR comes from
 * the edge's hint, the flow index written at registration, or the HSS's default identity.
 */

import type { Binding } from './binding-model'
import { irsOf } from './irs'
import type { RegistrarServices } from './registrar-services'
import { afterBindingsRemoved, endedOf } from './registration-effects'

const onFlow = (b: Binding, token: string) =>
  b.data.flow === token || b.data.paths.some((p) => p.includes(`${token}@`))

export async function onFlowClosed(
  svc: RegistrarServices,
  token: string,
  hint?: string
): Promise<number> {
  const candidates: string[] = []
  if (hint) candidates.push(hint)
  const indexed = await svc.aors.flowAor(token).catch(() => undefined)
  if (indexed && !candidates.includes(indexed)) candidates.push(indexed)
  if (hint) {
    const rd = await svc.deps.hss.getRegData(hint).catch(() => undefined)
    const def = rd?.subscription ? irsOf(rd).defaultImpu : undefined
    if (def && !candidates.includes(def)) candidates.push(def)
  }
  let removed = 0
  for (const aor of candidates) {
    const state = await svc.aors.read(aor)
    const mine = state.bindings.filter((b) => onFlow(b, token))
    const subs = state.subscriptions.filter((s) => s.data.flow === token)
    if (mine.length === 0 && subs.length === 0) continue
    const outs = await Promise.all([
      ...mine.map((b) => svc.aors.removeBinding(aor, b.id, b.cseq, false)),
      ...subs.map((s) => svc.aors.removeSubscription(aor, s.tag, s.cseq)),
    ])
    const gone = mine.filter((_, i) => outs[i] === 'deleted')
    await Promise.allSettled([
      ...gone.map((b) => svc.timers.disarmBinding(aor, b.id)),
      ...subs.map((s) => svc.timers.disarmSubscription(aor, s.tag)),
    ])
    if (gone.length > 0)
      svc.deps.defer(() =>
        afterBindingsRemoved(
          svc,
          aor,
          gone.map((b) => endedOf(b, 'deactivated')),
          'dereg-timeout'
        )
      )
    removed += gone.length
    break
  }
  svc.deps.log.info('flow closed', { token: token.slice(0, 12), removed })
  return removed
}
