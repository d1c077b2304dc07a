/**
 * @module sprout/registrar/respond-step
 * The respond step of REGISTER processing (clearwater-interfaces §5.3 steps 6–8): the 200 OK goes
 * back along the edge's Via; then, after the answer, the reg-event NOTIFYs planned by the bind
 * step, the third-party REGISTERs (none for a fetch, sprout PR #2130, or an emergency
 * registration), and, when the REGISTER
 * removed the last binding, `dereg-user` to the HSS. A SESSION_TERMINATED AS that fails a
 * registration deregisters the subscriber (§5.5).
 */
import { metrics } from '../../../shared/metrics/isolate'
import { sendNotifies } from '../reg-event/notifier'
import { registerView, thirdPartyTargets } from '../third-party-register/third-party-targets'
import { remainingSeconds } from './binding-model'
import { isEmergencyBinding, isEmergencyRegistration } from './emergency'
import { need, type RegisterStep } from './register-context'
import { buildRegisterOk } from './register-ok'
import { deregisterAor, sendThirdPartyRegisters } from './registration-effects'

export const respond: RegisterStep = async (ctx, next) => {
  const reg = need(ctx.reg, 'parsed registration')
  const plan = need(ctx.plan, 'binding plan')
  const irs = need(ctx.irs, 'registration set')
  const aor = need(ctx.aor, 'AoR')
  const svc = ctx.svc
  const { sender, region, log, hss } = svc.deps
  const now = svc.nowMs
  const ok = buildRegisterOk(ctx.req, reg, plan.bindings, irs, region, now)
  ctx.ok = ok
  const sent = await sender.respond(ok)
  if (plan.kind !== 'fetch') metrics.registrations.inc({ kind: plan.kind })
  if (!sent.ok)
    log.info('200 OK to REGISTER not delivered', {
      aor,
      status: sent.sipStatus,
      reason: sent.reason,
    })

  const notifies = ctx.notifies ?? []
  if (plan.kind === 'fetch' || (plan.changes.length === 0 && notifies.length === 0)) return next()
  const dereg = plan.kind === 'deregister' && !plan.initial
  // The application servers are known now (iFC evaluation is pure): a refresh with no NOTIFY,
  // no third-party REGISTER and no deregistration to tell the HSS defers nothing. An emergency
  // registration has none (clearwater-interfaces §5.3 step 7).
  const targets =
    (plan.initial && plan.kind === 'deregister') || isEmergencyRegistration(reg)
      ? []
      : thirdPartyTargets(
          irs.subscription,
          registerView(ctx.req, plan.initial, plan.kind === 'deregister')
        )
  if (notifies.length === 0 && targets.length === 0 && !dereg) return next()
  svc.deps.defer(async () => {
    const expires = Math.max(
      0,
      ...plan.bindings
        .filter((b) => !isEmergencyBinding(b))
        .map((b) => remainingSeconds(b.expires, now))
    )
    const [, asFailed] = await Promise.all([
      sendNotifies(notifies, { sender, aors: svc.aors, aor, region, nowMs: now, log }),
      targets.length === 0
        ? Promise.resolve(false)
        : sendThirdPartyRegisters(svc, {
            irs,
            targets,
            expires,
            register: ctx.req,
            ok,
          }),
      dereg
        ? hss
            .putRegData(aor, 'dereg-user', reg.impi)
            .catch((err) => log.warn('dereg-user not accepted', { aor, error: String(err) }))
        : undefined,
    ])
    if (asFailed) {
      log.warn('a SESSION_TERMINATED application server failed the registration; deregistering', {
        aor,
      })
      await deregisterAor(svc, aor, { reqtype: 'dereg-admin', notify: true, event: 'deactivated' })
    }
  })
  await next()
}
