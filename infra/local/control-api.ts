/**
 * @module control-api
 * The local cloud's control API on 127.0.0.1:8790 (`LOCAL_CONTROL_PORT`):
 * - `GET /regions`: state of each region; `POST /regions/{a|b}/down` and `/up` take a region's
 *   functions, KV and Scheduler down (connections reset, as a failed AWS region) and back.
 * - `GET /clock`, `POST /clock/advance` `{"ms": n, "settle"?: true}`: the shared adjustable
 *   clock. With `settle` the answer waits (up to 30 s) until both Schedulers have fired what
 *   became due and had every invocation answered; `settled: false` says the wait ran out.
 * - `POST /scheduler/spread` `{"enabled": bool}`: model EventBridge's 60 s firing spread.
 * - `GET /scheduler/{a|b}/invocations`: what each fake Scheduler has fired.
 * - `POST /scheduler/targets` `{"arn", "url"}`: map one more target ARN to a loopback URL
 *   (for tests that need a schedule target of their own).
 * - `GET /endpoints`: every URL and dev secret of this cloud (what `npm start` prints).
 * - `GET /counters`: operations counted per region since the last reset (KV commands as Upstash
 *   bills them, table operations and units, Scheduler API calls, function invocations, requests
 *   to the edge; see counters); `POST /counters/reset` starts a new window.
 * - `GET /metrics`: every component's metrics of both regions, summed, as Prometheus text;
 *   `GET /metrics.json` the same as JSON (metrics-scrape.ts).
 * - `POST /partition`: both regions keep running but every path between them is cut (table
 *   replication, KV dual-writes and cross-region reads, cross-region function calls, each
 *   Scheduler's calls from and invocations into the other region); `POST /heal` restores them.
 * - `GET /replication`: the table model (`mrec` or `mrsc`), the lag setting, whether the regions
 *   are partitioned and, under `mrec`, the backlog (items pending per direction, oldest age).
 * - `POST /replication` `{"lagMs": n, "jitterMs"?: n}`: the replication lag (`mrec` only).
 * - `POST /replication/ttl-sweep` `{"region"?: "a"|"b"}`: runs the replicas' TTL processes now
 *   (both, or one region's; `mrec` only).
 */
import type http from 'node:http'
import { z } from 'zod'
import { isRegion, type Region } from '../../shared/config/regions'
import { PROMETHEUS_CONTENT_TYPE, toPrometheus } from '../../shared/metrics/prometheus'
import type { MetricsSnapshot } from '../../shared/metrics/snapshot'
import { readBody, SwitchableServer, sendJson } from './emulators/switchable-server'

export interface ControlTarget {
  regionState(): Record<Region, { up: boolean }>
  setRegionUp(region: Region, up: boolean): void
  setPartitioned(on: boolean): void
  replication(): unknown
  /** False when the table model has no replication (`mrsc`). */
  setReplicationLag(lagMs: number, jitterMs?: number): boolean
  /** Items the TTL processes deleted. */
  sweepExpired(region?: Region): Promise<number>
  clockNow(): number
  clockOffset(): number
  /** Moves the clock; done once the edges have the new offset too (edge-clock.ts). */
  advanceClock(ms: number): void | Promise<void>
  /** True once both Schedulers have nothing due unfired and nothing in flight (false: timed out). */
  schedulersIdle(maxMs: number): Promise<boolean>
  setSchedulerSpread(enabled: boolean): void
  invocations(region: Region): unknown[]
  mapTarget(arn: string, url: string): void
  endpoints(): unknown
  counters(): Promise<unknown>
  /** Every component's metrics, summed (metrics-scrape.ts). */
  metrics(): Promise<MetricsSnapshot>
  resetCounters(): Promise<void>
}

/** Longest a settling clock advance waits for the Schedulers' invocations. */
const SETTLE_MAX_MS = 30_000

