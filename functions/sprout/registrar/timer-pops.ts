/**
 * @module sprout/registrar/timer-pops
 * What the registrar does when one of its timers pops (at-least-once, so every action re-checks
 * the store first; architecture §4):
 * - a binding's expiry: the binding is deleted only if its stored version is still the one the
 *   timer was set for and its expiry has passed, in one guarded operation, so a re-REGISTER that
 *   landed at the last moment is never lost (Clearwater sprout#1200). A pop that arrives early
 *   re-arms the timer. A deletion is followed by NOTIFYs with `event="expired"`, and when it was
 *   the last binding by `dereg-timeout` to the HSS and third-party de-REGISTERs;
 * - a subscription's expiry: the final NOTIFY `terminated;reason=timeout` (live test 92) and
 *   the subscription's removal, unless it was refreshed meanwhile (then the timer is re-armed).
 */
import { planNotifies, sendNotifies } from '../reg-event/notifier'
import { isLive } from '../reg-event/subscription-model'
import type { RegistrarServices } from './registrar-services'
import type { BindingPop, SubscriptionPop, SweepPop } from './registrar-timers'
import { afterBindingsRemoved } from './registration-effects'

export type PopOutcome = 'removed' | 'kept' | 'rearmed' | 'absent'

export async function onBindingPop(svc: RegistrarServices, pop: BindingPop): Promise<PopOutcome> {
  const out = await svc.aors.removeBinding(pop.aor, pop.id, pop.v, true)
  if (out === 'absent') return 'absent'
  if (out === 'kept') {
    const b = (await svc.aors.read(pop.aor)).bindings.find((x) => x.id === pop.id)
    if (b && b.cseq === pop.v) {
      // Early pop (the Scheduler or an alarm ran ahead of this clock): try again at expiry.
      await svc.timers.armBinding(pop, b.expires)
      return 'rearmed'
    }
    return 'kept'
  }
  // The callback must answer within 2 s (Chronos); what follows the removal runs after it.
  svc.deps.defer(() =>
    afterBindingsRemoved(
      svc,
      pop.aor,
      [
        {
          id: pop.id,
          uri: pop.uri,
          params: pop.params,
          ...(pop.instance ? { instance: pop.instance } : {}),
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
  await svc.timers.sweepSubscription(pop.aor, pop.tag, planned[0]!.record.cseq)
  const { sender, region, log } = svc.deps
  svc.deps.defer(() =>
    sendNotifies(planned, { sender, aors: svc.aors, aor: pop.aor, region, nowMs: now, log })
  )
  return 'removed'
}

/** Removes a tombstone if it is still the one the sweep was set for. */
export async function onSweep(svc: RegistrarServices, pop: SweepPop): Promise<PopOutcome> {
  const out =
    pop.k === 'sweep-binding'
      ? await svc.aors.removeBinding(pop.aor, pop.id, pop.v, true)
      : await svc.aors.removeSubscription(pop.aor, pop.id, pop.v)
  return out === 'deleted' ? 'removed' : out === 'absent' ? 'absent' : 'kept'
}
