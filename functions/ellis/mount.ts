/**
 * @module ellis/mount
 * Puts Ellis on a function app. Everything public lives under `/api` — the same paths behind the
 * edge (which forwards `/api/*` unchanged) and on the function's own URL (a Lambda function URL
 * or the local region port) — and every API answer names the region that served it
 * (`x-edgewater-served-by`). Before a route runs, the request's body is read (size-limited) and
 * its trusted-zone signature checked (request-context.ts); browser-form mode wraps the answer;
 * errors become Clearwater's JSON error body (a store outage is 503, never a stack trace).
 * After the answer, shards are moved home when due (shard-owner.ts). `/internal/*` holds the
 * signed routes the other region calls.
 */
import { ConfigError } from '../../shared/config/function-env'
import type { FunctionApp } from '../../shared/http/function-app'
import { StoreError, Unavailable } from '../../shared/vellum'
import { EllisError, errorResponse } from './api-errors'
import type { DepsResolver } from './ellis-deps'
import { buildServices } from './ellis-services'
import { formMode } from './form-mode'
import { opsRoutes } from './ops/ops-routes'
import { requestMeta, SERVED_BY_HEADER } from './request-context'
import { RouteTable } from './routes/route-kit'
import { accountRoutes } from './routes/routes-accounts'
import { adminRoutes, documentationRoutes } from './routes/routes-admin'
import { callListRoutes } from './routes/routes-call-list'
import { iceRoutes } from './routes/routes-ice'
import { internalRoutes } from './routes/routes-internal'
import { numberRoutes } from './routes/routes-numbers'
import { sessionRoutes } from './routes/routes-session'
import { settingsRoutes } from './routes/routes-settings'
import { rebalance, rebalanceDue } from './shard-owner'

export function mountEllis(app: FunctionApp, resolve: DepsResolver): FunctionApp {
  app.route('/', internalRoutes(resolve))
  // Call traces for operators: /ops (page and API) and the edge's /internal/traces.
  app.route('/', opsRoutes(resolve))

  const t = new RouteTable(resolve)
  t.app.use('/api/*', async (c, next) => {
    const deps = resolve(c)
    await requestMeta(c, deps.config.hopSecret)
    await next()
    try {
      c.res.headers.set(SERVED_BY_HEADER, `ellis-${deps.config.region}`)
    } catch {
      c.res = new Response(c.res.body, c.res)
      c.res.headers.set(SERVED_BY_HEADER, `ellis-${deps.config.region}`)
    }
    if (rebalanceDue(deps.isolate, deps.clock.now())) {
      const s = buildServices(deps, undefined)
      deps.background(
        rebalance(s.shards, s.peer, deps.config.region, deps.config.peer, deps.log).catch((err) =>
          deps.log.warn('shard rebalance failed', { error: err })
        )
      )
    }
  })
  t.app.use('/api/*', formMode())
  t.app.onError((err, c) => {
    if (err instanceof EllisError) return errorResponse(err)
    const log = c.get('services')?.log
    if (err instanceof ConfigError) {
      log?.error('configuration error', { error: err.message })
      return errorResponse(new EllisError(500, 'Ellis is misconfigured'))
    }
    if (err instanceof Unavailable) {
      log?.warn('store unavailable', { error: err, path: c.req.path })
      return errorResponse(
        new EllisError(503, 'a store is unavailable; retry shortly', {}, { 'retry-after': '1' })
      )
    }
    log?.error('unhandled error', {
      error: err,
      kind: err instanceof StoreError ? err.name : undefined,
      path: c.req.path,
    })
    return errorResponse(new EllisError(500, 'internal error'))
  })

  accountRoutes(t)
  sessionRoutes(t)
  numberRoutes(t)
  settingsRoutes(t)
  callListRoutes(t)
  iceRoutes(t)
  adminRoutes(t)
  documentationRoutes(t.app)
  app.route('/', t.finish())
  return app
}
