/**
 * @module sprout/test-as/call-as
 * The small application server the local cloud's call tests use over ISC (enabled with
 * `SPROUT_TEST_AS=1`): `POST /test-as/<name>/sip` on Sprout's function, in the trusted zone,
 * reachable as `sip:<name>.as.edgewater.internal` once `AS_URLS` maps the name to that URL. It
 * speaks the internal hop like any SIP component (docs/internal-hop.md): requests in, responses
 * along Via, requests along Route. Its behaviour per request is in as-behaviour.ts. As a proxy it
 * is stateless (RFC 3261 §16.11): its branch follows from the incoming one, so a CANCEL takes the
 * INVITE's path, and responses come back to it through its Via. Everything it receives is
 * recorded in the regional KV for `GET /test-as/calls?call-id=` (15 minutes).
 */
import { Hono } from 'hono'
import { asHost, HOP_TRANSPORT } from '../../../shared/hop/internal-addresses'
import type { FunctionBindings } from '../../../shared/http/function-app'
import { type SipRequest, type SipResponse, tryParseMessage } from '../../../shared/sip'
import { md5Hex } from '../../../shared/sip/md5'
import { respondTo } from '../sip-build'
import type { SproutDeps, SproutDepsFactory } from '../sprout-deps'
import { type AsBehaviour, behaviourFor } from './as-behaviour'
import { B2BUA_CALL_PREFIX, bridgeBye, bridgeResponse, startBridge } from './b2bua'

export interface CallAsRecord {
  as: string
  kind: 'request' | 'response'
  method: string
  status?: number
  behaviour: string
  requestUri?: string
  headers: Record<string, string[]>
  at: number
}

const KEEP_SECONDS = 900
const recordKey = (callId: string) => `test-as:calls:${callId}`
const INTERESTING = [
  'p-served-user',
  'route',
  'p-asserted-identity',
  'diversion',
  'history-info',
  'privacy',
  'from',
  'to',
  'record-route',
  'x-test-as',
]

async function remember(deps: SproutDeps, callId: string, rec: CallAsRecord): Promise<void> {
  const now = deps.clock.now()
  await deps.vellum.kv.hsetIfNewer(
    recordKey(callId),
    `${rec.as}:${rec.kind}:${rec.method}:${rec.status ?? ''}:${now}:${Math.random().toString(36).slice(2, 8)}`,
    { cseq: now, expires: now / 1000 + KEEP_SECONDS, data: rec },
    { graceSeconds: 10 }
  )
}

function headersOf(msg: SipRequest | SipResponse): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const h of INTERESTING) {
    const v = msg.getAllRaw(h)
    if (v.length > 0) out[h] = v
  }
  return out
}

const describe = (b: AsBehaviour) =>
  b.kind === 'reject'
    ? `reject:${b.status}`
    : b.kind === 'redirect' || b.kind === 'retarget'
      ? `${b.kind}:${b.target}`
      : b.kind

function asVia(name: string, req: SipRequest): string {
  const branch = md5Hex(
    `${name}|${req.topVia.branch ?? ''}|${req.topVia.host}|${req.callId}`
  ).slice(0, 24)
  return `SIP/2.0/${HOP_TRANSPORT} ${asHost(name)};branch=z9hG4bK${branch}`
}

async function proxy(
  deps: SproutDeps,
  name: string,
  req: SipRequest,
  target?: string
): Promise<void> {
  // Our own Route entry is on top (RFC 3261 §16.4): take it off and follow the rest.
  const top = req.get('route')
  if (top?.uri.kind === 'sip' && top.uri.host.toLowerCase() === asHost(name)) req.shift('route')
  if (target) req.setUri(target)
  req.decrementMaxForwards()
  req.prepend('via', asVia(name, req))
  const r = await deps.sender.request(req)
  if (r.ok || req.method === 'ACK') return
  req.shift('via')
  await deps.sender.respond(respondTo(req, r.sipStatus, 'Service Unavailable'))
}

