/**
 * @module dime/ralf/ralf
 * Ralf's HTTP interface (clearwater-interfaces §7; ralf src/handlers.cpp): `POST /call-id/<id>`
 * with an ACR, `?timer-interim=true` when the interim timer popped (⚠ a query parameter, not
 * the path segment the docs show); 200 once charged, 400 naming the invalid field, 405 for
 * other methods. Plus Dime's CDR queries: `GET /cdrs?call-id=<id>` and
 * `GET /cdrs?impu=<served user>&from=<time>&to=<time>[&limit=&cursor=]` (times as ISO 8601 or
 * epoch milliseconds; `to` defaults to now, `from` to 24 hours before `to`).
 */
import { Hono } from 'hono'
import type { FunctionBindings } from '../../../shared/http/function-app'
import { StoreError, Unavailable } from '../../../shared/vellum/errors'
import { SEQUENCE_HEADER } from '../../../shared/vellum/timer-service'
import type { DepsResolver, DimeContext } from '../dime-deps'
import { dimeErrorHandler, ralf } from '../dime-services'
import { errorResponse, pathParam, resource } from '../http-util'
import type { CdrPage } from './cdr-store'

const DAY_MS = 24 * 3600 * 1000

function parseTime(v: string | undefined, name: string): number | string | undefined {
  if (v === undefined || v === '') return undefined
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v)
  return Number.isFinite(n)
    ? n
    : `${name}: must be an ISO 8601 time or epoch milliseconds, got "${v}"`
}

function parseLimit(v: string | undefined): number | string {
  if (v === undefined || v === '') return 100
  const n = Number(v)
  return Number.isInteger(n) && n >= 1 && n <= 1000
    ? n
    : `limit: must be an integer from 1 to 1000, got "${v}"`
}

/**
 * Answers one page of CDRs. A `cursor` the table does not recognise (not one a previous page
 * issued) is the caller's mistake: 400, not the store's failure.
 */
async function page(
  c: DimeContext,
  cursor: string | undefined,
  read: () => Promise<CdrPage>
): Promise<Response> {
  try {
    return c.json(await read())
  } catch (err) {
    if (cursor && err instanceof StoreError && !(err instanceof Unavailable))
      return errorResponse(c, 400, 'cursor: not one a previous page of this query gave')
    throw err
  }
}

export function ralfApp(resolve: DepsResolver): Hono<FunctionBindings> {
  const app = new Hono<FunctionBindings>()
  app.onError(dimeErrorHandler)

  resource(app, '/call-id/:callId', {
    post: async (c) => {
      const d = resolve(c)
      const seqHeader = c.req.header(SEQUENCE_HEADER)
      const seq = seqHeader !== undefined && /^\d+$/.test(seqHeader) ? Number(seqHeader) : undefined
      const out = await ralf(d).service.handle(
        pathParam(c, 'callId'),
        await c.req.text(),
        c.req.query('timer-interim') === 'true',
        seq
      )
      if (out.status === 400) return errorResponse(c, 400, out.reason)
      return c.json({
        result: out.note,
        ...(out.cdr ? { accounting_record_number: out.cdr.accounting_record_number } : {}),
      })
    },
  })

  resource(app, '/cdrs', {
    get: async (c: DimeContext) => {
      const d = resolve(c)
      const limit = parseLimit(c.req.query('limit'))
      if (typeof limit === 'string') return errorResponse(c, 400, limit)
      const cursor = c.req.query('cursor') || undefined
      const callId = c.req.query('call-id')
      const impu = c.req.query('impu')
      if (callId && impu) return errorResponse(c, 400, 'give call-id or impu, not both')
      const { cdrs } = ralf(d)
      if (callId) return page(c, cursor, () => cdrs.byCallId(callId, limit, cursor))
      if (!impu) return errorResponse(c, 400, 'call-id or impu is required')
      const to = parseTime(c.req.query('to'), 'to') ?? d.clock.now()
      if (typeof to === 'string') return errorResponse(c, 400, to)
      const from = parseTime(c.req.query('from'), 'from') ?? to - DAY_MS
      if (typeof from === 'string') return errorResponse(c, 400, from)
      if (from > to) return errorResponse(c, 400, 'from: must not be after to')
      return page(c, cursor, () => cdrs.byUser(impu, from, to, limit, cursor))
    },
  })

  return app
}
