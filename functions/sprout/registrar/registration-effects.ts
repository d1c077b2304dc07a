/**
 * @module sprout/registrar/registration-effects
 * What follows a change to an AoR, wherever the change came from (clearwater-interfaces §5.3
 * steps 5–8, §5.5): third-party REGISTERs to the application servers whose iFCs match (a
 * SESSION_TERMINATED AS that fails a registration deregisters the subscriber), and, when
 * bindings are removed by the network (expiry, flow loss, administration, the HSS), the
 * reg-event NOTIFYs and, once none is left, the HSS deregistration, third-party de-REGISTERs
 * and the end of the AoR's subscriptions.
 */
import type { IfcRequestView } from '../../../shared/ims/ifc-evaluate'
import type { SipRequest, SipResponse } from '../../../shared/sip'
import { HssError, type RegDataReqType } from '../hss-client'
import { planNotifies, sendNotifies } from '../reg-event/notifier'
import type { EndedContact } from '../reg-event/reginfo-view'
import { isLive } from '../reg-event/subscription-model'
import { buildThirdPartyRegister } from '../third-party-register/third-party-request'
import {
  networkDeregistrationView,
  type ThirdPartyTarget,
  thirdPartyTargets,
} from '../third-party-register/third-party-targets'
import type { Binding } from './binding-model'
import { nextVersion } from './binding-plan'
import { isEmergencyBinding } from './emergency'
import { type Irs, irsOf } from './irs'
import type { RegistrarServices } from './registrar-services'

/** Whom to tell: the iFC view to evaluate, or the targets already evaluated from it. */
export type ThirdPartyOptions = ({ view: IfcRequestView } | { targets: ThirdPartyTarget[] }) & {
  irs: Irs
  /** Expires for the ASs: the AoR's longest remaining expiry, 0 when deregistering. */
  expires: number
  register?: SipRequest
  ok?: SipResponse
}

/**
 * Sends the third-party REGISTERs in parallel. Returns true when a SESSION_TERMINATED AS failed
 * at the transport on a registration (the caller then deregisters the subscriber, §5.5).
 */
export async function sendThirdPartyRegisters(
  svc: RegistrarServices,
  o: ThirdPartyOptions
): Promise<boolean> {
  const { sender, region, log } = svc.deps
  const targets = 'targets' in o ? o.targets : thirdPartyTargets(o.irs.subscription, o.view)
  const results = await Promise.all(
    targets.map(async (target) => {
      const req = buildThirdPartyRegister({
        target,
        expires: o.expires,
        region,
        ...(o.register ? { register: o.register } : {}),
        ...(o.ok ? { ok: o.ok } : {}),
      })
      const out = await sender.request(req)
      if (!out.ok)
        log.info('third-party REGISTER not delivered', {
          as: target.serverName,
          status: out.sipStatus,
          reason: out.reason,
        })
      return !out.ok && target.defaultHandling === 'SESSION_TERMINATED' && o.expires > 0
    })
  )
  return results.some(Boolean)
}

/** Reg-data for a network-side change: the reqtype's answer, or a read when the HSS refuses it. */
async function irsFor(
  svc: RegistrarServices,
  aor: string,
  reqtype: RegDataReqType | undefined
): Promise<Irs | undefined> {
  const { hss, log } = svc.deps
  try {
    if (reqtype) {
      try {
        return irsOf(await hss.putRegData(aor, reqtype))
      } catch (err) {
        // 400: the set was already deregistered at the HSS (loop protection); read it instead.
        if (!(err instanceof HssError) || err.httpStatus !== 400) throw err
      }
    }
    return irsOf(await hss.getRegData(aor))
  } catch (err) {
    log.warn('no reg-data for a network deregistration', { aor, reqtype, error: String(err) })
    return undefined
  }
}

export const endedOf = (b: Binding, event: EndedContact['event']): EndedContact => ({
  id: b.id,
  uri: b.data.uri,
  params: b.data.params,
  ...(b.data.instance ? { instance: b.data.instance } : {}),
  event,
})