async function uas(deps: SproutDeps, name: string, req: SipRequest, b: AsBehaviour): Promise<void> {
  const m = req.method
  if (m === 'ACK') return
  if (m === 'CANCEL') {
    await deps.sender.respond(respondTo(req, 200, 'OK'))
    return
  }
  if (b.kind === 'silent') return
  const toTag = md5Hex(`${req.callId}|${req.fromTag ?? ''}|${name}`).slice(0, 12)
  if (b.kind === 'fail') {
    await deps.sender.respond(respondTo(req, 503, 'Service Unavailable', { toTag }))
    return
  }
  if (b.kind === 'reject') {
    await deps.sender.respond(respondTo(req, b.status, 'Rejected by application server', { toTag }))
    return
  }
  if (b.kind === 'redirect') {
    await deps.sender.respond(
      respondTo(req, 302, 'Moved Temporarily', {
        toTag,
        headers: [['Contact', `<${b.target.replace(/^<|>$/g, '')}>`]],
      })
    )
    return
  }
  // answer: a UAS of its own (ISC Interface - Terminating).
  if (m === 'INVITE' && !req.toTag) await deps.sender.respond(respondTo(req, 100, 'Trying'))
  const sdp =
    'v=0\r\no=as 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n'
  await deps.sender.respond(
    respondTo(req, 200, 'OK', {
      toTag,
      headers: [['Contact', `<sip:${asHost(name)}>`]],
      ...(m === 'INVITE' ? { body: sdp, contentType: 'application/sdp' } : {}),
    })
  )
}

export function callAsRoutes(factory: SproutDepsFactory): Hono<FunctionBindings> {
  const app = new Hono<FunctionBindings>()

  app.post('/test-as/:name/sip', async (c) => {
    const deps = factory(c)
    if (deps.config.SPROUT_TEST_AS !== '1') return c.json({ error: 'not found' }, 404)
    const name = c.req.param('name').toLowerCase()
    const parsed = tryParseMessage(await c.req.text())
    if (!parsed.ok) return c.json({ error: 'malformed SIP', reason: parsed.error.reason }, 400)
    const msg = parsed.value
    if (msg.kind === 'response') {
      if (msg.callId.startsWith(B2BUA_CALL_PREFIX)) {
        await bridgeResponse(deps, msg)
        return c.body(null, 202)
      }
      // A response to something this AS proxied: its Via is on top; follow the next one.
      await remember(deps, msg.callId, {
        as: name,
        kind: 'response',
        method: msg.cseq.method,
        status: msg.status,
        behaviour: 'proxy',
        headers: headersOf(msg),
        at: deps.clock.now(),
      })
      msg.shift('via')
      if (msg.vias.length > 0) await deps.sender.respond(msg)
      return c.body(null, 202)
    }
    const b = behaviourFor(name, msg.getAllRaw('x-test-as'))
    await remember(deps, msg.callId, {
      as: name,
      kind: 'request',
      method: msg.method,
      behaviour: describe(b),
      requestUri: msg.uriText,
      headers: headersOf(msg),
      at: deps.clock.now(),
    })
    // In-dialog requests of a dialog this AS answered end here; everything else follows `b`.
    const mine =
      msg.toTag !== undefined &&
      msg.uri.kind === 'sip' &&
      msg.uri.host.toLowerCase() === asHost(name)
    if (b.kind === 'b2bua' && msg.method === 'INVITE' && !msg.toTag) {
      await startBridge(deps, name, msg)
      return c.body(null, 202)
    }
    if (mine && msg.method === 'BYE' && (await bridgeBye(deps, msg))) return c.body(null, 202)
    if (mine || ['answer', 'reject', 'redirect', 'silent', 'fail', 'b2bua'].includes(b.kind))
      await uas(deps, name, msg, mine ? { kind: 'answer' } : b)
    else await proxy(deps, name, msg, b.kind === 'retarget' && !msg.toTag ? b.target : undefined)
    return c.body(null, 202)
  })

  app.get('/test-as/calls', async (c) => {
    const deps = factory(c)
    if (deps.config.SPROUT_TEST_AS !== '1') return c.json({ error: 'not found' }, 404)
    const callId = c.req.query('call-id') ?? ''
    const fields = await deps.vellum.kv.hgetLive<CallAsRecord>(recordKey(callId))
    const received = Object.values(fields)
      .map((r) => r.data)
      .sort((a, b) => a.at - b.at)
    return c.json({ received })
  })
  return app
}
