/**
 * @module upstash-adapter
 * The Upstash Redis REST protocol in front of a real `redis-server`, so `@upstash/redis` runs
 * unmodified against the local cloud (protocol: environment-notes §4).
 *
 * - `POST /` with `["CMD", ...args]` → `{"result": …}`; a Redis error → HTTP 400 `{"error": …}`.
 * - `POST /pipeline` with `[[…], […]]` → `[{"result"}|{"error"}, …]`, HTTP 200.
 * - `POST /multi-exec` → the same shape; the commands run inside MULTI/EXEC on one connection,
 *   and a command refused at queue time aborts the transaction with HTTP 400.
 * - `Authorization: Bearer <token>` is required (401 otherwise).
 * - With `Upstash-Encoding: base64` every string in a result is base64 (a simple `OK` stays as
 *   is, as the client expects); numbers, nulls and error texts are never encoded.
 * - The other region's functions present their own token (`peerToken`), so that a partition
 *   (`peerCut`) can cut their dual-writes and reads only: their connections are reset, as across
 *   a failed network path, while this region's own functions carry on.
 *
 * It is served by lean-http.ts rather than `node:http`: one request per KV round trip of every
 * function makes it the local cloud's busiest server, and its answers are small JSON bodies.
 */
import { diffCounts, parseCommandStats, Tally, view } from '../counters'
import { LeanHttpServer, type LeanRequest, type LeanResponse } from './lean-http'
import { RespConnection, RespError, type RespValue, SimpleString } from './resp-connection'

export interface UpstashAdapterOptions {
  name: string
  redisPort: number
  token: string
  /** The token the other region's functions use for this database. */
  peerToken?: string
}

export class UpstashAdapter {
  readonly http: LeanHttpServer
  private conn: RespConnection | undefined
  private connecting: Promise<RespConnection> | undefined
  /** REST requests served since the last {@link resetCounters}. */
  served = 0
  /** Commands as sent over REST (a script is one EVAL here; see {@link commands} for billing). */
  readonly rest = new Tally()
  private baseline: Record<string, number> = {}

  private readonly bearer: string
  private readonly peerBearer: string | undefined
  /** While set, the other region's requests are cut (connection reset). */
  peerCut = false

  constructor(private readonly opts: UpstashAdapterOptions) {
    this.bearer = `Bearer ${opts.token}`
    this.peerBearer = opts.peerToken ? `Bearer ${opts.peerToken}` : undefined
    this.http = new LeanHttpServer(opts.name, (req) => this.handle(req))
  }

  private async connection(): Promise<RespConnection> {
    if (this.conn?.isOpen) return this.conn
    this.connecting ??= RespConnection.connect(this.opts.redisPort).finally(() => {
      this.connecting = undefined
    })
    this.conn = await this.connecting
    return this.conn
  }

  /** Redis's own calls per command since the server started (`INFO commandstats`). */
  private async commandStats(): Promise<Record<string, number>> {
    const [reply] = await (await this.connection()).send([['INFO', 'commandstats']])
    return parseCommandStats(Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply))
  }

  /** Starts a new counting window. */
  async resetCounters(): Promise<void> {
    this.served = 0
    this.rest.reset()
    this.baseline = await this.commandStats()
  }

  /**
   * Billed commands since the last reset: every command redis-server ran for this adapter, those
   * inside pipelines, MULTI/EXEC and scripts included, plus each EVAL itself (as Upstash bills).
   */
  async counters() {
    const by = diffCounts(await this.commandStats(), this.baseline)
    return {
      commands: { total: Object.values(by).reduce((a, b) => a + b, 0), by },
      requests: this.served,
      rest: view(this.rest),
    }
  }

  private async handle(req: LeanRequest): Promise<LeanResponse | 'reset'> {
    if (req.method !== 'POST') return json(405, { error: 'only POST is supported' })
    const auth = req.headers.get('authorization')
    if (auth !== this.bearer) {
      const peer = this.peerBearer !== undefined && auth === this.peerBearer
      if (!peer) return json(401, { error: 'Unauthorized' })
      if (this.peerCut) return 'reset'
    }
    const base64 = req.headers.get('upstash-encoding')?.toLowerCase() === 'base64'
    let body: unknown
    try {
      body = JSON.parse(req.body.toString('utf8'))
    } catch {
      return json(400, { error: 'ERR request body is not valid JSON' })
    }
    const url = req.url
    const q = url.indexOf('?')
    const path = q < 0 ? url : url.slice(0, q)
    this.served++
    const conn = this.conn?.isOpen ? this.conn : await this.connection()
    if (path === '/' || path === '') {
      const cmd = toCommand(body)
      if (!cmd) return json(400, { error: 'ERR body must be a JSON array of arguments' })
      this.rest.add(cmd[0]!.toUpperCase())
      const [reply] = await conn.send([cmd])
      if (reply instanceof RespError) return json(400, { error: reply.message })
      return json(200, { result: encode(reply ?? null, base64) })
    }
    if (path === '/pipeline' || path === '/multi-exec') {
      if (!Array.isArray(body) || body.length === 0) {
        return json(400, { error: 'ERR body must be a non-empty array of commands' })
      }
      const commands: string[][] = []
      for (const c of body) {
        const cmd = toCommand(c)
        if (!cmd) return json(400, { error: 'ERR every command must be an array of arguments' })
        commands.push(cmd)
      }
      for (const c of commands) this.rest.add(c[0]!.toUpperCase())
      if (path === '/pipeline') {
        const replies = await conn.send(commands)
        return json(
          200,
          replies.map((r) => entry(r, base64))
        )
      }
      commands.unshift(MULTI)
      commands.push(EXEC)
      const replies = await conn.send(commands)
      const queued = replies.slice(1, -1)
      const queueError = queued.find((r) => r instanceof RespError) as RespError | undefined
      const exec = replies[replies.length - 1]
      if (queueError) return json(400, { error: queueError.message })
      if (exec instanceof RespError) return json(400, { error: exec.message })
      const results = Array.isArray(exec) ? exec : []
      return json(
        200,
        results.map((r) => entry(r, base64))
      )
    }
    return json(404, { error: `ERR unknown path ${path}` })
  }
}

/** A JSON answer. */
const json = (status: number, body: unknown): LeanResponse => ({
  status,
  body: JSON.stringify(body),
})

const MULTI = ['MULTI']
const EXEC = ['EXEC']

/** A REST command as RESP arguments: strings as they are, numbers as text, objects as JSON. */
function toCommand(v: unknown): string[] | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined
  for (let i = 0; i < v.length; i++) {
    const a: unknown = v[i]
    if (typeof a !== 'string') v[i] = typeof a === 'object' ? JSON.stringify(a) : String(a)
  }
  return v as string[]
}

function entry(
  r: RespValue | SimpleString,
  base64: boolean
): { result: unknown } | { error: string } {
  return r instanceof RespError ? { error: r.message } : { result: encode(r, base64) }
}

function encode(v: RespValue | SimpleString, base64: boolean): unknown {
  if (v instanceof SimpleString) {
    return base64 && v.value !== 'OK' ? Buffer.from(v.value).toString('base64') : v.value
  }
  if (v === null || typeof v === 'number') return v
  if (v instanceof RespError) return v.message
  if (Buffer.isBuffer(v)) return v.toString(base64 ? 'base64' : 'utf8')
  if (typeof v === 'string') return base64 ? Buffer.from(v).toString('base64') : v
  return v.map((x) => encode(x, base64))
}
