/**
 * @module edge/flow-object
 * One Durable Object per WebSocket flow (architecture §2), accepted with the hibernation API so
 * an idle connection costs no memory or duration. Its state lives in the socket attachment
 * (edge/flow-state.ts), which survives hibernation. The CRLF keepalive of RFC 5626 §4.4.1 is
 * answered by the runtime's auto-response without waking the object.
 *
 * The attachment is edge/flow-attachment.ts, the per-attachment I/O edge/flow-wiring.ts, the
 * closure notice edge/flow-closure.ts and the expiry alarm edge/flow-expiry.ts.
 *
 * Two entrances: `GET /connect` (the upgrade, from the edge worker) and `POST /deliver` (a SIP
 * message from the core, via the worker's signed internal route). With no open socket, a
 * delivery answers HTTP 410, which the sender maps to 430 Flow Failed (RFC 5626 §5.3).
 *
 * Order (docs/internal-hop.md): the client's messages go to the core one hop at a time, in the
 * order the client sent them, and the core's messages go to the client in the order they reached
 * the flow; each direction is one {@link FlowLane}. The lanes are separate, so a hop waiting on
 * Sprout never holds back a delivery to this same flow (a call to oneself).
 */
import { DurableObject } from 'cloudflare:workers'
import { mintFlowToken } from '../shared/hop/flow-token'
import { createLogger } from '../shared/log/logger'
import { metrics } from '../shared/metrics/isolate'
import { GATE_HOST, gateRequest, releaseFlow } from './address-gate'
import { fromClient, overloaded } from './client-inbound'
import { fromCore } from './core-inbound'
import { edgeConfig } from './edge-config'
import type { EdgeEnv } from './env'
import { type Attachment, newAttachment } from './flow-attachment'
import { sendClosureNotice } from './flow-closure'
import {
  type AlarmContext,
  afterClose,
  alarmWithoutSocket,
  alarmWithSocket,
  type ExpiryStorage,
  expiryStorageOf,
  flowExpirySettings,
  sproutPost,
  syncAlarm,
} from './flow-expiry'
import { FlowLane } from './flow-queue'
import { FlowWiring } from './flow-wiring'
import { flushEdgeMetrics } from './metrics-export'

/** RFC 5626 §4.4.1: a double CRLF ping is answered with a single CRLF pong. */
const PING = '\r\n\r\n'
const PONG = '\r\n'

export class FlowObject extends DurableObject<EdgeEnv> {
  private readonly log = createLogger({ component: 'edge' })

