/**
 * @module sprout/registrar/timer-pops
 * What the registrar does when one of its timers pops (at-least-once, so every action re-checks
 * the store first; architecture §4):
 * - a binding's expiry. Timers are lazy (bind-step.ts): a refresh that extends a binding does
 *   not re-arm its timer, so the pop reads the binding and, while it is live (refreshed since,
 *   or the pop is early), re-arms the timer for its current expiry. An expired binding is
 *   removed by writing its tombstone, guarded by the version just read, so a re-REGISTER that
 *   lands meanwhile always wins (its version is at least as high and its expiry later) and is
 *   never lost (Clearwater sprout#1200); a pop that finds a tombstone (removed already, or a
 *   repeated pop) does nothing. A removal is followed by NOTIFYs with `event="expired"`, and
 *   when it was the last binding by `dereg-timeout` to the HSS and third-party de-REGISTERs.
 *   A live binding whose edge flow now keeps its expiry (flow-expiry.ts) is not re-armed;
 * - a subscription's expiry: the final NOTIFY `terminated;reason=timeout` (live test 92) and
 *   the subscription's end, unless it was refreshed meanwhile (then the timer is re-armed).
 * Removed records are dropped from the AoR once their linger ends (aor-store.ts), so nothing is
 * swept; a sweep pop armed by an older deployment is acknowledged.
 */
import { planNotifies, sendNotifies } from '../reg-event/notifier'
import { isLive } from '../reg-event/subscription-model'
import { isRemoved } from './aor-store'
import { bindingPop } from './bind-step'
import { BINDING_PREFIX, type BindingRecord } from './binding-model'
import type { RegistrarServices } from './registrar-services'
import type { BindingPop, SubscriptionPop, SweepPop } from './registrar-timers'
import { afterBindingsRemoved } from './registration-effects'

/** `flow`: the binding is live and its edge flow keeps its expiry now (flow-expiry.ts). */
export type PopOutcome = 'removed' | 'kept' | 'rearmed' | 'absent' | 'flow'

export async function onBindingPop(svc: RegistrarServices, pop: BindingPop): Promise<PopOutcome> {
  const rec = (await svc.aors.records(pop.aor))[BINDING_PREFIX + pop.id] as
    | BindingRecord
    | undefined
  if (!rec || isRemoved(rec)) return 'absent'
  if (rec.expires * 1000 > svc.nowMs) {
    // Refreshed over a flow that keeps its expiry: the timer retires (flow-expiry.ts).
    if (rec.data.flowExpiry) return 'flow'
    // Refreshed since the timer was armed, or an early pop: try again at its expiry.
    await svc.timers.armBinding(bindingPop(pop.aor, { ...rec, id: pop.id }), rec.expires)
    return 'rearmed'
  }
  const out = await svc.aors.removeBinding(pop.aor, pop.id, rec.cseq, true)
  if (out !== 'deleted') return out === 'absent' ? 'absent' : 'kept'
  // The callback must answer within 2 s (Chronos); what follows the removal runs after it.
  svc.deps.defer(() =>
    afterBindingsRemoved(
      svc,
      pop.aor,
      // reg-event does not report an emergency binding (emergency.ts).
      rec.data.emergency
        ? []
        : [
            {
              id: pop.id,
              uri: rec.data.uri,
              params: rec.data.params,
              ...(rec.data.instance ? { instance: rec.data.instance } : {}),
              event: 'expired',
            },
          ],
      'dereg-timeout'
    )
  )
  return 'removed'
}

export async function onSubscriptionPop(
  svc: RegistrarServices,
  pop: SubscriptionPop
): Promise<PopOutcome> {
  const state = await svc.aors.read(pop.aor)
  const sub = state.subscriptions.find((s) => s.tag === pop.tag)
  if (!sub) return 'absent'
  const now = svc.nowMs
  if (isLive(sub, now)) {
    await svc.timers.armSubscription(pop.aor, pop.tag, sub.data.expiresAt)
    return 'rearmed'
  }
  const planned = planNotifies(
    [sub],
    { identities: sub.data.identities, bindings: state.bindings, terminate: 'timeout' },
    now
  )
  const outcomes = await svc.aors.write(pop.aor, { subscriptions: planned.map((p) => p.record) })
  if (outcomes[`s:${pop.tag}`] !== 'written') return 'kept'
  const { sender, region, log } = svc.deps
  svc.deps.defer(() =>
    sendNotifies(planned, { sender, aors: svc.aors, aor: pop.aor, region, nowMs: now, log })
  )
  return 'removed'
}

/**
 * A tombstone sweep armed by an older deployment: the AoR drops expired records by itself
 * (aor-store.ts), so there is nothing to do but say whether the record is still there.
 */
export async function onSweep(svc: RegistrarServices, pop: SweepPop): Promise<PopOutcome> {
  const prefix = pop.k === 'sweep-binding' ? BINDING_PREFIX : 's:'
  return (await svc.aors.records(pop.aor))[prefix + pop.id] ? 'kept' : 'absent'
}
