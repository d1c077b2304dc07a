/**
 * @module sprout/trace/trace-routes
 * `POST /trace/flags` (signed, trusted zone): the ops API's notice that the per-IMPU tracing
 * flags changed. This isolate re-reads them at once (one table query) and answers how many are
 * live (docs/operations.md#traces).
 */
import { Hono } from 'hono'
import type { FunctionBindings } from '../../../shared/http/function-app'
import type { SproutDepsFactory } from '../sprout-deps'
import { reloadTraceFlags } from './sip-tracing'

export function traceRoutes(factory: SproutDepsFactory): Hono<FunctionBindings> {
  const app = new Hono<FunctionBindings>()
  app.post('/trace/flags', async (c) => {
    const flags = await reloadTraceFlags(c, factory(c))
    return c.json({ flags })
  })
  return app
}
