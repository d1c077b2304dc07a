/**
 * @module sprout/registrar/flow-closure
 * The edge's `POST /flows/<token>/closed` (docs/internal-hop.md "Flow closure"): every binding
 * whose Path carries the flow's token is removed (RFC 5626 §5.3: a binding reached only through a
 * failed flow is no longer usable), each guarded by the version read, so a binding that a new
 * flow re-registered meanwhile (same instance and reg-id, RFC 5626 §6) stays. Subscribers are
 * told (`event="deactivated"`); the last binding gone means `dereg-timeout` to the HSS. Reg-event
 * subscriptions held over that flow are dropped too: no NOTIFY can reach them. All removals are
 * one merged write of tombstones. The AoR comes from the edge's hint (and the HSS's default
 * identity for it), else from the flow index written when the flow got a binding.
 */

import { BINDING_PREFIX, type Binding, SUBSCRIPTION_PREFIX } from './binding-model'
import { isEmergencyBinding } from './emergency'
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
  // The index serves a notice that names no AoR (the edge always names one).
  const indexed = hint ? undefined : await svc.aors.flowAor(token).catch(() => undefined)
  if (indexed) candidates.push(indexed)
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
    // One merged write of every tombstone; the armed expiry timers find them and do nothing.
    const outs = await svc.aors.removeRecords(aor, [
      ...mine.map((b) => ({ name: BINDING_PREFIX + b.id, version: b.cseq })),
      ...subs.map((s) => ({ name: SUBSCRIPTION_PREFIX + s.tag, version: s.cseq })),
    ])
    const gone = mine.filter((b) => outs[BINDING_PREFIX + b.id] === 'deleted')
    if (gone.length > 0)
      svc.deps.defer(() =>
        afterBindingsRemoved(
          svc,
          aor,
          gone.filter((b) => !isEmergencyBinding(b)).map((b) => endedOf(b, 'deactivated')),
          'dereg-timeout'
        )
      )
    removed += gone.length
    break
  }
  svc.deps.log.info('flow closed', { token: token.slice(0, 12), removed })
  return removed
}
