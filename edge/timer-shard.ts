/**
 * @module edge/timer-shard
 * The precise timer tier: Durable Object alarms sharded by timer id (architecture §4). The timer
 * service puts intervals under 60 s here; call routing puts its own timers here whatever their
 * length (Timer C, no-answer, AS liveness, the call record's interim; docs/timers.md).
 * Each TimerShard (one per `idFromName(shard)`, shard chosen by shared/vellum/timer-precise-
 * client.ts) keeps many timers in its storage (one item each) and in memory, and keeps its
 * single alarm armed for the earliest. On the alarm it POSTs each due timer's callback (Chronos
 * pop: opaque body, `X-Sequence-Number`, trusted-zone signature with HOP_SECRET) and re-arms
 * repeats.
 *
 * A pop whose callback fails is retried once 2 s later (as Chronos's second replica would pop
 * it), and a transport failure is retried at once against the other region's copy of the
 * callback's function. Alarms run at least once, so a pop may repeat: consumers are idempotent.
 * Times here are the edge's own clock: the interval is relative, so clock offsets elsewhere do
 * not matter.
 *
 * The object trusts its caller: the edge route {@link timerShardRoute} checks the signature.
 */
import { DurableObject } from 'cloudflare:workers'
import type { Context } from 'hono'
import type { FunctionUrls } from '../shared/config/regions'
import { verifySignature } from '../shared/hop/signature'
import { deliverPop, peerUri } from '../shared/vellum/timer-callback'
import type { PreciseCommand } from '../shared/vellum/timer-precise-client'
import { readCappedBody } from './capped-body'
import { edgeConfig } from './edge-config'
import type { EdgeEnv } from './env'

interface HeldTimer {
  id: string
  generation: number
  intervalMs: number
  repeatForMs: number
  callbackUri: string
  opaque: string
  startMs: number
  seq: number
  dueAt: number
  attempt: number
}

/** Delay of the single retry of a failed pop (Chronos replica skew). */
const RETRY_AFTER_MS = 2_000
const SHARD_RE = /^timers-\d{2}$/

const timerKey = (id: string) => `t:${id}`

function parseCommand(v: unknown): PreciseCommand | undefined {
  const o = v as Record<string, unknown> | null
  if (!o || typeof o.id !== 'string' || !/^[0-9a-f]{16}-\d+$/.test(o.id)) return undefined
  if (o.op === 'delete')
    return typeof o.generation === 'number'
      ? { op: 'delete', id: o.id, generation: o.generation }
      : { op: 'delete', id: o.id }
  if (
    o.op === 'set' &&
    typeof o.generation === 'number' &&
    typeof o.intervalMs === 'number' &&
    o.intervalMs > 0 &&
    typeof o.repeatForMs === 'number' &&
    o.repeatForMs >= 0 &&
    typeof o.callbackUri === 'string' &&
    typeof o.opaque === 'string'
  ) {
    return {
      op: 'set',
      id: o.id,
      generation: o.generation,
      intervalMs: o.intervalMs,
      repeatForMs: o.repeatForMs,
      callbackUri: o.callbackUri,
      opaque: o.opaque,
    }
  }
  return undefined
}

export class TimerShard extends DurableObject<EdgeEnv> {
  /**
   * Every timer the shard holds, by id: its storage (one item per timer, `t:<id>`) read once
   * when the object starts, then kept in step with each write. A command costs one storage
   * write and no read, and the earliest due time is found here, not by a storage listing.
   */
  private timers = new Map<string, HeldTimer>()
  /** Timers whose callback is in flight: not due again until their pop has settled. */
  private readonly popping = new Set<string>()
  /**
   * When the shard's alarm is set for (null: none), as this object last set or read it; undefined
   * when it must be read again. An alarm is set only when the earliest due time changes.
   */
  private alarmAt: number | null | undefined

  constructor(ctx: DurableObjectState, env: EdgeEnv) {
    super(ctx, env)
    void ctx.blockConcurrencyWhile(async () => {
      const held = await ctx.storage.list<HeldTimer>({ prefix: 't:' })
      for (const t of held.values()) this.timers.set(t.id, t)
      this.alarmAt = await ctx.storage.getAlarm()
    })
  }

  private get storage() {
    return this.ctx.storage
  }

