/**
 * @module edge/client-inbound
 * A message from a client's WebSocket (RFC 7118), on its way into the core. Requests pass the
 * sanity checks and the trust boundary, then go to Sprout of the flow's home region (or the
 * region the route set names) over the internal hop; responses to requests the core sent the
 * client go back along their Via. Anything the edge refuses is answered on the flow, and the
 * flow lives on (a malformed request gets 400, a malformed response is dropped). What Sprout
 * answers inline to a request (docs/internal-hop.md) goes to the client as a delivery from the
 * core would, before the flow's next message leaves.
 */

import { peerOf } from '../shared/config/regions'
import { FLOW_EXPIRY_VIA_PARAM, FLOW_EXPIRY_VIA_VALUE } from '../shared/hop/flow-expiry'
import {
  classifyInternal,
  EDGE_HOST,
  FLOW_VIA_PARAM,
  functionHost,
  HOP_TRANSPORT,
} from '../shared/hop/internal-addresses'
import { hopFailureStatus } from '../shared/hop/sip-over-http'
import {
  buildResponse,
  parseErrorResponse,
  SipError,
  SipParseError,
  tryParseMessage,
} from '../shared/sip'
import { contactInstance } from '../shared/sip/contact'
import { DIALOG_CREATING } from '../shared/sip/dialog-methods'
import type { SipRequest, SipResponse } from '../shared/sip/message'
import type { NameAddr } from '../shared/sip/name-addr'
import { serializeUri } from '../shared/sip/uri'
import { fromCore } from './core-inbound'
import { answersOwnRequest, dialogToken, popOwnRoutes } from './flow-guards'
import type { FlowIo } from './flow-io'
import { hasRegistered, isAuthenticated, notePendingRegister, takeToken } from './flow-state'
import { markRegister } from './protected-flow'
import { challengedAtEdge } from './register-challenge'
import { noteRelayed, relayKey, wasRelayed } from './retransmitted-2xx'
import { checkRequest } from './sanity'
import { originatingRoutes, registerRoute } from './service-route'
import { chooseAssertedIdentity, stripFromClient } from './trust-boundary'

/** UTF-8 length of `text`, counted without encoding it. */
export function utf8Length(text: string): number {
  let n = text.length
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) n += 1
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1)
      // A surrogate pair: 4 bytes for 2 code units.
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 2
        i++
      } else n += 2
    } else n += 2
  }
  return n
}

export async function fromClient(io: FlowIo, text: string): Promise<void> {
  const bytes = utf8Length(text)
  const parsed = tryParseMessage(text)
  if (!parsed.ok) {
    // RFC 3261 §16.3 / RFC 7118: a broken request gets 400 (505 for a bad version); a broken
    // response is dropped. Either way the flow stays up.
    const answer =
      parsed.error instanceof SipParseError ? parseErrorResponse(text, parsed.error) : null
    if (answer) io.toClient(answer)
    io.log('malformed message from client', { reason: parsed.error.reason, bytes })
    return
  }
  const msg = parsed.value
  if (msg.kind === 'response') {
    // A response is never answered (RFC 3261 §17.1.3 has no answer for it): one that is over the
    // size limit or the flow's rate, or that comes on a flow that never registered (the core
    // routes requests only to registered flows), is dropped. A flow whose registration ended may
    // still answer requests of dialogs that outlive it.
    const drop =
      bytes > io.cfg.maxMessageBytes
        ? 'over the size limit'
        : !takeToken(io.state, io.now(), io.cfg.ratePerSecond, io.cfg.rateBurst)
          ? 'over the rate limit'
          : !hasRegistered(io.state)
            ? 'flow never registered'
            : undefined
    if (drop) {
      io.log('dropping a response from the client', { callId: msg.callId, why: drop, bytes })
      return
    }
    return responseFromClient(io, msg)
  }
  const req = msg
  io.transactions?.request(req, io.now())
  try {
    if (bytes > io.cfg.maxMessageBytes) throw new SipError(513, 'Message Too Large')
    if (!takeToken(io.state, io.now(), io.cfg.ratePerSecond, io.cfg.rateBurst)) {
      throw new SipError(503, 'Rate limit exceeded on this flow', { retryAfter: 1 })
    }
    if (req.method === 'OPTIONS' && addressedToEdge(io, req)) {
      const allow =
        'INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE, SUBSCRIBE, NOTIFY, REFER, INFO, UPDATE, PRACK'
      io.toClient(reply(io, req, 200, 'OK', [['Allow', allow]]))
      return
    }
    checkRequest(req)
    await requestFromClient(io, req)
  } catch (thrown) {
    // Headers are parsed when first read, so a malformed one can surface here: still a 400.
    const err =
      thrown instanceof SipParseError ? new SipError(thrown.status, thrown.reason) : thrown
    if (!(err instanceof SipError)) throw err
    if (req.method === 'ACK') return // RFC 3261 §17: an ACK is never answered
    io.toClient(reply(io, req, err.status, err.reason, retryHeaders(err)))
  }
}