  constructor(ctx: DurableObjectState, env: EdgeEnv) {
    super(ctx, env)
    // Keepalives never wake the object (Cloudflare hibernation auto-response).
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG))
  }

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    // Only the address gate's requests use storage: a flow keeps its state in its socket's
    // attachment (contributing §12), and the first use of `ctx.storage` opens the object's
    // database (locally a SQLite file per flow, left behind when the flow ends).
    if (url.hostname === GATE_HOST) {
      const gate = await gateRequest(this.ctx.storage, request, url)
      if (gate) return gate
    }
    if (url.pathname === '/connect') return this.acceptFlow(request)
    if (url.pathname === '/deliver' && request.method === 'POST')
      return this.deliver(await request.text(), request.headers)
    return new Response('not found', { status: 404 })
  }

  private async acceptFlow(request: Request): Promise<Response> {
    const cfg = edgeConfig(this.env)
    const token = await mintFlowToken(cfg.flowTokenKeys, this.ctx.id.toString())
    const pair = new WebSocketPair()
    const [client, server] = [pair[0], pair[1]]
    this.ctx.acceptWebSocket(server, [token])
    const att = newAttachment(request, cfg, token, Date.now())
    server.serializeAttachment(att)
    this.log.info('flow opened', { flow: token.slice(0, 12), home: att.state.home })
    metrics.flowsOpen.add(undefined, 1)
    // RFC 7118 §4: the server must answer with the `sip` subprotocol.
    return new Response(null, {
      status: 101,
      webSocket: client,
      headers: { 'Sec-WebSocket-Protocol': 'sip' },
    })
  }

  /** Each live attachment's FlowIo, traces and transaction log (edge/flow-wiring.ts). */
  private readonly wiring = new FlowWiring({
    env: this.env,
    log: this.log,
    waitUntil: (p) => this.ctx.waitUntil(p),
    keepsExpiry: () => this.keepsExpiry(),
  })

  /** Whether this flow keeps its bindings' expiry with its alarm (edge/flow-expiry.ts). */
  private keepsExpiry(): boolean {
    return flowExpirySettings(this.env).enabled && typeof this.ctx.storage?.setAlarm === 'function'
  }

  private expiryStore(): ExpiryStorage {
    return expiryStorageOf(this.ctx.storage)
  }

  /** After a message: the alarm covers every expiry the flow knows (no write on a refresh). */
  private async syncExpiry(att: Attachment): Promise<void> {
    if (!this.keepsExpiry()) return
    try {
      await syncAlarm(this.expiryStore(), att.state, flowExpirySettings(this.env), Date.now())
    } catch (error) {
      this.log.error('flow expiry alarm not set', { error, flow: att.state.token.slice(0, 12) })
    }
  }

  private alarmContext(): AlarmContext {
    return {
      now: Date.now(),
      settings: flowExpirySettings(this.env),
      store: this.expiryStore(),
      post: sproutPost(edgeConfig(this.env)),
      log: (msg, fields) => this.log.info(msg, fields),
    }
  }

  /**
   * The expiry alarm (edge/flow-expiry.ts): with the socket open, lapsed bindings are reported
   * and refreshed ones re-arm; with it gone, the closure notice goes from the stored record. A
   * throw here makes the runtime retry the alarm.
   */
  override async alarm(): Promise<void> {
    const c = this.alarmContext()
    const [ws] = this.ctx.getWebSockets()
    let outcome: string
    if (ws && ws.readyState === WebSocket.OPEN) {
      const att = this.attachment(ws)
      outcome = await alarmWithSocket(att.state, c)
      if (ws.readyState === WebSocket.OPEN) ws.serializeAttachment(att)
    } else outcome = await alarmWithoutSocket(c)
    metrics.flowExpiryAlarms.inc({ outcome })
    flushEdgeMetrics(this.env)
  }

  /**
   * The attachment each handler works on. One object per socket while the object is awake, so a
   * response delivered while a client request is still awaiting the hop (the core answers
   * before its 202) mutates the same state the request's handler later serialises.
   */
  private readonly live = new Map<WebSocket, Attachment>()
  /** Close and error can both report one socket's end: its address place is given back once. */
  private released = false
  /** The client's messages toward the core, one hop in flight. */
  private toCoreLane?: FlowLane
  /** The core's messages toward the client, in the order they reached the flow. */
  private toClientLane?: FlowLane

  private lanes(): { toCore: FlowLane; toClient: FlowLane } {
    const limit = edgeConfig(this.env).flowQueueLimit
    this.toCoreLane ??= new FlowLane(limit)
    this.toClientLane ??= new FlowLane(limit)
    return { toCore: this.toCoreLane, toClient: this.toClientLane }
  }

  private attachment(ws: WebSocket): Attachment {
    let att = this.live.get(ws)
    if (!att) {
      att = ws.deserializeAttachment() as Attachment
      this.live.set(ws, att)
    }
    return att
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const text = typeof message === 'string' ? message : new TextDecoder().decode(message)
    if (text === PING) {
      ws.send(PONG)
      return
    }
    if (text.trim() === '') return // stray CRLFs between messages (RFC 5626 §4.4.1)
    const att = this.attachment(ws)
    const queued = this.lanes().toCore.offer(async () => {
      try {
        this.wiring.trace(att).fromClient(text)
        await fromClient(this.wiring.io(ws, att), text)
        await this.syncExpiry(att)
        flushEdgeMetrics(this.env)
        this.wiring.trace(att).flush()
      } catch (err) {
        this.log.error('flow failed to handle a message', {
          error: err,
          flow: att.state.token.slice(0, 12),
        })
      }
      if (ws.readyState === WebSocket.OPEN) ws.serializeAttachment(att)
    })
    if (!queued) overloaded(this.wiring.io(ws, att), text)
    else await queued
  }

  private async deliver(text: string, headers: Headers): Promise<Response> {
    const [ws] = this.ctx.getWebSockets()
    if (!ws || ws.readyState !== WebSocket.OPEN) return new Response('flow closed', { status: 410 })
    const att = this.attachment(ws)
    const queued = this.lanes().toClient.offer(async () => {
      // The socket may have closed while this delivery waited its turn.
      if (ws.readyState !== WebSocket.OPEN) return 'closed' as const
      this.wiring.trace(att).fromCore(text, headers)
      const outcome = await fromCore(this.wiring.io(ws, att), text)
      await this.syncExpiry(att)
      this.wiring.trace(att).flush()
      if (ws.readyState === WebSocket.OPEN) ws.serializeAttachment(att)
      return outcome
    })
    // A full lane is an overloaded next hop: the sender answers 503 (RFC 3261 §21.5.4).
    if (!queued) return new Response('flow overloaded', { status: 503 })
    const outcome = await queued
    if (outcome === 'closed') return new Response('flow closed', { status: 410 })
    // What must not hold the lane (a refusal sent back through the core) runs after it.
    if (outcome.status === 202 && outcome.followUp) await outcome.followUp()
    return new Response(outcome.status === 202 ? null : outcome.reason, { status: outcome.status })
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // Complete the closing handshake (RFC 6455 §5.5.1) so the client is not left waiting.
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason)
    } catch {
      // already closed
    }
    await this.closed(ws, `closed ${code} ${reason}`)
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    await this.closed(ws, `error ${String(error)}`)
  }

  /** RFC 5626 §5.3: bindings over a dead flow are dead; tell the home region's registrar. */
  private async closed(ws: WebSocket, why: string): Promise<void> {
    const att = this.live.get(ws) ?? (ws.deserializeAttachment() as Attachment | null)
    this.live.delete(ws)
    if (!att) return
    metrics.flowsOpen.add(undefined, -1)
    flushEdgeMetrics(this.env)
    this.log.info('flow closed', { flow: att.state.token.slice(0, 12), why, aor: att.state.aor })
    if (att.address && !this.released) {
      this.released = true
      await releaseFlow(this.env.FLOW, att.address).catch((error) =>
        this.log.error('address gate release failed', { error })
      )
    }
    const delivered = await sendClosureNotice(edgeConfig(this.env), att.state)
    // The expiry keeper's storage goes with the flow, or keeps the notice for its alarm to retry.
    await afterClose(this.expiryStore(), att.state, delivered, {
      now: Date.now(),
      settings: flowExpirySettings(this.env),
    }).catch((error) => this.log.error('flow expiry storage not updated', { error }))
  }
}
