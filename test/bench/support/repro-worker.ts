/**
 * @module repro-worker
 * The worker scripts of the workerd memory repro (support/workerd-memory-repro.ts), with none of
 * Edgewater's code: each feature the local cloud's edge uses can be switched on alone, so a run
 * with one feature on shows whether that feature makes workerd's RSS grow.
 *
 * - `front`: the entry worker. `POST /` is the bare path (one outbound `fetch` to the Node store
 *   per request, the shape of a function's store call). `GET /ws` opens a WebSocket flow held by
 *   one `Flow` Durable Object (a new unique id per connection, or one of a few named ids with
 *   `sameIds`), as the edge's `GET /sip` does. `POST /deliver?id=` hands a message to a flow's
 *   object through `stub.fetch`, as the edge's signed internal route does.
 * - `Flow`: the flow's Durable Object. Per message from its WebSocket it does what the features
 *   ask, then echoes the message back.
 * - `peer`: a second worker that answers a POST with a short body (worker-to-worker fetches).
 */

/** What the flow object does; each switched on by a flag of the same name. */
export interface ReproFeatures {
  /** `ctx.acceptWebSocket` (hibernation API); off: `ws.accept()` with event listeners. */
  hibernate: boolean
  /** deserializeAttachment / serializeAttachment per message. */
  attachment: boolean
  /** `storage.setAlarm` per message, `alarmMs` ahead (an empty alarm handler). */
  alarm: boolean
  /** `storage.put` of a small record per message. */
  put: boolean
  /** On close, `deleteAlarm` and `deleteAll` (as a flow whose closure notice was taken). */
  forget: boolean
  /** `crypto.subtle.sign` HMAC-SHA-256 of the message per message (key imported once). */
  hmac: boolean
  /** One JSON log line per message on the console. */
  log: boolean
  /** One outbound `fetch` to the Node store per message. */
  outbound: boolean
  /** One `fetch` to the `peer` worker's direct socket per message. */
  w2w: boolean
  /** Flows use `idFromName` of a few names instead of a new unique id per connection. */
  sameIds: boolean
  /** How far ahead `alarm` sets the alarm (ms). */
  alarmMs: number
}

export const FEATURE_FLAGS = [
  'hibernate',
  'attachment',
  'alarm',
  'put',
  'forget',
  'hmac',
  'log',
  'outbound',
  'w2w',
  'sameIds',
] as const

/** The entry worker with its Durable Object class, as one ES module. */
export function frontScript(f: ReproFeatures): string {
  return `import { DurableObject } from 'cloudflare:workers'
const F = ${JSON.stringify(f)}
const enc = new TextEncoder()
let key
async function hmac(text) {
  key ??= crypto.subtle.importKey('raw', enc.encode('k'.repeat(32)), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return crypto.subtle.sign('HMAC', await key, enc.encode(text))
}

export class Flow extends DurableObject {
  async fetch(request) {
    const url = new URL(request.url)
    if (url.pathname === '/connect') {
      const pair = new WebSocketPair()
      const server = pair[1]
      if (F.hibernate) this.ctx.acceptWebSocket(server)
      else {
        server.accept()
        server.addEventListener('message', (e) => this.onMessage(server, e.data))
        server.addEventListener('close', (e) => this.webSocketClose(server, e.code, e.reason))
      }
      if (F.attachment) server.serializeAttachment({ token: this.ctx.id.toString(), n: 0, aors: ['sip:u@example.com'] })
      return new Response(null, { status: 101, webSocket: pair[0], headers: { 'x-flow-id': this.ctx.id.toString(), 'Sec-WebSocket-Protocol': 'sip' } })
    }
    if (url.pathname === '/deliver') {
      const text = await request.text()
      const [ws] = this.ctx.getWebSockets()
      if (!ws) return new Response('gone', { status: 410 })
      ws.send(text)
      return new Response(null, { status: 202 })
    }
    return new Response('not found', { status: 404 })
  }
  async webSocketMessage(ws, message) {
    await this.onMessage(ws, message)
  }
  async onMessage(ws, message) {
    const text = typeof message === 'string' ? message : new TextDecoder().decode(message)
    let att
    if (F.attachment) {
      att = ws.deserializeAttachment()
      att.n++
    }
    if (F.hmac) await hmac(text)
    if (F.log) console.log(JSON.stringify({ level: 'info', component: 'edge', msg: 'flow message', flow: this.ctx.id.toString().slice(0, 12), bytes: text.length }))
    if (F.outbound) await (await fetch(this.env.STORE, { method: 'POST', body: text })).text()
    if (F.w2w) await (await fetch(this.env.PEER, { method: 'POST', body: text })).text()
    if (F.put) await this.ctx.storage.put('flow-expiry', { token: this.ctx.id.toString(), home: 'a', aors: ['sip:u@example.com'] })
    if (F.alarm) await this.ctx.storage.setAlarm(Date.now() + F.alarmMs)
    if (F.attachment) ws.serializeAttachment(att)
    ws.send('echo ' + text.length)
  }
  async webSocketClose(ws, code, reason) {
    try { ws.close(1000, 'bye') } catch {}
    if (F.forget) {
      await this.ctx.storage.deleteAlarm()
      await this.ctx.storage.deleteAll()
    }
  }
  async webSocketError() {}
  async alarm() {}
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    if (url.pathname === '/ws') {
      const id = F.sameIds ? env.FLOW.idFromName('flow-' + url.searchParams.get('n')) : env.FLOW.newUniqueId()
      return env.FLOW.get(id).fetch(new Request('https://flow/connect', { headers: request.headers }))
    }
    if (url.pathname === '/deliver') {
      const stub = env.FLOW.get(env.FLOW.idFromString(url.searchParams.get('id')))
      return stub.fetch(new Request('https://flow/deliver', { method: 'POST', body: await request.text() }))
    }
    const body = await request.text()
    const r = await fetch(env.STORE, { method: 'POST', body, headers: { 'content-type': 'text/plain' } })
    return new Response(await r.text(), { headers: { 'x-store': String(r.status) } })
  },
}`
}

/** The peer worker: reads the body and answers a short one. */
export const PEER_SCRIPT = `export default {
  async fetch(request) {
    await request.text()
    return new Response('{"result":"OK"}')
  },
}`