/**
 * A message that found the flow's lane toward the core full (edge/flow-queue.ts): a request gets
 * 503 with Retry-After (RFC 3261 §21.5.4), an ACK or a response is dropped (§17: never answered).
 */
export function overloaded(io: FlowIo, text: string): void {
  const parsed = tryParseMessage(text)
  io.log('flow lane full; message refused', { depth: io.cfg.flowQueueLimit })
  if (!parsed.ok || parsed.value.kind !== 'request' || parsed.value.method === 'ACK') return
  io.toClient(
    reply(io, parsed.value, 503, 'Service Unavailable: flow overloaded', [['Retry-After', '1']])
  )
}

/** A response from the edge itself (RFC 3261 §8.2.6), serialised for the WebSocket. */
function reply(
  io: FlowIo,
  req: SipRequest,
  status: number,
  reason: string,
  headers: [string, string][] = []
): string {
  io.transactions?.answered(req, status, io.now())
  return buildResponse(req, status, { reason, toTag: io.randomHex(6), headers }).toString()
}

function retryHeaders(err: SipError): [string, string][] {
  const h: [string, string][] = err.headers.map(([n, v]) => [n, v])
  if (err.retryAfter !== undefined) h.push(['Retry-After', String(err.retryAfter)])
  return h
}

function addressedToEdge(io: FlowIo, req: SipRequest): boolean {
  const u = req.uri
  if (u.kind !== 'sip' || req.toTag) return false
  const host = u.port ? `${u.host}:${u.port}` : u.host
  return (
    (u.user === null && (host === io.publicHost || u.host.toLowerCase() === EDGE_HOST)) ||
    u.host.toLowerCase() === EDGE_HOST
  )
}

async function requestFromClient(io: FlowIo, req: SipRequest): Promise<void> {
  const s = io.state
  const now = io.now()
  stripFromClient(req)
  if (req.method === 'REGISTER') {
    // RFC 3327 + RFC 5626 §5.1: the edge is the first hop, so its Path carries `ob`.
    req.prepend('path', `<sip:${s.token}@${EDGE_HOST};lr;ob>`)
    rememberRegistration(io, req)
  } else {
    // Only REGISTER (and its challenge cycle) before the flow is authenticated (Clearwater Bono).
    if (!isAuthenticated(s, now)) throw new SipError(403, 'Forbidden: register first')
    const asserted = chooseAssertedIdentity(req, s.identities)
    if (!asserted.ok) throw new SipError(403, asserted.reason)
    req.remove('p-preferred-identity')
    req.set('p-asserted-identity', `<${asserted.identity}>`)
    req.set(
      'p-charging-vector',
      `icid-value=${io.randomHex(16)};icid-generated-at=${io.publicHost};orig-ioi=${io.cfg.homeDomain}`
    )
  }
  popOwnRoutes(io, req)
  const initial = !req.toTag
  if (initial && req.method !== 'REGISTER') {
    // TS 24.229 §5.2.6.3.3: initial requests follow the Service-Route learnt at registration,
    // whatever Route the client put there; another pool's S-CSCF through Sprout's relay.
    req.remove('route')
    for (const r of originatingRoutes(s.serviceRoutes, s.home)) req.append('route', r)
    if (DIALOG_CREATING.has(req.method)) {
      // RFC 5658 double Record-Route: the client-facing entry, then the core-facing one on top.
      // Both carry the token scoped to this dialog (flow-guards.ts).
      const scoped = await dialogToken(io, req)
      req.prepend('record-route', `<sip:${scoped}@${io.publicHost};transport=ws;lr>`)
      req.prepend('record-route', `<sip:${scoped}@${EDGE_HOST};lr>`)
    }
  }
  req.decrementMaxForwards()
  // RFC 3261 §10.3 step 3: the registrar's fresh challenge needs nothing of the core.
  if (req.method === 'REGISTER' && (await challengedAtEdge(io, req))) return
  // RFC 3261 §16.2: the INVITE is taken, so the client hears 100 Trying at once, before anything
  // the core answers; a 100 from the core stops at the edge (§16.7 step 3, core-inbound.ts).
  if (req.method === 'INVITE') io.toClient(buildResponse(req, 100).toString())
  const branch = `z9hG4bK${io.randomHex(12)}`
  // Only the final response carrying this branch tells the flow about its registration.
  if (req.method === 'REGISTER') {
    notePendingRegister(s, branch)
    markRegister(io, req, branch)
  }
  // A flow that keeps its bindings' expiry says so on its REGISTERs (edge/flow-expiry.ts).
  const keeps =
    req.method === 'REGISTER' && io.keepsExpiry
      ? `;${FLOW_EXPIRY_VIA_PARAM}=${FLOW_EXPIRY_VIA_VALUE}`
      : ''
  req.prepend(
    'via',
    `SIP/2.0/${HOP_TRANSPORT} ${EDGE_HOST};branch=${branch};${FLOW_VIA_PARAM}=${s.token}${keeps}`
  )

  const next = req.get('route') as NameAddr | undefined
  let region = s.home as string
  if (next) {
    const where =
      next.uri.kind === 'sip' ? classifyInternal(next.uri.host, next.uri.user) : undefined
    if (where?.kind === 'function' && where.fn === 'sprout') region = where.region
    else if (where?.kind === 'flow') {
      const url = io.resolve(EDGE_HOST, where.token)
      if (!url) throw new SipError(404, 'Not Found')
      return deliver(io, req, io.toUrl(url, req.toString()))
    } else throw new SipError(403, 'Forbidden: route leaves the network')
  } else if (req.method !== 'REGISTER' && !initial) {
    throw new SipError(403, 'Forbidden: in-dialog request without a route set')
  } else if (req.method === 'REGISTER') {
    // TS 24.229 §5.2.2: REGISTER goes to the I-CSCF, which finds the S-CSCF (UAR), until a 200
    // has taught the flow a Service-Route naming this deployment's S-CSCF (docs/routing.md).
    req.set('route', registerRoute(s.serviceRoutes, s.home))
  }
  await deliver(io, req, io.toCore(region, req.toString()))
}

