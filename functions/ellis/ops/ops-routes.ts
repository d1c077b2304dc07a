/**
 * @module ellis/ops/ops-routes
 * The operator surface of call traces (docs/operations.md#traces), reached through the edge at
 * `/ops` (edge/worker.ts) or on Ellis's own URL:
 *
 * | route                                  | what                                                   |
 * | -------------------------------------- | ------------------------------------------------------ |
 * | `GET /ops`                             | the ops page (login form until logged in)              |
 * | `POST /ops/login`, `POST /ops/logout`  | operator session from the API key (form or JSON)       |
 * | `GET /ops/api/traces/:callId`          | a call's records and its ladder                        |
 * | `GET /ops/api/traces?impu=&since=&until=` | calls of an IMPU in a time range (`since` `1h`, `30m`, `2d` or epoch ms; default 1 h) |
 * | `GET /ops/api/flags`                   | the IMPUs on full tracing                              |
 * | `PUT /ops/api/flags/:impu` `{"hours":N}` | full tracing for an IMPU for N hours (default 24, at most 168) |
 * | `DELETE /ops/api/flags/:impu`          | back to sampling                                       |
 * | `POST /internal/traces` (signed)       | the edge's trace records, written in one operation     |
 *
 * Everything under `/ops/api` needs the `NGV-API-Key` header or the ops cookie of a live session
 * (ops-auth.ts); a logout ends the session for every copy of its cookie; bad input gets 400 with
 * the reason.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import type { FunctionBindings } from '../../../shared/http/function-app'
import { exportSpans } from '../../../shared/http/otlp-export'
import { trustedZone } from '../../../shared/http/trusted-zone'
import { layoutLadder } from '../../../shared/trace/ladder'
import { traceConfig } from '../../../shared/trace/trace-config'
import { traceRecordSchema } from '../../../shared/trace/trace-record'
import { TableTraceStore } from '../../../shared/vellum/trace-store'
import { EllisError, errorResponse } from '../api-errors'
import type { DepsResolver, EllisContext } from '../ellis-deps'
import { checkOpsLoginAllowed, recordOpsLoginFailure } from '../rate-limit'
import { requestMeta } from '../request-context'
import { secretsEqual } from '../secrets'
import {
  endOpsSession,
  isOperator,
  OPS_COOKIE,
  OPS_SESSION_S,
  opsCookieHeader,
  readOpsCookie,
  startOpsSession,
} from './ops-auth'
import { announceFlags } from './ops-flags'
import { mountOpsMetrics } from './ops-metrics'
import { opsPage } from './ops-page'

/** Most records one intake request may carry (a flow's batch is a handful). */
export const MAX_INTAKE_RECORDS = 200
const MAX_FLAG_HOURS = 168

