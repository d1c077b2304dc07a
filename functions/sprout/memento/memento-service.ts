/**
 * @module sprout/memento/memento-service
 * The built-in Memento call-list application server (clearwater-interfaces §8), invoked in process
 * when an iFC names `sip:memento.<home domain>` (or `MEMENTO_HOST`, or `sip:memento@<home
 * domain>`), on the originating or the terminating side of an INVITE. Clearwater's Memento
 * proxied the INVITE back to Sprout and record-routed itself; here it costs no hop:
 *
 * - invocation notes the served user's view of the call (memento-call.ts): direction, From and To
 *   (URI and display name) and the start time. On the terminating side a caller that asked for
 *   privacy (RFC 3323 `Privacy: id`/`header`/`user`, or an anonymous From; TS 24.607 §4.5.2.5)
 *   is recorded as `sip:anonymous@anonymous.invalid`, "Anonymous". The request is not changed;
 * - before the INVITE leaves Sprout, Sprout's Record-Route gets the sealed dialog token
 *   (dialog-token.ts) so the BYE can find the lists;
 * - the final answer writes one fragment per noted user: BEGIN (answered, with the answer time)
 *   for a 2xx, REJECTED for anything else (a CANCEL's 487 included). A terminating user the call
 *   was diverted away from (call forwarding) gets REJECTED whatever the final answer; the notes
 *   of a diverted call travel with the diversion's generation of the transaction record;
 * - a BYE through Sprout's Record-Route with the token writes END (the end time).
 *
 * Every write is one global-table PutItem per user (shared/vellum/call-list-store.ts), deferred
 * past the SIP answer (`defer`), and followed by the notification when `MEMENTO_NOTIFY_URL` is
 * set (memento-notify.ts). A failed write is logged; the call is not affected. Only INVITE is
 * recorded: other requests pass Memento untouched, as in Clearwater.
 */

import { serverNameParts } from '../../../shared/ims/as-chain'
import {
  ANONYMOUS_PARTY,
  boundedParty,
  type CallFragment,
  type CallParty,
} from '../../../shared/ims/call-list'
import { type NameAddr, parseMessage, type SipRequest } from '../../../shared/sip'
import { getParam } from '../../../shared/sip/params'
import { serializeUri } from '../../../shared/sip/uri'
import { TableCallListStore } from '../../../shared/vellum/call-list-store'
import { callerAnonymous } from '../mmtel/mmtel-service'
import type { RoutingDeps } from '../routing/routing-deps'
import { MEMENTO_ROUTE_PARAM, openDialogToken, sealDialogToken } from './dialog-token'
import type { MementoCall, MementoSide } from './memento-call'
import { notifyCallList } from './memento-notify'

/** Whether an iFC's application server is the built-in Memento. */
export function isBuiltInMemento(
  serverName: string,
  homeDomain: string,
  mementoHost = `memento.${homeDomain}`
): boolean {
  const parts = serverNameParts(serverName)
  if (!parts) return false
  const { user, host } = parts
  if (host === mementoHost.toLowerCase()) return true
  return user === 'memento' && host === homeDomain.toLowerCase()
}

const partyOf = (a: NameAddr): CallParty => ({
  uri: serializeUri(a.uri),
  name: a.displayName ?? '',
})

/**
 * Memento as a step of the served user's iFC chain: notes this user's side of the call on
 * `holder.memento` (the transaction's charging information). Never refuses or changes the call.
 */
export function noteMementoSide(
  holder: { memento?: MementoCall },
  req: SipRequest,
  servedUser: string,
  outgoing: boolean,
  nowMs: number
): void {
  if (req.method !== 'INVITE') return
  const call = (holder.memento ??= { startMs: nowMs, sides: [] })
  if (call.sides.some((s) => s.user === servedUser && s.outgoing === outgoing)) return
  // TS 24.607 §4.5.2.5: the terminating user does not see a withheld identity.
  const from = !outgoing && callerAnonymous(req) ? ANONYMOUS_PARTY : partyOf(req.from)
  call.sides.push({ user: servedUser, outgoing, from, to: partyOf(req.to) })
}

/** The configured built-in Memento host (`MEMENTO_HOST`, else `memento.<home domain>`). */
export const mementoHostOf = (d: RoutingDeps): string =>
  d.config.MEMENTO_HOST ?? `memento.${d.homeDomain}`

