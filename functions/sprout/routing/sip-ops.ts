/**
 * @module sprout/routing/sip-ops
 * The message surgery of a proxy (RFC 3261 §16.4–16.7, §9.1) that call routing repeats (the inbox
 * has already taken Sprout's own Route entries off, sip-handlers.ts): writing Sprout's Via with its branch and notes, Record-Route, relaying a response
 * after popping Sprout's Via (with the §16.7 status mapping and merged challenges), answering from
 * a stored request, and building the CANCEL and the non-2xx ACK a proxy's client transaction sends.
 */
import {
  type NameAddr,
  parseMessage,
  type SipRequest,
  type SipResponse,
  serializeNameAddr,
} from '../../../shared/sip'
import { buildRequest } from '../../../shared/sip/builders'
import { DIALOG_CREATING } from '../../../shared/sip/dialog-methods'
import { getParam, hasParam } from '../../../shared/sip/params'
import { serializeUri } from '../../../shared/sip/uri'
import { respondTo } from '../sip-build'

/** True when the Route entry asks for originating handling (the Service-Route's `orig`). */
export const routeIsOrig = (r: NameAddr | undefined): boolean =>
  r !== undefined && r.uri.kind === 'sip' && hasParam(r.uri.params, 'orig')

export const routeUser = (r: NameAddr | undefined): string | null =>
  r !== undefined && r.uri.kind === 'sip' ? r.uri.user : null

/** Sprout's Via value with the given branch and notes. */
export function sproutVia(
  host: string,
  branch: string,
  notes: ReadonlyArray<[string, string | null]> = []
): string {
  const params = notes.map(([n, v]) => (v === null ? `;${n}` : `;${n}=${v}`)).join('')
  return `SIP/2.0/HTTP ${host};branch=${branch}${params}`
}

/** Sprout's Record-Route entry. */
export const sproutRecordRoute = (host: string): string => `<sip:${host};lr>`

/** True when the topmost Record-Route is already Sprout's. */
export function topRecordRouteIsOurs(req: SipRequest, host: string): boolean {
  const rr = req.get('record-route')
  return (
    rr !== undefined && rr.uri.kind === 'sip' && rr.uri.host.toLowerCase() === host.toLowerCase()
  )
}

/**
 * A copy of `req` for one next hop (RFC 3261 §16.6): new Request-URI and Route set, Sprout's Via
 * on top, and any extra headers.
 */
export function forkRequest(
  req: SipRequest,
  o: {
    uri: string
    routes: readonly string[]
    via: string
    headers?: ReadonlyArray<[string, string]>
  }
): SipRequest {
  const r = req.clone()
  if (o.uri !== r.uriText) r.setUri(o.uri)
  r.remove('route')
  for (const route of o.routes) r.append('route', route)
  r.prepend('via', o.via)
  for (const [n, v] of o.headers ?? []) r.set(n, v)
  return r
}

/** Route entry text for a URI, with `lr` added when missing (RFC 3261 §16.12.1.1). */
export function looseRoute(uri: string): string {
  const t = uri.trim().replace(/^<(.*)>$/, '$1')
  return /;lr(\W|$)/i.test(t) ? `<${t}>` : `<${t};lr>`
}

/** The response as it leaves Sprout upstream: Sprout's Via removed (RFC 3261 §16.7 step 3). */
export function upstreamResponse(res: SipResponse): SipResponse {
  const r = res.clone()
  r.shift('via')
  return r
}

/**
 * A stored response made ready to relay: its Via popped, its status replaced when §16.7 step 6
 * maps it (503 → 500, a flow failure → 480), and the challenges of other 401/407 responses
 * appended (§16.7 step 7).
 */
export function relayStored(
  text: string,
  status: number,
  challenges: readonly SipResponse[]
): SipResponse {
  const r = upstreamResponse(parseMessage(text) as SipResponse)
  if (r.status !== status)
    r.setStatus(
      status,
      status === 500
        ? 'Server Internal Error'
        : status === 480
          ? 'Temporarily Unavailable'
          : r.reason
    )
  const have = new Set([...r.getAllRaw('www-authenticate'), ...r.getAllRaw('proxy-authenticate')])
  for (const c of challenges)
    for (const name of ['WWW-Authenticate', 'Proxy-Authenticate'])
      for (const v of c.getAllRaw(name))
        if (!have.has(v)) {
          have.add(v)
          r.append(name, v)
        }
  return r
}

/**
 * A response Sprout itself makes to a stored request (RFC 3261 §16.7 / §8.2.6). A provisional
 * one (181) carries a To tag, so it establishes an early dialog and needs a Contact (§12.1.1):
 * Sprout names itself.
 */
export function answerStored(
  reqText: string,
  status: number,
  reason: string,
  toTag: string,
  opts: { contactHost?: string; headers?: ReadonlyArray<[string, string]> } = {}
): SipResponse {
  const req = parseMessage(reqText) as SipRequest
  const headers: Array<[string, string]> = [...(opts.headers ?? [])]
  if (status > 100 && status < 200 && opts.contactHost && DIALOG_CREATING.has(req.method))
    headers.push(['Contact', `<sip:${opts.contactHost}>`])
  return respondTo(req, status, reason, { toTag, headers })
}

/** The CANCEL for a fork (RFC 3261 §9.1): same Request-URI, Route set and top Via. */
export function cancelFor(
  reqText: string,
  fork: { via: string; uri: string; routes: readonly string[] }
): SipRequest {
  return onFork('CANCEL', parseMessage(reqText) as SipRequest, fork)
}

/** The ACK a client transaction sends for a non-2xx final (RFC 3261 §17.1.1.3). */
export function ackFor(
  res: SipResponse,
  fork: { via: string; uri: string; routes: readonly string[] }
): SipRequest {
  return onFork('ACK', res, fork)
}

/**
 * A CANCEL or ACK on one fork: its Request-URI, Via and Route, and the From, To, Call-ID and
 * CSeq number of the message it answers (RFC 3261 §9.1, §17.1.1.3).
 */
function onFork(
  method: 'CANCEL' | 'ACK',
  m: SipRequest | SipResponse,
  fork: { via: string; uri: string; routes: readonly string[] }
): SipRequest {
  return buildRequest({
    method,
    uri: fork.uri,
    via: [fork.via],
    route: fork.routes,
    from: m.getRaw('from')!,
    to: m.getRaw('to')!,
    callId: m.callId,
    cseq: m.cseq.seq,
    maxForwards: 70,
  })
}

/** A Via note's value (flags Sprout leaves itself on its Via). */
export const viaNote = (res: SipResponse, name: string): string | null | undefined =>
  getParam(res.topVia.params, name)

export const nameAddrText = serializeNameAddr
export const uriText = serializeUri
