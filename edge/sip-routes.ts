/**
 * @module edge/sip-routes
 * The edge worker's SIP entrances: `GET /sip`, the WebSocket upgrade (RFC 7118, subprotocol
 * `sip`), which opens a new FlowObject; and `POST /internal/flows/:token/sip`, the signed
 * internal endpoint through which any function reaches one exact connection.
 */
import type { Context } from 'hono'
import { openFlowToken } from '../shared/hop/flow-token'
import { verifySignature } from '../shared/hop/signature'
import { SIP_CONTENT_TYPE } from '../shared/hop/sip-over-http'
import { admitFlow, CLIENT_ADDRESS_HEADER, releaseFlow } from './address-gate'
import { readCappedBody } from './capped-body'
import { edgeConfig, homeRegionFor } from './edge-config'
import type { EdgeEnv } from './env'
import { connectionProtected, PROTECTED_FLOW_HEADER } from './protected-flow'

type C = Context<{ Bindings: EdgeEnv }>

export async function upgrade(c: C): Promise<Response> {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
    return c.json(
      {
        error: 'upgrade required',
        detail:
          'SIP over WebSocket (RFC 7118): connect with a WebSocket client using the "sip" subprotocol',
      },
      426,
      {
        Upgrade: 'websocket',
      }
    )
  }
  const protocols = (c.req.header('sec-websocket-protocol') ?? '')
    .split(',')
    .map((p) => p.trim().toLowerCase())
  if (!protocols.includes('sip')) {
    return c.json(
      {
        error: 'unsupported subprotocol',
        detail: 'this endpoint speaks only the "sip" WebSocket subprotocol (RFC 7118)',
      },
      400
    )
  }
  const cfg = edgeConfig(c.env)
  const url = new URL(c.req.url)
  const address = c.req.header('cf-connecting-ip')
  if (address && !(await admitFlow(c.env.FLOW, address, cfg.maxFlowsPerAddress))) {
    return c.json(
      {
        error: 'too many connections',
        detail: `at most ${cfg.maxFlowsPerAddress} SIP flows may be open from one address`,
      },
      429,
      { 'Retry-After': '10' }
    )
  }
  const id = c.env.FLOW.newUniqueId()
  const headers = new Headers(c.req.raw.headers)
  headers.set('x-edgewater-home', homeRegionFor(cfg, c.req.raw.cf))
  headers.set('x-edgewater-public-host', url.host)
  headers.set('x-edgewater-edge-url', url.origin)
  if (address) headers.set(CLIENT_ADDRESS_HEADER, address)
  headers.set(PROTECTED_FLOW_HEADER, connectionProtected(c.env, url) ? '1' : '0')
  try {
    const res = await c.env.FLOW.get(id).fetch(new Request('https://flow/connect', { headers }))
    if (res.status !== 101 && address) await releaseFlow(c.env.FLOW, address)
    return res
  } catch (err) {
    if (address) await releaseFlow(c.env.FLOW, address)
    throw err
  }
}

export async function deliverToFlow(c: C): Promise<Response> {
  const cfg = edgeConfig(c.env)
  const read = await readCappedBody(c.req.raw, cfg.maxInternalBodyBytes)
  if (!read.ok) return c.json({ error: 'body too large', limit: cfg.maxInternalBodyBytes }, 413)
  const body = read.bytes
  const v = await verifySignature(cfg.hopSecret, 'POST', c.req.url, c.req.raw.headers, body)
  if (!v.ok) return c.json({ error: 'forbidden', reason: v.reason }, 401)
  if (!(c.req.header('content-type') ?? '').startsWith(SIP_CONTENT_TYPE)) {
    return c.json({ error: `content type must be ${SIP_CONTENT_TYPE}` }, 415)
  }
  const objectId = await openFlowToken(cfg.flowTokenKeys, c.req.param('token') ?? '')
  // A token that is not ours names no flow: the same answer as a closed one (430 to the sender).
  if (!objectId) return c.json({ error: 'unknown flow' }, 410)
  const stub = c.env.FLOW.get(c.env.FLOW.idFromString(objectId))
  // The hop's trace headers go along (edge/flow-trace.ts); nothing else of the request does.
  const trace: Record<string, string> = {}
  for (const h of ['traceparent', 'tracestate']) {
    const v = c.req.header(h)
    if (v) trace[h] = v
  }
  return stub.fetch(new Request('https://flow/deliver', { method: 'POST', body, headers: trace }))
}
