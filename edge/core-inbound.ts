/**
 * @module edge/core-inbound
 * A message from the core for this flow's client, received on the signed internal endpoint.
 * Requests get the edge's client-facing Via (and Record-Route, for dialog-creating ones);
 * responses lose the edge's core-facing Via; REGISTER 2xx responses teach the flow its
 * identities and Service-Route. Core-private headers never reach the client.
 */
import { EDGE_HOST, FLOW_VIA_PARAM } from '../shared/hop/internal-addresses'
import { buildResponse, tryParseMessage } from '../shared/sip'
import { contactExpires, contactInstance } from '../shared/sip/contact'
import { DIALOG_CREATING } from '../shared/sip/dialog-methods'
import type { SipRequest, SipResponse } from '../shared/sip/message'
import { type NameAddr, serializeNameAddr } from '../shared/sip/name-addr'
import { getParam } from '../shared/sip/params'
import { serializeUri } from '../shared/sip/uri'
import { forgetExpiry, noteExpiry } from './flow-expiry'
import { branchToClient, dialogToken, inDialogRefusal, popOwnRoutes } from './flow-guards'
import type { FlowIo } from './flow-io'
import {
  MAX_IDENTITIES,
  MAX_SERVICE_ROUTES,
  noteAnswered,
  takePendingRegister,
  wasAnswered,
} from './flow-state'
import { learnAuthenticatedImpi } from './protected-flow'
import { identityKey, stripTowardClient } from './trust-boundary'

/**
 * A delivery's outcome. `followUp` is what follows it outside the flow's ordered lane (a refusal
 * sent back through the core), so the lane never waits on another hop.
 */
export type DeliveryOutcome =
  | { status: 202; followUp?: () => Promise<void> }
  | { status: 400; reason: string }

export async function fromCore(io: FlowIo, text: string): Promise<DeliveryOutcome> {
  const parsed = tryParseMessage(text)
  if (!parsed.ok) return { status: 400, reason: parsed.error.reason }
  const msg = parsed.value
  if (msg.kind === 'request') {
    const followUp = await requestToClient(io, msg)
    return followUp ? { status: 202, followUp } : { status: 202 }
  }
  const ok = responseToClient(io, msg)
  if (!ok) return { status: 400, reason: 'response does not carry this flow’s Via' }
  return { status: 202 }
}

async function requestToClient(
  io: FlowIo,
  req: SipRequest
): Promise<(() => Promise<void>) | undefined> {
  const popped = popOwnRoutes(io, req)
  const refusal = await inDialogRefusal(io, req, popped)
  if (refusal) return () => refuse(io, req, refusal)
  io.transactions?.request(req, io.now())
  if (!req.toTag && DIALOG_CREATING.has(req.method)) {
    // RFC 5658: the core-facing entry first, then the client-facing one on top, so the client's
    // route set starts at the address it can reach. Both carry the dialog-scoped token.
    const scoped = await dialogToken(io, req)
    req.prepend('record-route', `<sip:${scoped}@${EDGE_HOST};lr>`)
    req.prepend('record-route', `<sip:${scoped}@${io.publicHost};transport=ws;lr>`)
  }
  req.decrementMaxForwards()
  // RFC 7118 §5.2: the Via sent-by of a WebSocket hop is the edge's host; transport WSS/WS. The
  // branch follows from the Via below (RFC 3261 §16.11), keyed, so the client can match a CANCEL
  // or a non-2xx ACK from the core to the INVITE it belongs to (§9.2, §17.2.3) but cannot make
  // one up (flow-guards.ts).
  const branch = await branchToClient(io, req.topVia)
  req.prepend('via', `SIP/2.0/WSS ${io.publicHost};branch=${branch}`)
  stripTowardClient(req)
  io.toClient(req.toString())
  return undefined
}

/**
 * An in-dialog request that did not come through this dialog's Record-Route: 403 back along its
 * Via (RFC 3261 §8.2.6), never to the client. An ACK is never answered (§17).
 */
