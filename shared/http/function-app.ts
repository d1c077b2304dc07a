/**
 * @module function-app
 * The composition root every function shares: a hono app whose middleware parses the
 * configuration once, builds the store clients once per isolate, picks the clock (real, or the
 * local cloud's shifted one) and a logger, and puts them on the context. Handlers only
 * `c.get('services')`. `/healthz` reports store reachability; `/metrics` (signed) the isolate's
 * metrics (metrics-route.ts); errors become JSON without stacks.
 */
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { CLOCK_OFFSET_HEADER, type Clock, offsetClock, systemClock } from '../config/clock'
import {
  ConfigError,
  type FunctionEnv,
  parseFunctionEnv,
  type RawEnv,
} from '../config/function-env'
import type { FunctionName } from '../config/regions'
import { createLogger, type Logger } from '../log/logger'
import { createStoreClients, type StoreClients } from '../vellum/clients'
import { checkStores } from '../vellum/health'
import { metricsResponse, watchKvCounters } from './metrics-route'

export interface Services {
  /** Which function this is (its trusted-zone address is `FUNCTION_URLS[REGION][self]`). */
  self: FunctionName
  env: FunctionEnv
  clock: Clock
  log: Logger
  stores: StoreClients
}

export type FunctionBindings = { Bindings: RawEnv; Variables: { services: Services } }
export type FunctionApp = Hono<FunctionBindings>

const storeCache = new WeakMap<FunctionEnv, StoreClients>()

function storesFor(env: FunctionEnv): StoreClients {
  let s = storeCache.get(env)
  if (!s) {
    s = createStoreClients(env)
    storeCache.set(env, s)
  }
  return s
}

export function createFunctionApp(name: FunctionName): FunctionApp {
  const app = new Hono<FunctionBindings>()

  app.use(async (c, next) => {
    const env = parseFunctionEnv(c.env ?? {})
    const stores = storesFor(env)
    watchKvCounters(stores)
    const offset =
      env.TRUST_CLOCK_HEADER === '1' ? Number(c.req.header(CLOCK_OFFSET_HEADER) ?? 0) : 0
    c.set('services', {
      self: name,
      env,
      clock: Number.isFinite(offset) && offset !== 0 ? offsetClock(offset) : systemClock,
      log: createLogger({ component: name, region: env.REGION }, { level: env.LOG_LEVEL }),
      stores,
    })
    await next()
  })

  app.get('/healthz', async (c) => {
    const { env, stores } = c.get('services')
    const report = await checkStores(stores)
    return c.json({ function: name, region: env.REGION, ...report }, report.ok ? 200 : 503)
  })

  // This isolate's metrics, signed (docs/operations.md#metrics).
  app.get('/metrics', (c) => {
    const { env } = c.get('services')
    return metricsResponse(c.req.raw, env, name)
  })

  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse()
    const log = c.get('services')?.log ?? createLogger({ component: name })
    if (err instanceof ConfigError) {
      log.error('configuration error', { error: err.message })
      return c.json({ error: 'misconfigured', detail: err.message }, 500)
    }
    log.error('unhandled error', { error: err, path: c.req.path })
    return c.json({ error: 'internal error' }, 500)
  })

  return app
}
