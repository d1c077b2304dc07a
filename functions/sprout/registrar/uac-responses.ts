/**
 * @module sprout/registrar/uac-responses
 * Answers to the requests the registrar sends as UAC, which come back over the internal hop as
 * separate requests (docs/internal-hop.md):
 * - a NOTIFY refused with 481 (RFC 6665 §4.2.2: the subscription is gone at the subscriber),
 *   430 (the flow failed, RFC 5626 §5.3), 408 or a 6xx removes the subscription; the AoR is the
 *   NOTIFY's From (the watched identity) and the subscription its From tag;
 * - a third-party REGISTER whose Via says SESSION_TERMINATED and that failed with 408 or 5xx
 *   deregisters the served user's whole registration (clearwater-interfaces §5.5).
 */
import type { SipResponse } from '../../../shared/sip'
import { getParam } from '../../../shared/sip/params'
import type { ResponseArrival, SipResponseHandler } from '../sip-handlers'
import type { SproutDeps } from '../sprout-deps'
import { TERMINATED_VIA_PARAM } from '../third-party-register/third-party-request'
import { canonicalImpu } from './identities'
import { irsOf } from './irs'
import { RegistrarServices } from './registrar-services'
import { deregisterAor } from './registration-effects'

/** The AoR key for an identity: itself when it holds bindings or the tag, else the HSS's default. */
async function aorFor(
  svc: RegistrarServices,
  impu: string,
  has: (aor: string) => Promise<boolean>
): Promise<string | undefined> {
  if (await has(impu)) return impu
  const rd = await svc.deps.hss.getRegData(impu).catch(() => undefined)
  const def = rd?.subscription ? irsOf(rd).defaultImpu : undefined
  return def && def !== impu && (await has(def)) ? def : undefined
}

export const notifyResponses: SipResponseHandler = {
  name: 'reg-event NOTIFY responses',
  accepts: (res) => res.cseq.method === 'NOTIFY',
  async handle(res: SipResponse, deps: SproutDeps) {
    const s = res.status
    if (!(s === 481 || s === 430 || s === 408 || s >= 600)) return
    const svc = new RegistrarServices(deps)
    const watched = canonicalImpu(res.from.uri)
    const tag = res.fromTag
    if (!watched || !tag) return
    let rec: { cseq: number } | undefined
    const aor = await aorFor(svc, watched, async (a) => {
      rec = (await svc.aors.read(a)).subscriptions.find((x) => x.tag === tag)
      return rec !== undefined
    })
    if (!aor || !rec) return
    await Promise.allSettled([
      svc.aors.removeSubscription(aor, tag, rec.cseq),
      svc.timers.disarmSubscription(aor, tag),
    ])
    deps.log.info('reg-event subscription removed after a refused NOTIFY', { aor, tag, status: s })
  },
}

export const thirdPartyResponses: SipResponseHandler = {
  name: 'third-party REGISTER responses',
  accepts: (res) => res.cseq.method === 'REGISTER',
  async handle(res: SipResponse, deps: SproutDeps, { ownVia }: ResponseArrival) {
    const s = res.status
    const terminated = getParam(ownVia.params, TERMINATED_VIA_PARAM) === 'terminated'
    if (!terminated || !(s === 408 || (s >= 500 && s < 600))) return
    const svc = new RegistrarServices(deps)
    const served = canonicalImpu(res.to.uri)
    if (!served) return
    const aor = await aorFor(svc, served, async (a) => (await svc.aors.read(a)).bindings.length > 0)
    if (!aor) return
    deps.log.warn(
      'a SESSION_TERMINATED application server refused a third-party REGISTER; deregistering',
      { aor, status: s }
    )
    await deregisterAor(svc, aor, { reqtype: 'dereg-admin', notify: true, event: 'deactivated' })
  },
}