async function refuse(io: FlowIo, req: SipRequest, reason: string): Promise<void> {
  io.log('refused an in-dialog request', { callId: req.callId, method: req.method, reason })
  if (req.method === 'ACK') return
  const top = req.topVia
  const url = io.resolve(top.host, getParam(top.params, FLOW_VIA_PARAM) ?? null)
  if (!url) return
  const res = buildResponse(req, 403, { reason: `Forbidden: ${reason}` })
  const r = await io.toUrl(url, res.toString())
  if (!r.ok) io.log('refusal not delivered', { callId: req.callId, status: r.sipStatus })
}

function responseToClient(io: FlowIo, res: SipResponse): boolean {
  const top = res.vias[0]
  const flow = top?.params.find((p) => p.name.toLowerCase() === FLOW_VIA_PARAM)?.value
  if (!top || top.host.toLowerCase() !== EDGE_HOST || flow !== io.state.token) return false
  // RFC 3261 §16.7 step 3: a 100 is hop by hop and goes no further; the edge sent the client its
  // own when it took the INVITE (client-inbound.ts).
  if (res.status === 100) return true
  const branch = top.branch
  if (branch && res.status < 200 && wasAnswered(io.state, branch)) {
    // RFC 3261 §17.1.1.2: once a final response has reached the client, its transaction takes
    // no further provisional (one from a losing fork, or overtaken on the way).
    io.log('late provisional response dropped', { callId: res.callId, status: res.status })
    return true
  }
  if (branch && res.status >= 200) noteAnswered(io.state, branch)
  io.transactions?.response(res, io.now())
  res.shift('via')
  // Only the final response to a REGISTER this flow forwarded (the edge's own branch) says
  // anything about the flow's registration; a 2xx with any other branch is relayed, not learnt.
  if (res.cseq.method === 'REGISTER' && res.status >= 200) {
    const ours = takePendingRegister(io.state, top.branch)
    if (ours && res.status < 300) {
      learnRegistration(io, res)
      learnAuthenticatedImpi(io.state, top.branch)
    }
  }
  stripTowardClient(res)
  io.toClient(res.toString())
  return true
}

/**
 * What a REGISTER 2xx tells the edge (clearwater-interfaces §6, TS 24.229 §5.2.2): the implicit
 * registration set in P-Associated-URI, the Service-Route, and how long this flow's binding
 * lasts (the Contact matching the instance or URI the flow registered).
 */
function learnRegistration(io: FlowIo, res: SipResponse): void {
  const s = io.state
  const contacts = res.contacts.filter((c): c is NameAddr => c !== '*')
  if (s.registeredContacts.length === 0 && contacts.length > 0 && s.identities.length > 0) {
    // A fetch (no Contact in the REGISTER): nothing changes for this flow.
    return
  }
  let expires = -1
  for (const c of contacts) {
    const mine =
      (s.instance !== undefined && contactInstance(c) === s.instance) ||
      s.registeredContacts.includes(serializeUri(c.uri))
    if (mine)
      expires = Math.max(
        expires,
        contactExpires(c) ?? (res.get('expires') as number | undefined) ?? 0
      )
  }
  if (expires <= 0) {
    s.identities = []
    s.authUntil = 0
    forgetExpiry(s, identityKey(res.to.uri))
    return
  }
  const ids: string[] = []
  for (const p of res.getAll('p-associated-uri') as readonly NameAddr[]) {
    const k = identityKey(p.uri)
    if (k && !ids.includes(k)) ids.push(k)
  }
  s.identities = ids.slice(0, MAX_IDENTITIES)
  s.serviceRoutes = (res.getAll('service-route') as readonly NameAddr[])
    .slice(0, MAX_SERVICE_ROUTES)
    .map(serializeNameAddr)
  s.aor = identityKey(res.to.uri)
  s.authUntil = io.now() + expires * 1000 + io.cfg.identityGraceMs
  // The flow keeps this binding's expiry (flow-expiry.ts).
  noteExpiry(s, s.aor, io.now() + expires * 1000)
}
