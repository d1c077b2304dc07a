/**
 * @module edge/worker
 * The edge worker (Bono's role): the only untrusted entry. It serves `/healthz`, SIP over
 * WebSocket at `/sip` (one FlowObject per connection), the Ellis API under `/api` and the web UI.
 */
import { env } from 'cloudflare:workers'
import { Hono } from 'hono'
import { routeOutbound } from '../shared/http/outbound-routes'
import { mountApiProxy, proxyApi } from './api-proxy'
import { edgeConfig } from './edge-config'
import type { EdgeEnv } from './env'
import { functionProxy } from './function-proxy'
import { cachedEdgeHealth } from './health'
import { localClockRoute } from './local-clock'
import { edgeMetricsRoute, flushEdgeMetrics } from './metrics-export'
import { deliverToFlow, upgrade } from './sip-routes'
import { mountStaticAssets } from './static-assets'
import { timerShardRoute } from './timer-shard'

export { FlowObject } from './flow-object'
export { TimerShard } from './timer-shard'

// Origins served through service bindings, where the runtime has them (http/outbound-routes);
// the flow and timer objects of this script share the isolate, so their requests go the same way.
routeOutbound(env as unknown as Record<string, unknown>)

const app = new Hono<{ Bindings: EdgeEnv }>()

// The configuration (secrets included) is checked before anything is served: outside the local
// cloud a dev or short secret refuses every request with one sentence naming it.
app.use(async (c, next) => {
  try {
    edgeConfig(c.env)
  } catch (err) {
    console.error(
      JSON.stringify({ level: 'error', msg: 'edge configuration error', error: String(err) })
    )
    return c.json(
      { error: 'misconfigured', detail: err instanceof Error ? err.message : String(err) },
      500
    )
  }
  await next()
  flushEdgeMetrics(c.env)
})

app.get('/healthz', async (c) => {
  const { status, body } = await cachedEdgeHealth(c.env, edgeConfig(c.env).healthCacheMs)
  return c.json(body, status as 200 | 503)
})

// SIP over WebSocket (RFC 7118): one FlowObject per connection.
app.get('/sip', upgrade)
// Any function reaches one exact flow here (signed; docs/internal-hop.md).
app.post('/internal/flows/:token/sip', deliverToFlow)

// XCAP over Ut for user equipment (Homer authenticates with HTTP Digest), TS 24.623 roots.
app.all('/org.etsi.ngn.simservs/*', functionProxy('homer'))
app.all('/simservs.ngn.etsi.org/*', functionProxy('homer'))
// Memento's call lists (Homer authenticates with HTTP Digest or NGV-API-Key).
app.all('/org.projectclearwater.call-list/*', functionProxy('homer'))

// The precise timer tier (shared/vellum/timer-precise-client.ts): signed, internal only.
app.on(['GET', 'POST'], '/internal/timers/:shard', timerShardRoute)
// This isolate's metrics, signed (edge/metrics-export.ts).
app.get('/internal/metrics', edgeMetricsRoute)
// The local cloud's driven clock, for the edge's digest nonces (local only; edge/local-clock.ts).
app.post('/internal/clock', localClockRoute)

// The Ellis API of the home region, failing over (edge/api-proxy.ts); the web portal at `/`.
mountApiProxy(app)
// The operators' call traces (functions/ellis/ops): the same proxy to Ellis, path unchanged.
app.all('/ops', proxyApi)
app.all('/ops/*', proxyApi)
mountStaticAssets(app)

app.notFound((c) => c.json({ error: 'not found', path: c.req.path }, 404))

export default app