/**
 * After the network removed some bindings of `aor` (already gone from the store): NOTIFY the
 * subscribers; when none is left, the HSS gets `reqtypeIfLast` and the ASs a de-REGISTER, and
 * the subscriptions end (`terminated;reason=deactivated`).
 */
export async function afterBindingsRemoved(
  svc: RegistrarServices,
  aor: string,
  ended: EndedContact[],
  reqtypeIfLast: RegDataReqType | undefined
): Promise<void> {
  const { log, region, sender } = svc.deps
  const state = await svc.aors.read(aor)
  const now = svc.nowMs
  const last = state.bindings.length === 0
  const irs = await irsFor(svc, aor, last ? reqtypeIfLast : undefined)
  const live = state.subscriptions.filter((s) => isLive(s, now))
  // Nothing reported ended (an emergency binding, emergency.ts) and some left: no NOTIFY.
  const planned =
    ended.length > 0 || last
      ? planNotifies(
          live,
          {
            identities: irs?.associatedUris ?? [aor],
            bindings: state.bindings,
            ended,
            ...(last ? { terminate: 'deactivated' as const } : {}),
          },
          now
        )
      : []
  const outcomes = await svc.aors.write(aor, { subscriptions: planned.map((p) => p.record) })
  const sendable = planned.filter((p) => outcomes[`s:${p.record.tag}`] === 'written')
  await Promise.allSettled([
    sendNotifies(sendable, { sender, aors: svc.aors, aor, region, nowMs: now, log }),
    last && irs
      ? sendThirdPartyRegisters(svc, {
          irs,
          view: networkDeregistrationView(svc.deps.homeDomain),
          expires: 0,
        })
      : Promise.resolve(false),
  ])
  log.info('bindings removed by the network', {
    aor,
    removed: ended.map((e) => e.id),
    remaining: state.bindings.length,
  })
}

export interface DeregisterOptions {
  /** Reqtype to send the HSS; none when the HSS itself asked (RTR). */
  reqtype?: RegDataReqType
  /** Send reg-event NOTIFYs (`send-notifications`). */
  notify: boolean
  event: EndedContact['event']
}

/** Network-initiated deregistration of a whole AoR (§5.3 "Network-initiated dereg"). */
export async function deregisterAor(
  svc: RegistrarServices,
  aor: string,
  o: DeregisterOptions
): Promise<number> {
  const { log, region, sender } = svc.deps
  const state = await svc.aors.read(aor)
  const now = svc.nowMs
  const nowS = now / 1000
  const irs = await irsFor(svc, aor, o.reqtype)
  const live = state.subscriptions.filter((s) => isLive(s, now))
  const planned = planNotifies(
    live,
    {
      identities: irs?.associatedUris ?? [aor],
      bindings: [],
      ended: state.bindings.filter((b) => !isEmergencyBinding(b)).map((b) => endedOf(b, o.event)),
      terminate: 'deactivated',
    },
    now
  )
  // Tombstones; the bindings' armed expiry timers find them and do nothing (timer-pops.ts).
  const tombstones: Binding[] = state.bindings.map((b) => ({
    ...b,
    cseq: nextVersion(now, b),
    expires: nowS,
    data: { ...b.data, removed: true },
  }))
  const outcomes = await svc.aors.write(aor, {
    bindings: tombstones,
    subscriptions: planned.map((p) => p.record),
  })
  const sendable = o.notify
    ? planned.filter((p) => outcomes[`s:${p.record.tag}`] === 'written')
    : []
  await Promise.allSettled([
    sendNotifies(sendable, { sender, aors: svc.aors, aor, region, nowMs: now, log }),
    irs && state.bindings.length > 0
      ? sendThirdPartyRegisters(svc, {
          irs,
          view: networkDeregistrationView(svc.deps.homeDomain),
          expires: 0,
        })
      : Promise.resolve(false),
  ])
  log.info('AoR deregistered by the network', {
    aor,
    bindings: state.bindings.length,
    event: o.event,
  })
  return state.bindings.length
}