/**
 * Seals the call's users into Sprout's Record-Route on each request about to leave (the top
 * Record-Route, when it is Sprout's own), so the dialog's BYE can write the END fragments.
 */
export async function markDialog(
  d: RoutingDeps,
  call: MementoCall,
  requests: readonly SipRequest[]
): Promise<void> {
  const sealed = new Map<string, string>()
  for (const req of requests) {
    const top = req.get('record-route')
    if (top?.uri.kind !== 'sip' || top.uri.host.toLowerCase() !== d.scscfHost.toLowerCase())
      continue
    // A request back from an application server may carry an earlier pass's token: merged.
    const prior = getParam(top.uri.params, MEMENTO_ROUTE_PARAM) ?? ''
    let token = sealed.get(prior)
    if (token === undefined) {
      const earlier = prior ? await openDialogToken(d.nonceSecret, prior) : undefined
      const users = [...new Set([...(earlier?.users ?? []), ...call.sides.map((s) => s.user)])]
      const startMs = earlier?.startMs ?? call.startMs
      token = await sealDialogToken(d.nonceSecret, { startMs, users })
      sealed.set(prior, token)
    }
    req.shift('record-route')
    req.prepend('record-route', `<sip:${d.scscfHost};lr;${MEMENTO_ROUTE_PARAM}=${token}>`)
  }
}

/**
 * The fragment as stored: each party's name and URI without characters XML cannot carry and cut
 * to `MEMENTO_MAX_PARTY_CHARS`, since the caller writes them into the callee's list.
 */
export function storedFragment(fragment: CallFragment, maxChars: number): CallFragment {
  return {
    ...fragment,
    ...(fragment.from ? { from: boundedParty(fragment.from, maxChars) } : {}),
    ...(fragment.to ? { to: boundedParty(fragment.to, maxChars) } : {}),
  }
}

function write(d: RoutingDeps, user: string, fragment: CallFragment): void {
  d.defer(async () => {
    try {
      await new TableCallListStore(d.vellum.table).write(
        user,
        storedFragment(fragment, d.config.MEMENTO_MAX_PARTY_CHARS),
        d.clock.now(),
        d.config.MEMENTO_TTL_S
      )
    } catch (err) {
      d.log.warn('call-list fragment not written', {
        user,
        callId: fragment.callId,
        kind: fragment.kind,
        error: String(err),
      })
      return
    }
    await notifyCallList(d, user)
  })
}

/** The INVITE's final answer: BEGIN for a 2xx, REJECTED otherwise, one per noted user. */
export function recordOutcome(
  d: RoutingDeps,
  invite: string | SipRequest,
  call: MementoCall,
  status: number
): void {
  if (call.sides.length === 0) return
  const req = typeof invite === 'string' ? (parseMessage(invite) as SipRequest) : invite
  const answered = status >= 200 && status < 300
  const now = d.clock.now()
  for (const s of call.sides as MementoSide[]) {
    // A side the call was diverted away from stays unanswered (markDiverted, live test 85).
    const begun = answered && !s.diverted
    write(d, s.user, {
      kind: begun ? 'BEGIN' : 'REJECTED',
      callId: req.callId,
      startMs: call.startMs,
      outgoing: s.outgoing,
      from: s.from,
      to: s.to,
      ...(begun ? { answerMs: now } : {}),
    })
  }
}

/** A BYE on a dialog Memento marked: END for each of its users. */
export async function recordEnd(
  d: RoutingDeps,
  req: SipRequest,
  ownRoutes: readonly NameAddr[]
): Promise<void> {
  if (req.method !== 'BYE') return
  for (const r of ownRoutes) {
    if (r.uri.kind !== 'sip') continue
    const token = getParam(r.uri.params, MEMENTO_ROUTE_PARAM)
    if (!token) continue
    const t = await openDialogToken(d.nonceSecret, token)
    if (!t) {
      d.log.info('Memento dialog token refused', { callId: req.callId })
      continue
    }
    const now = d.clock.now()
    for (const user of t.users)
      write(d, user, { kind: 'END', callId: req.callId, startMs: t.startMs, endMs: now })
    return
  }
}
