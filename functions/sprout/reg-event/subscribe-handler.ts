/**
 * @module sprout/reg-event/subscribe-handler
 * SUBSCRIBE to the reg event package with Sprout as notifier (RFC 3680 §3, RFC 6665 §4.2;
 * clearwater-interfaces §5.4):
 * - taken for `Event: reg` (case-sensitive) to a home-domain sip or tel URI, or in-dialog to this
 *   S-CSCF; an `Accept` without `application/reginfo+xml` is refused with 406 (RFC 6665 §4.2.1.1);
 * - the watched set must be registered: Homestead 404 → 403, not REGISTERED → 480, 5xx → 504;
 * - who may watch: the set's own identities or an application server (TS 24.229 §5.4.2.1.1),
 *   or any home-domain identity when REG_EVENT_WATCHERS=domain (Clearwater's behaviour): 403;
 * - expiry: `Expires`, else 3761 s, capped at sub_max_expires; a fetch (`Expires: 0` on a new
 *   subscription) gets one final NOTIFY and is not stored (RFC 6665 §4.4.3);
 * - at most SUB_MAX_PER_AOR subscriptions per AoR: 403;
 * - the 200 OK copies Record-Route, carries `Expires` and Sprout's Contact; the full-state NOTIFY
 *   follows; a refresh NOTIFYs that subscriber only; `Expires: 0` ends it with
 *   `terminated;reason=timeout`; an unknown dialog is 481.
 */
import { classifyInternal, FLOW_VIA_PARAM } from '../../../shared/hop/internal-addresses'
import { REGINFO_CONTENT_TYPE } from '../../../shared/ims/reginfo-model'
import type { SipRequest } from '../../../shared/sip'
import { SipError } from '../../../shared/sip/errors'
import { type NameAddr, serializeNameAddr } from '../../../shared/sip/name-addr'
import { getParam, withoutParam } from '../../../shared/sip/params'
import { serializeUri } from '../../../shared/sip/uri'
import { hssToSip, storeToSip } from '../hss-errors'
import { canonicalImpu } from '../registrar/identities'
import { irsOf } from '../registrar/irs'
import type { RegistrarServices } from '../registrar/registrar-services'
import { newTag, respondTo } from '../sip-build'
import { scscfUri } from '../sprout-deps'
import { planNotifies, sendNotifies } from './notifier'
import { sproutRecordRoute } from './notify-request'
import {
  isLive,
  SUBSCRIPTION_LINGER_SECONDS,
  type SubscriptionData,
  type SubscriptionRecord,
} from './subscription-model'

/** True for the SUBSCRIBEs this handler takes (the caller has popped Sprout's own Routes). */
export function isRegEventSubscribe(req: SipRequest, homeDomain: string): boolean {
  if (req.method !== 'SUBSCRIBE' || req.has('route')) return false
  const event = req.getRaw('event')?.split(';', 1)[0]?.trim()
  if (event !== 'reg') return false
  const uri = req.uri
  if (req.toTag !== undefined) {
    const a = uri.kind === 'sip' ? classifyInternal(uri.host, uri.user) : undefined
    return a?.kind === 'function' && a.fn === 'sprout'
  }
  return (
    uri.kind === 'tel' ||
    (uri.kind === 'sip' && uri.host.toLowerCase() === homeDomain.toLowerCase())
  )
}

function grantedExpires(req: SipRequest, svc: RegistrarServices): number {
  let requested: number | undefined
  try {
    requested = req.get('expires')
  } catch {
    throw new SipError(400, 'Bad Request (Malformed Expires header)')
  }
  const { SUB_DEFAULT_EXPIRES, SUB_MAX_EXPIRES } = svc.deps.config
  return Math.min(requested ?? SUB_DEFAULT_EXPIRES, SUB_MAX_EXPIRES)
}

function checkAccept(req: SipRequest): void {
  const accept = req.getAllRaw('accept')
  if (accept.length === 0) return
  const types = accept
    .flatMap((v) => v.split(','))
    .map((t) => t.split(';', 1)[0]!.trim().toLowerCase())
  if (
    !types.includes(REGINFO_CONTENT_TYPE) &&
    !types.includes('application/*') &&
    !types.includes('*/*')
  )
    throw new SipError(406, 'Not Acceptable', { headers: [['Accept', REGINFO_CONTENT_TYPE]] })
}

const withoutTag = (na: NameAddr) =>
  serializeNameAddr({ ...na, params: withoutParam(na.params, 'tag') })