const IntakeBody = z.object({ records: z.array(traceRecordSchema).min(1).max(MAX_INTAKE_RECORDS) })
const FlagBody = z.object({ hours: z.number().positive().max(MAX_FLAG_HOURS).default(24) })
const Impu = z
  .string()
  .min(5)
  .max(256)
  .regex(/^(sip:[^@\s]+@[^\s;?]+|tel:\+?[0-9*#.()-]+)$/, 'an IMPU such as sip:alice@example.com')
const DURATION = /^(\d{1,6})(s|m|h|d)$/
const UNIT = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** `1h`, `30m`, `2d`, `90s` back from `now`, or epoch ms; undefined when neither. */
export function parseSince(value: string, now: number): number | undefined {
  const d = DURATION.exec(value)
  if (d) return now - Number(d[1]) * UNIT[d[2] as keyof typeof UNIT]
  return /^\d{10,16}$/.test(value) ? Number(value) : undefined
}

function bad(c: EllisContext, reason: string) {
  return c.json({ error: 'bad request', reason }, 400)
}

export function opsRoutes(resolve: DepsResolver): Hono<FunctionBindings> {
  const app = new Hono<FunctionBindings>()
  // A refused source (429) and a session store that is down (503) answer with their reason.
  app.onError((err) => {
    if (err instanceof EllisError) return errorResponse(err)
    throw err
  })
  const store = (c: EllisContext) => {
    const d = resolve(c)
    return new TableTraceStore(d.table, d.clock)
  }

  app.post('/internal/traces', trustedZone(), async (c) => {
    const deps = resolve(c)
    let raw: unknown
    try {
      raw = await c.req.json()
    } catch {
      return bad(c, '(body): is not valid JSON')
    }
    const parsed = IntakeBody.safeParse(raw)
    if (!parsed.success)
      return bad(c, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '))
    const cfg = traceConfig((c.env ?? {}) as Record<string, unknown>)
    await store(c).write(parsed.data.records, cfg.ttlSeconds)
    if (cfg.otlpUrl)
      deps.background(exportSpans(cfg.otlpUrl, parsed.data.records, deps.fetch, deps.log))
    return c.json({ written: parsed.data.records.length })
  })

  app.get('/ops', async (c) => {
    const d = resolve(c)
    const operator = await isOperator(c, d)
    return c.html(opsPage({ operator, failed: c.req.query('login') === 'failed' }), 200, {
      'cache-control': 'no-store',
      'content-security-policy':
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'",
    })
  })

  app.post('/ops/login', async (c) => {
    const d = resolve(c)
    const meta = await requestMeta(c, d.config.hopSecret)
    // Wrong keys are limited per source, checked before the key is (as signup codes are).
    try {
      await checkOpsLoginAllowed(d.kv, d.log, d.throttle, meta.clientId)
    } catch (err) {
      if (err instanceof EllisError) return errorResponse(err)
      throw err
    }
    const text = new TextDecoder().decode(meta.body)
    const json = (c.req.header('content-type') ?? '').includes('json')
    let key: string | undefined
    try {
      key = json
        ? (JSON.parse(text) as { api_key?: string }).api_key
        : (new URLSearchParams(text).get('api_key') ?? undefined)
    } catch {
      key = undefined
    }
    const ok = typeof key === 'string' && (await secretsEqual(key, d.config.apiKey))
    if (!ok) {
      await recordOpsLoginFailure(d.kv, d.log, meta.clientId)
      d.log.warn('ops login refused', { client: meta.clientId })
      return json ? c.json({ error: 'forbidden' }, 403) : c.redirect('/ops?login=failed', 303)
    }
    const token = await startOpsSession(d.kv, d.config.cookieSecret[0], d.clock.now())
    c.header('set-cookie', opsCookieHeader(token, meta.secure, OPS_SESSION_S))
    return json ? c.json({ ok: true }) : c.redirect('/ops', 303)
  })

  // The session ends for every copy of the cookie, not only the browser's (ops-auth.ts).
  app.post('/ops/logout', async (c) => {
    const d = resolve(c)
    await endOpsSession(
      d.kv,
      d.config.cookieSecret,
      readOpsCookie(c.req.header('cookie')),
      d.clock.now()
    )
    c.header('set-cookie', `${OPS_COOKIE}=; Path=/ops; HttpOnly; SameSite=Strict; Max-Age=0`)
    return c.redirect('/ops', 303)
  })

  app.use('/ops/api/*', async (c, next) => {
    const d = resolve(c)
    if (!(await isOperator(c, d)))
      return c.json({ error: 'forbidden', reason: 'operator login or NGV-API-Key needed' }, 403)
    await next()
  })

  app.get('/ops/api/traces/:callId', async (c) => {
    const callId = c.req.param('callId')
    if (callId.length === 0 || callId.length > 512) return bad(c, 'callId: 1 to 512 characters')
    const records = await store(c).byCallId(callId)
    if (records.length === 0) return c.json({ error: 'not found', callId }, 404)
    return c.json({
      callId,
      traceIds: [...new Set(records.map((r) => r.traceId))],
      records,
      ladder: layoutLadder(records),
    })
  })

  app.get('/ops/api/traces', async (c) => {
    const now = resolve(c).clock.now()
    const impu = Impu.safeParse(c.req.query('impu') ?? '')
    if (!impu.success) return bad(c, `impu: ${impu.error.issues[0]?.message}`)
    const since = parseSince(c.req.query('since') ?? '1h', now)
    if (since === undefined) return bad(c, 'since: a duration (1h, 30m, 2d) or epoch milliseconds')
    const untilRaw = c.req.query('until')
    const until = untilRaw === undefined ? now : Number(untilRaw)
    if (!Number.isFinite(until) || until < since) return bad(c, 'until: epoch ms after since')
    const calls = await store(c).byImpu(impu.data, since, until)
    return c.json({ impu: impu.data, since, until, calls })
  })

  app.get('/ops/api/flags', async (c) => c.json({ flags: await store(c).flags() }))

  app.put('/ops/api/flags/:impu', async (c) => {
    const d = resolve(c)
    const impu = Impu.safeParse(c.req.param('impu'))
    if (!impu.success) return bad(c, `impu: ${impu.error.issues[0]?.message}`)
    let raw: unknown = {}
    const text = await c.req.text()
    if (text.trim()) {
      try {
        raw = JSON.parse(text)
      } catch {
        return bad(c, '(body): is not valid JSON')
      }
    }
    const body = FlagBody.safeParse(raw)
    if (!body.success) return bad(c, `hours: ${body.error.issues[0]?.message}`)
    const until = d.clock.now() + body.data.hours * 3_600_000
    await store(c).setFlag(impu.data, until)
    const told = await announceFlags(d.fetch, d.config.hopSecret, d.config.functionUrls)
    return c.json({ impu: impu.data, until, announced: told })
  })

  app.delete('/ops/api/flags/:impu', async (c) => {
    const d = resolve(c)
    const impu = Impu.safeParse(c.req.param('impu'))
    if (!impu.success) return bad(c, `impu: ${impu.error.issues[0]?.message}`)
    await store(c).clearFlag(impu.data)
    const told = await announceFlags(d.fetch, d.config.hopSecret, d.config.functionUrls)
    return c.json({ impu: impu.data, cleared: true, announced: told })
  })

  // The metrics dashboard and its JSON (ops-metrics.ts), behind the same operator check.
  mountOpsMetrics(app, resolve)
  return app
}