/** Notes what this REGISTER binds, so the 200 can be matched to this flow (core-inbound.ts). */
function rememberRegistration(io: FlowIo, req: SipRequest): void {
  const contacts = req.contacts
  // The instance is this REGISTER's, never one an earlier REGISTER named (RFC 5626 §4.2).
  io.state.instance = undefined
  if (contacts.length === 0) {
    io.state.registeredContacts = []
    return
  }
  if (contacts.includes('*')) {
    io.state.registeredContacts = ['*']
    return
  }
  const named = contacts.filter((c): c is NameAddr => c !== '*')
  io.state.registeredContacts = named.slice(0, 2).map((c) => serializeUri(c.uri))
  const instance = named.map(contactInstance).find((i) => i !== undefined)
  if (instance) io.state.instance = instance
}

async function deliver(
  io: FlowIo,
  req: SipRequest,
  sent: ReturnType<FlowIo['toCore']>
): Promise<void> {
  const r = await sent
  if (r.ok) {
    // Sprout's inline answers to this request, in the order it sent them.
    for (const m of r.messages ?? []) {
      const out = await fromCore(io, m)
      if (out.status !== 202) io.log('inline answer not delivered', { why: out.reason })
      else if (out.followUp) await out.followUp()
    }
    return
  }
  if (req.method === 'ACK') return
  io.log('upstream failed', {
    callId: req.callId,
    method: req.method,
    status: r.sipStatus,
    reason: r.reason,
  })
  // The request still carries the edge's Via on top; the answer goes to the client without it.
  req.shift('via')
  const failed = hopFailureStatus(r)
  io.toClient(reply(io, req, failed.status, failed.reason))
}

/**
 * A client's response to a request the core sent it: pop the edge's Via, follow the next one —
 * only when the top Via is one this flow put on a request to this client, over the Via that
 * request had below it (flow-guards.ts), so a response goes nowhere but where its request came
 * from (RFC 3261 §18.2.2).
 */
async function responseFromClient(io: FlowIo, res: SipResponse): Promise<void> {
  const vias = res.vias
  const top = vias[0]
  if (
    !top ||
    top.host.toLowerCase() !== io.publicHost.split(':')[0]!.toLowerCase() ||
    vias.length < 2 ||
    !(await answersOwnRequest(io, res))
  ) {
    io.log('dropping a response not sent through this flow', { callId: res.callId })
    return
  }
  // RFC 3261 §13.3.1.4: the UAS repeats its 2xx until the ACK; behind the edge every hop is
  // reliable, so a copy of one already relayed stays here (retransmitted-2xx.ts).
  const key = relayKey(res)
  if (wasRelayed(io.state, key)) return
  io.transactions?.response(res, io.now())
  res.shift('via')
  stripFromClient(res)
  const next = vias[1]!
  // RFC 3261 §16.7 step 3: a 100 is hop by hop and stops at the edge, unless the next hop's Via
  // asks for it (`lv`: Sprout watches an application server's liveness, which a 100 proves).
  if (res.status === 100 && !next.params.some((p) => p.name.toLowerCase() === 'lv')) return
  const flow = next.params.find((p) => p.name.toLowerCase() === FLOW_VIA_PARAM)?.value ?? null
  const target = io.resolve(next.host, flow)
  if (!target) {
    io.log('dropping a response whose next Via is unknown', { callId: res.callId, via: next.host })
    return
  }
  const text = res.toString()
  let r = await io.toUrl(target, text)
  // A region that does not answer (architecture §5): its Sprout's Via is followed by the other
  // region's Sprout, which forwards a response it holds no record of statelessly along the Vias
  // below (RFC 3261 §16.7; functions/sprout/routing/responses.ts), so the answer is not lost.
  const via = classifyInternal(next.host)
  if (!r.ok && r.transport && via?.kind === 'function' && via.fn === 'sprout') {
    const peer = io.resolve(functionHost('sprout', peerOf(via.region)))
    if (peer) r = await io.toUrl(peer, text)
  }
  if (r.ok) noteRelayed(io.state, key)
  else
    io.log('response not delivered', { callId: res.callId, status: r.sipStatus, reason: r.reason })
}
