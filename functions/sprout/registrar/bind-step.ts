/**
 * @module sprout/registrar/bind-step
 * The bind step of REGISTER processing (clearwater-interfaces §5.3 steps 2–5):
 * 1. Homestead: `PUT reg-data` with reqtype `reg` when the REGISTER adds or refreshes a binding,
 *    a read-only `GET` for a fetch or a pure removal (no spurious SAR); both name the
 *    authenticated private identity, so Homestead refuses a set that IMPI does not belong to
 *    (404 → 403); 5xx → 504, a set that is not REGISTERED after `reg` → 504. The answer names
 *    the AoR (the set's default identity).
 * 2. The AoR's current bindings: the speculative read started with the challenge read when the
 *    To identity is the AoR, else one more read.
 * 3. The binding plan (binding-plan.ts), the next record of every live reg-event subscription
 *    (each gets a NOTIFY), and then ONE write round in parallel: the merged write of all those
 *    records (one `SET … GET` per region), the expiry timers of new or shortened bindings, the
 *    flow index of a new binding, and the other steps' side writes; the accepted digest
 *    nonce-count goes into the same AoR write when the To identity is the AoR (else its own
 *    write to the To identity's map). A re-REGISTER therefore costs two sequential store round
 *    trips, three KV commands and no timer.
 */
import { SipError } from '../../../shared/sip/errors'
import { hssToSip, storeToSip } from '../hss-errors'
import { planNotifies } from '../reg-event/notifier'
import type { SubscriptionData } from '../reg-event/subscription-model'
import { isLive } from '../reg-event/subscription-model'
import type { AorState } from './aor-store'
import { type Binding, FLOW_INDEX_TTL_SECONDS } from './binding-model'
import { type BindingChange, planBindings } from './binding-plan'
import { isEmergencyBinding, refuseEmergencyRemoval } from './emergency'
import { flowKeepsExpiry, keepExpiryOnFlow } from './flow-expiry'
import { irsOf } from './irs'
import { need, type RegisterStep } from './register-context'
import type { BindingPop } from './registrar-timers'

export function bindingPop(aor: string, b: Binding): BindingPop {
  return {
    k: 'binding',
    aor,
    id: b.id,
    v: b.cseq,
    uri: b.data.uri,
    params: b.data.params,
    ...(b.data.instance ? { instance: b.data.instance } : {}),
  }
}

/**
 * A change that must (re-)arm its binding's expiry timer: none when the binding's flow keeps its
 * expiry (flow-expiry.ts); else a new binding, one whose expiry came forward, or one whose flow
 * kept it until now.
 */
export function needsTimer(c: BindingChange): boolean {
  if (c.event === 'unregistered' || c.after.data.flowExpiry) return false
  return (
    c.event === 'registered' ||
    !c.before ||
    c.after.expires < c.before.expires ||
    c.before.data.flowExpiry === true
  )
}

export const bind: RegisterStep = async (ctx, next) => {
  const reg = need(ctx.reg, 'parsed registration')
  const svc = ctx.svc
  const { hss, config, log } = svc.deps
  const { impi } = need(ctx.auth, 'authenticated identity')
  refuseEmergencyRemoval(reg)
  const adds = reg.contacts.some((c) => c.expires > 0)
  const rd = await (adds
    ? hss.putRegData(reg.impu, 'reg', impi)
    : hss.getRegData(reg.impu, impi)
  ).catch(hssToSip)
  if (adds && rd.state !== 'REGISTERED')
    throw new SipError(504, 'Server Time-out (HSS did not register the set)')
  const irs = irsOf(rd)
  const aor = irs.defaultImpu
  ctx.irs = irs
  ctx.aor = aor

  let state: AorState<SubscriptionData>
  if (ctx.speculative && aor === reg.impu) state = await ctx.speculative.catch(storeToSip)
  else state = await svc.aors.read(aor).catch(storeToSip)

  const now = svc.nowMs
  const plan = planBindings(reg, state.bindings, now, config.REG_MAX_BINDINGS)
  keepExpiryOnFlow(plan.changes, flowKeepsExpiry(ctx.req, reg))
  ctx.plan = plan

  const live = state.subscriptions.filter((s) => isLive(s, now))
  // reg-event does not report emergency bindings (emergency.ts): their changes notify no one.
  const reported = plan.changes.filter((c) => !isEmergencyBinding(c.after))
  if (reported.length > 0 && live.length > 0) {
    const events = Object.fromEntries(
      reported.filter((c) => c.event !== 'unregistered').map((c) => [c.id, c.event])
    )
    const ended = reported
      .filter((c) => c.event === 'unregistered')
      .map((c) => ({
        id: c.id,
        uri: c.after.data.uri,
        params: c.after.data.params,
        ...(c.after.data.instance ? { instance: c.after.data.instance } : {}),
        event: 'unregistered' as const,
      }))
    ctx.notifies = planNotifies(
      live,
      {
        identities: irs.associatedUris,
        bindings: plan.bindings,
        events,
        ended,
        // The registration ended: the subscriptions to it end too (§5.3 step 5).
        ...(plan.kind === 'deregister' ? { terminate: 'deactivated' as const } : {}),
      },
      now
    )
  }

  // The single write round.
  const nonceField = ctx.nonceUse ? { [ctx.nonceUse.field]: ctx.nonceUse.record } : undefined
  const writes: Array<Promise<unknown>> = [
    svc.aors.write(aor, {
      bindings: plan.changes.map((c) => c.after),
      subscriptions: (ctx.notifies ?? []).map((n) => n.record),
      ...(nonceField && aor === reg.impu ? { fields: nonceField } : {}),
    }),
  ]
  const timerWrites: Array<Promise<unknown>> = []
  if (nonceField && aor !== reg.impu)
    timerWrites.push(svc.aors.write(reg.impu, { fields: nonceField }))
  // Expiry timers are lazy (timer-pops.ts), and none is armed for a binding its flow keeps
  // (flow-expiry.ts): only a new binding, or a refresh that brings its expiry forward, arms one; a refresh that extends the binding leaves the armed timer, whose
  // pop finds the later expiry and re-arms. A removal leaves it too: its pop finds the tombstone.
  for (const c of plan.changes)
    if (needsTimer(c))
      timerWrites.push(svc.timers.armBinding(bindingPop(aor, c.after), c.after.expires))
  // The flow → AoR index, for a flow-closure notice that names no AoR (flow-closure.ts): written
  // when the flow gets a new binding.
  if (reg.flow && plan.changes.some((c) => c.event === 'registered'))
    timerWrites.push(svc.aors.indexFlow(reg.flow, aor, FLOW_INDEX_TTL_SECONDS))
  for (const w of ctx.sideWrites) timerWrites.push(w())
  const [main, ...rest] = await Promise.allSettled([...writes, ...timerWrites])
  if (main?.status === 'rejected') storeToSip(main.reason)
  for (const r of rest)
    if (r.status === 'rejected')
      log.warn('registrar side write failed', { aor, callId: reg.callId, error: String(r.reason) })
  await next()
}