  override async fetch(request: Request): Promise<Response> {
    if (request.method === 'GET')
      return Response.json({ timers: this.timers.size, alarm: await this.storage.getAlarm() })
    const cmd = parseCommand(await request.json().catch(() => null))
    if (!cmd)
      return Response.json(
        { error: 'body must be a precise timer set or delete command' },
        { status: 400 }
      )
    // Generations only grow: a command about an older generation than the one held is late.
    const held = this.timers.get(cmd.id)
    const stale =
      held !== undefined && cmd.generation !== undefined && held.generation >= cmd.generation
    if (stale && (cmd.op === 'delete' || held.generation > cmd.generation))
      return Response.json({ ok: true, ignored: 'a newer generation is held' })
    const writes: Promise<unknown>[] = []
    if (cmd.op === 'set' && Math.floor(cmd.repeatForMs / cmd.intervalMs) > 0) {
      const now = Date.now()
      const timer: HeldTimer = {
        ...cmd,
        startMs: now,
        seq: 0,
        dueAt: now + cmd.intervalMs,
        attempt: 0,
      }
      this.timers.set(cmd.id, timer)
      writes.push(this.storage.put(timerKey(cmd.id), timer))
    } else if (held) {
      this.timers.delete(cmd.id)
      writes.push(this.storage.delete(timerKey(cmd.id)))
    }
    writes.push(this.syncAlarm())
    await Promise.all(writes)
    return Response.json({ ok: true })
  }

  /** The earliest due time of a timer not being popped; null when there is none. */
  private earliest(): number | null {
    let first: number | null = null
    for (const t of this.timers.values()) {
      if (this.popping.has(t.id)) continue
      const due = Math.floor(t.dueAt)
      if (first === null || due < first) first = due
    }
    return first
  }

  /** Keeps the alarm at the earliest due time: set, moved or deleted only when that changes. */
  private async syncAlarm(): Promise<void> {
    if (this.alarmAt === undefined) this.alarmAt = await this.storage.getAlarm()
    const due = this.earliest()
    if (due === this.alarmAt) return
    this.alarmAt = due
    if (due === null) await this.storage.deleteAlarm()
    else await this.storage.setAlarm(due)
  }

  override async alarm(): Promise<void> {
    // The runtime has cleared the alarm that fired; whatever runs meanwhile reads it again.
    this.alarmAt = undefined
    const now = Date.now()
    const due = [...this.timers.values()].filter((t) => t.dueAt <= now && !this.popping.has(t.id))
    await Promise.all(due.map((t) => this.pop(t).catch(() => undefined)))
    await this.syncAlarm()
  }

  private async pop(held: HeldTimer): Promise<void> {
    const id = held.id
    this.popping.add(id)
    let result: Awaited<ReturnType<typeof deliverPop>>
    try {
      const urls = JSON.parse(this.env.FUNCTION_URLS) as FunctionUrls
      const send = (uri: string) =>
        deliverPop({ uri, opaque: held.opaque, seq: held.seq, secret: this.env.HOP_SECRET })
      result = await send(held.callbackUri)
      if (!result.ok && result.error) {
        const alt = peerUri(held.callbackUri, urls)
        if (alt) result = await send(alt)
      }
    } finally {
      this.popping.delete(id)
    }
    // The timer may have been replaced or deleted while the callback ran.
    if (this.timers.get(id) !== held) return
    let next: HeldTimer | undefined
    if (!result.ok && held.attempt === 0) {
      next = { ...held, dueAt: Date.now() + RETRY_AFTER_MS, attempt: 1 }
    } else if (held.seq + 1 < Math.floor(held.repeatForMs / held.intervalMs)) {
      const seq = held.seq + 1
      next = { ...held, seq, attempt: 0, dueAt: held.startMs + (seq + 1) * held.intervalMs }
    }
    if (next) {
      this.timers.set(id, next)
      await this.storage.put(timerKey(id), next)
    } else {
      this.timers.delete(id)
      await this.storage.delete(timerKey(id))
    }
  }
}

/**
 * Edge route `POST /internal/timers/:shard` (and `GET` for a shard's size): checks the
 * trusted-zone signature, then hands the command to that shard's object.
 */
export async function timerShardRoute(c: Context<{ Bindings: EdgeEnv }>): Promise<Response> {
  const shard = c.req.param('shard') ?? ''
  if (!SHARD_RE.test(shard)) return c.json({ error: `no timer shard ${shard}` }, 404)
  const cfg = edgeConfig(c.env)
  const read = await readCappedBody(c.req.raw, cfg.maxInternalBodyBytes)
  if (!read.ok) return c.json({ error: 'body too large', limit: cfg.maxInternalBodyBytes }, 413)
  const body = read.bytes
  const v = await verifySignature(cfg.hopSecret, c.req.method, c.req.url, c.req.raw.headers, body)
  if (!v.ok) return c.json({ error: 'forbidden', reason: v.reason }, 401)
  const stub = c.env.TIMERS.get(c.env.TIMERS.idFromName(shard))
  return stub.fetch(`https://timer-shard/${shard}`, {
    method: c.req.method,
    headers: { 'content-type': 'application/json' },
    ...(c.req.method === 'POST' ? { body } : {}),
  })
}