export function createControlApi(target: ControlTarget): SwitchableServer {
  return new SwitchableServer(
    'control',
    async (req: http.IncomingMessage, res: http.ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://control.local')
      const parts = url.pathname.split('/').filter(Boolean)
      const method = req.method ?? 'GET'
      const clock = () => ({ now: target.clockNow(), offsetMs: target.clockOffset() })

      if (method === 'GET' && url.pathname === '/healthz') return sendJson(res, 200, { ok: true })
      if (method === 'GET' && url.pathname === '/endpoints')
        return sendJson(res, 200, target.endpoints())
      if (method === 'GET' && url.pathname === '/regions')
        return sendJson(res, 200, target.regionState())
      if (parts[0] === 'regions' && parts.length === 3 && method === 'POST') {
        const [, region, action] = parts
        if (!isRegion(region))
          return sendJson(res, 404, { error: `no region ${region}; regions are a and b` })
        if (action !== 'down' && action !== 'up')
          return sendJson(res, 404, { error: 'use /down or /up' })
        target.setRegionUp(region, action === 'up')
        return sendJson(res, 200, target.regionState())
      }
      if (method === 'POST' && (url.pathname === '/partition' || url.pathname === '/heal')) {
        target.setPartitioned(url.pathname === '/partition')
        return sendJson(res, 200, target.replication())
      }
      if (method === 'GET' && url.pathname === '/replication')
        return sendJson(res, 200, target.replication())
      if (method === 'POST' && url.pathname === '/replication') {
        const body = LagBody.safeParse(await jsonBody(req))
        if (!body.success)
          return sendJson(res, 400, {
            error: `body must be {"lagMs": 0–${MAX_LAG_MS}, "jitterMs"?: 0–${MAX_LAG_MS}}`,
          })
        if (!target.setReplicationLag(body.data.lagMs, body.data.jitterMs))
          return sendJson(res, 409, { error: 'the table model is mrsc: nothing replicates' })
        return sendJson(res, 200, target.replication())
      }
      if (method === 'POST' && url.pathname === '/replication/ttl-sweep') {
        const body = SweepBody.safeParse((await jsonBody(req)) ?? {})
        if (!body.success)
          return sendJson(res, 400, { error: 'body must be {} or {"region": "a"|"b"}' })
        return sendJson(res, 200, { deleted: await target.sweepExpired(body.data.region) })
      }
      if (method === 'GET' && url.pathname === '/metrics') {
        res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE })
        res.end(toPrometheus(await target.metrics()))
        return
      }
      if (method === 'GET' && url.pathname === '/metrics.json')
        return sendJson(res, 200, await target.metrics())
      if (method === 'GET' && url.pathname === '/counters')
        return sendJson(res, 200, await target.counters())
      if (method === 'POST' && url.pathname === '/counters/reset') {
        await target.resetCounters()
        return sendJson(res, 200, await target.counters())
      }
      if (method === 'GET' && url.pathname === '/clock') return sendJson(res, 200, clock())
      if (method === 'POST' && url.pathname === '/clock/advance') {
        const body = await jsonBody(req)
        const ms = Number(body?.ms)
        if (!Number.isFinite(ms) || ms < 0)
          return sendJson(res, 400, { error: 'body must be {"ms": <non-negative number>}' })
        if (body?.settle !== undefined && typeof body.settle !== 'boolean')
          return sendJson(res, 400, { error: '"settle" must be true or false' })
        await target.advanceClock(ms)
        if (body?.settle !== true) return sendJson(res, 200, clock())
        const settled = await target.schedulersIdle(SETTLE_MAX_MS)
        return sendJson(res, 200, { ...clock(), settled })
      }
      if (method === 'POST' && url.pathname === '/scheduler/spread') {
        const body = await jsonBody(req)
        if (typeof body?.enabled !== 'boolean')
          return sendJson(res, 400, { error: 'body must be {"enabled": true|false}' })
        target.setSchedulerSpread(body.enabled)
        return sendJson(res, 200, { spread: body.enabled })
      }
      if (method === 'POST' && url.pathname === '/scheduler/targets') {
        const body = await jsonBody(req)
        const arn = body?.arn
        const to = body?.url
        if (
          typeof arn !== 'string' ||
          !arn.startsWith('arn:') ||
          typeof to !== 'string' ||
          !/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(to)
        ) {
          return sendJson(res, 400, {
            error: 'body must be {"arn": "arn:…", "url": "http://127.0.0.1:…"}',
          })
        }
        target.mapTarget(arn, to)
        return sendJson(res, 200, { arn, url: to })
      }
      if (
        method === 'GET' &&
        parts[0] === 'scheduler' &&
        parts[2] === 'invocations' &&
        isRegion(parts[1])
      ) {
        return sendJson(res, 200, target.invocations(parts[1]))
      }
      return sendJson(res, 404, { error: `no route ${method} ${url.pathname}` })
    }
  )
}

/** Longest replication lag the control API accepts (an hour). */
export const MAX_LAG_MS = 3_600_000
const LagBody = z.object({
  lagMs: z.number().int().min(0).max(MAX_LAG_MS),
  jitterMs: z.number().int().min(0).max(MAX_LAG_MS).optional(),
})

const SweepBody = z.object({ region: z.enum(['a', 'b']).optional() })

async function jsonBody(req: http.IncomingMessage): Promise<Record<string, unknown> | undefined> {
  try {
    const v = JSON.parse((await readBody(req, 64 * 1024)).toString('utf8') || '{}')
    return typeof v === 'object' && v ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