/** Handles a reg-event SUBSCRIBE; throws SipError for the caller to answer. */
export async function handleRegSubscribe(svc: RegistrarServices, req: SipRequest): Promise<void> {
  checkAccept(req)
  const expires = grantedExpires(req, svc)
  if (req.toTag !== undefined) return inDialog(svc, req, expires)
  const { hss, config, sender, region, log, homeDomain } = svc.deps
  const target = canonicalImpu(req.uri)
  if (!target) throw new SipError(404, 'Not Found')
  const contact = req.contacts[0]
  if (!contact || contact === '*')
    throw new SipError(400, 'Bad Request (SUBSCRIBE needs a Contact)')

  const rd = await hss.getRegData(target).catch(hssToSip)
  if (rd.state !== 'REGISTERED') throw new SipError(480, 'Temporarily Unavailable (not registered)')
  const irs = irsOf(rd)
  const aor = irs.defaultImpu

  // Who may watch (TS 24.229 §5.4.2.1.1).
  const pai = req.get('p-asserted-identity')
  const watcher = pai ? canonicalImpu(pai.uri) : undefined
  const via = req.topVia
  const fromAs = classifyInternal(via.host)?.kind === 'as'
  const inSet =
    watcher !== undefined &&
    irs.subscription.serviceProfiles.some((sp) =>
      sp.publicIdentities.some((p) => p.identity === watcher)
    )
  const inDomain =
    config.REG_EVENT_WATCHERS === 'domain' &&
    pai?.uri.kind === 'sip' &&
    pai.uri.host.toLowerCase() === homeDomain.toLowerCase()
  if (!fromAs && !inSet && !inDomain)
    throw new SipError(403, 'Forbidden (may not watch this registration)')

  const state = await svc.aors.read(aor).catch(storeToSip)
  const now = svc.nowMs
  const live = state.subscriptions.filter((s) => isLive(s, now))
  if (expires > 0 && live.length >= config.SUB_MAX_PER_AOR)
    throw new SipError(403, 'Forbidden (Too Many Subscriptions)')

  const toTag = newTag()
  const data: SubscriptionData = {
    reqUri: serializeUri(contact.uri),
    fromUri: req.getRaw('from') ?? '',
    fromTag: req.fromTag ?? '',
    toUri: withoutTag(req.to),
    toTag,
    cid: req.callId,
    routes: req.getAll('record-route').map(serializeNameAddr),
    expiresAt: now / 1000 + expires,
    version: -1,
    identities: irs.associatedUris,
    watcher: watcher ?? '',
    ...(getParam(via.params, FLOW_VIA_PARAM)
      ? { flow: getParam(via.params, FLOW_VIA_PARAM)! }
      : {}),
  }
  const fresh: SubscriptionRecord = {
    tag: toTag,
    cseq: 0,
    expires: data.expiresAt + SUBSCRIPTION_LINGER_SECONDS,
    data,
  }
  const planned = planNotifies(
    [fresh],
    {
      identities: irs.associatedUris,
      bindings: state.bindings,
      ...(expires === 0 ? { terminate: 'timeout' as const } : {}),
    },
    now
  )
  if (expires > 0) {
    const [w, t] = await Promise.allSettled([
      svc.aors.write(aor, { subscriptions: planned.map((p) => p.record) }),
      svc.timers.armSubscription(aor, toTag, data.expiresAt),
    ])
    if (w.status === 'rejected') storeToSip(w.reason)
    if (t.status === 'rejected')
      log.warn('subscription timer not set', { aor, tag: toTag, error: String(t.reason) })
  }
  const ok = respondTo(req, 200, 'OK', {
    toTag,
    // The builder copies Record-Route into this dialog-creating 2xx (RFC 3261 §12.1.1).
    headers: [
      ['Expires', String(expires)],
      ['Contact', `<${scscfUri(region)}>`],
    ],
  })
  // Sprout on top of the recorded route (the subscriber reverses it): see sproutRecordRoute.
  ok.prepend('record-route', sproutRecordRoute(region))
  await sender.respond(ok)
  await sendNotifies(planned, { sender, aors: svc.aors, aor, region, nowMs: now, log })
}

/** Refresh or end an existing subscription (RFC 6665 §4.2.1.2). */
async function inDialog(svc: RegistrarServices, req: SipRequest, expires: number): Promise<void> {
  const { hss, sender, region, log } = svc.deps
  const tag = req.toTag!
  const watched = canonicalImpu(req.to.uri)
  if (!watched) throw new SipError(481, 'Call/Transaction Does Not Exist')
  const find = async (aor: string) => {
    const st = await svc.aors.read(aor).catch(storeToSip)
    return { st, sub: st.subscriptions.find((s) => s.tag === tag) }
  }
  let aor = watched
  let found = await find(aor)
  if (!found.sub) {
    // The watched identity is not the AoR key: ask the HSS for the set's default identity.
    const rd = await hss.getRegData(watched).catch(() => undefined)
    const def = rd?.subscription ? irsOf(rd).defaultImpu : undefined
    if (def && def !== aor) {
      aor = def
      found = await find(aor)
    }
  }
  const sub = found.sub
  const now = svc.nowMs
  if (!sub || !isLive(sub, now) || sub.data.cid !== req.callId || sub.data.fromTag !== req.fromTag)
    throw new SipError(481, 'Call/Transaction Does Not Exist')
  const expiresAt = now / 1000 + expires
  const planned = planNotifies(
    [
      {
        ...sub,
        expires: expiresAt + SUBSCRIPTION_LINGER_SECONDS,
        data: { ...sub.data, expiresAt },
      },
    ],
    {
      identities: sub.data.identities,
      bindings: found.st.bindings,
      ...(expires === 0 ? { terminate: 'timeout' as const } : {}),
    },
    now
  )
  // An un-SUBSCRIBE leaves the armed timer: its pop finds the subscription ended.
  const [w, t] = await Promise.allSettled([
    svc.aors.write(aor, { subscriptions: planned.map((p) => p.record) }),
    expires === 0 ? Promise.resolve() : svc.timers.armSubscription(aor, tag, expiresAt),
  ])
  if (w.status === 'rejected') storeToSip(w.reason)
  if (t.status === 'rejected')
    log.warn('subscription timer not updated', { aor, tag, error: String(t.reason) })
  await sender.respond(
    respondTo(req, 200, 'OK', {
      headers: [
        ['Expires', String(expires)],
        ['Contact', `<${scscfUri(region)}>`],
      ],
    })
  )
  await sendNotifies(planned, { sender, aors: svc.aors, aor, region, nowMs: now, log })
}
