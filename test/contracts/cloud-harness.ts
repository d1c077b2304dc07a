/**
 * Builds the production Vellum adapters inside a test process, pointed at the local cloud's
 * emulators (the same SDK clients the functions build in clients.ts), on a clock that follows
 * the cloud's driven clock. Also a loopback callback server for timer pops that checks the
 * trusted-zone signature and records what it received.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { SchedulerClient } from '@aws-sdk/client-scheduler'
import type { Endpoints } from '../../infra/local/cloud'
import { timersArn } from '../../infra/local/contract'
import { SCHEDULER_GROUP } from '../../infra/local/function-bindings'
import type { Region } from '../../shared/config/regions'
import { verifySignature } from '../../shared/hop/signature'
import { createLogger, type Logger } from '../../shared/log/logger'
import { createRedis } from '../../shared/vellum/clients'
import { UpstashRegionalKv } from '../../shared/vellum/kv-upstash'
import { type KvCounters, newKvCounters } from '../../shared/vellum/regional-kv'
import { RoundTrips } from '../../shared/vellum/round-trips'
import { DynamoGlobalTable } from '../../shared/vellum/table-dynamo'
import { PreciseTierClient } from '../../shared/vellum/timer-precise-client'
import { TieredTimerService } from '../../shared/vellum/timers-tiered'

export const credentials = { accessKeyId: 'local', secretAccessKey: 'local' }
export const awsRegion = (r: Region) => `local-${r}`

/** A clock that reads the cloud's offset once and then follows the advances made through it. */
export class CloudClock {
  private offset = 0
  constructor(private readonly control: string) {}
  async sync(): Promise<this> {
    const res = await fetch(`${this.control}/clock`)
    this.offset = ((await res.json()) as { offsetMs: number }).offsetMs
    return this
  }
  now = (): number => Date.now() + this.offset
  /**
   * Moves the cloud's clock (and this one) forward. With `settle`, returns once both Schedulers
   * have fired what fell due and every invocation was answered (the pops have run).
   */
  async advance(ms: number, opts: { settle?: boolean } = {}): Promise<void> {
    const res = await fetch(`${this.control}/clock/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ms, ...(opts.settle ? { settle: true } : {}) }),
    })
    const body = (await res.json()) as { offsetMs: number; settled?: boolean }
    this.offset = body.offsetMs
    if (opts.settle && body.settled !== true)
      throw new Error('the Schedulers were still firing 30 s after the clock advance')
  }
  /** Local-only offset (for read-side TTL tests that must not move the whole cloud). */
  shift(ms: number): void {
    this.offset += ms
  }
}

export const quietLog: Logger = createLogger({ component: 'test' }, { level: 'error' })

export function dynamo(e: Endpoints): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: e.dynamodb,
    region: awsRegion('a'),
    credentials,
    maxAttempts: 1,
  })
}

export function table(e: Endpoints, clock: { now(): number }, rt = new RoundTrips()) {
  return new DynamoGlobalTable(dynamo(e), 'edgewater', clock, rt)
}

export const redis = (e: Endpoints, r: Region) => createRedis(e.kv[r].url, e.kv[r].token)

/** The KV as region `local` sees it: its database local, the other remote. */
export function kvFrom(
  e: Endpoints,
  local: Region,
  clock: { now(): number },
  opts: { rt?: RoundTrips; counters?: KvCounters; log?: Logger } = {}
) {
  const remote: Region = local === 'a' ? 'b' : 'a'
  const counters = opts.counters ?? newKvCounters()
  const kv = new UpstashRegionalKv(
    redis(e, local),
    redis(e, remote),
    clock,
    opts.log ?? quietLog,
    opts.rt ?? new RoundTrips(),
    counters,
    { callTimeoutMs: 1_500 }
  )
  return { kv, counters }
}

export function scheduler(e: Endpoints, r: Region): SchedulerClient {
  return new SchedulerClient({
    endpoint: e.scheduler[r],
    region: awsRegion(r),
    credentials,
    maxAttempts: 1,
  })
}

/** The tiered timer service as a function of region `local` builds it. */
export function timerService(
  e: Endpoints,
  local: Region,
  clock: { now(): number },
  rt = new RoundTrips(),
  opts: { primaryLeadMs?: number } = {}
) {
  const remote: Region = local === 'a' ? 'b' : 'a'
  return new TieredTimerService({
    table: table(e, clock, rt),
    local: {
      client: scheduler(e, local),
      kind: 'scheduler-local',
      targetArn: timersArn(local, awsRegion(local)),
    },
    remote: {
      client: scheduler(e, remote),
      kind: 'scheduler-remote',
      targetArn: timersArn(remote, awsRegion(remote)),
    },
    settings: {
      group: SCHEDULER_GROUP,
      roleArn: 'arn:aws:iam::000000000000:role/edgewater-scheduler',
    },
    precise: new PreciseTierClient(e.edges[local], e.hopSecret, rt),
    clock,
    log: quietLog,
    rt,
    region: local,
    ...opts,
  })
}

export interface ReceivedCallback {
  tag: string
  opaque: string
  seq: number
  at: number
  signed: boolean
}

/** A loopback HTTP server standing for a timer consumer (Sprout's /timers, Ralf…). */
export class CallbackServer {
  readonly received: ReceivedCallback[] = []
  private server: http.Server | undefined
  port = 0
  /** Status to answer per tag (default 200). */
  readonly status = new Map<string, number>()
  private readonly failures = new Map<string, number>()

  constructor(private readonly secret: string) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', async () => {
        const at = Date.now()
        const body = Buffer.concat(chunks)
        const headers = new Headers()
        for (const [k, v] of Object.entries(req.headers))
          if (typeof v === 'string') headers.set(k, v)
        const v = await verifySignature(
          this.secret,
          req.method ?? 'POST',
          // The signature names the address the sender used (shared/hop/signature.ts).
          `http://${req.headers.host}${req.url ?? '/'}`,
          headers,
          body
        )
        const tag = (req.url ?? '/').split('?')[0]!.slice(1)
        this.received.push({
          tag,
          opaque: body.toString('utf8'),
          seq: Number(req.headers['x-sequence-number']),
          at,
          signed: v.ok,
        })
        const failLeft = this.failures.get(tag) ?? 0
        if (failLeft > 0) this.failures.set(tag, failLeft - 1)
        const status = failLeft > 0 ? 500 : (this.status.get(tag) ?? 200)
        res.writeHead(v.ok ? status : 401).end()
      })
    })
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r))
    this.port = (this.server.address() as AddressInfo).port
    return this
  }

  /** Answers the next `n` callbacks for `tag` with 500. */
  failNext(tag: string, n: number): void {
    this.failures.set(tag, n)
  }

  uri(tag: string): string {
    return `http://127.0.0.1:${this.port}/${tag}`
  }

  for(tag: string): ReceivedCallback[] {
    return this.received.filter((r) => r.tag === tag)
  }

  /** Resolves once no callback has arrived for `quietMs` (or after `maxMs`). */
  async settle(quietMs = 1_000, maxMs = 15_000): Promise<void> {
    const end = Date.now() + maxMs
    let count = -1
    let since = Date.now()
    while (Date.now() < end) {
      if (this.received.length !== count) {
        count = this.received.length
        since = Date.now()
      } else if (Date.now() - since >= quietMs) return
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  close(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()))
  }
}
