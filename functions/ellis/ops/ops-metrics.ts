/**
 * @module ellis/ops/ops-metrics
 * The metrics dashboard of the operator surface (docs/operations.md#dashboard), beside the call
 * traces of ops-routes.ts and behind the same operator login:
 *
 * | route                  | what                                                                |
 * | ---------------------- | ------------------------------------------------------------------- |
 * | `GET /ops/metrics`     | the dashboard page: charts per region (login form at `/ops` first)  |
 * | `GET /ops/api/metrics` | `{at, regions, up}`: per-region summary (shared/metrics/summary.ts) |
 *
 * The JSON is read from every function of both regions (`GET /metrics`, signed) and summed; the
 * page polls it every 5 s and charts registrations/s, calls/s, failures/s and call setup
 * p50/p99 from the differences. On Lambda each answer is the instance that took the request, so
 * the CloudWatch dashboard (infra/aws/observability.ts) is the complete view there; in the local
 * cloud each function is one isolate and the figures are whole.
 */
import type { Hono } from 'hono'
import { FUNCTIONS, REGIONS } from '../../../shared/config/regions'
import { signedFetch } from '../../../shared/hop/signed-fetch'
import type { FunctionBindings } from '../../../shared/http/function-app'
import { type MetricsSnapshot, sumSnapshots } from '../../../shared/metrics/snapshot'
import { summarize } from '../../../shared/metrics/summary'
import type { DepsResolver } from '../ellis-deps'
import { isOperator } from './ops-auth'
import { opsMetricsPage } from './ops-metrics-page'

/** How long one function may take to answer the dashboard's read. */
export const METRICS_READ_TIMEOUT_MS = 2_000

export function mountOpsMetrics(app: Hono<FunctionBindings>, resolve: DepsResolver): void {
  app.get('/ops/metrics', async (c) => {
    const d = resolve(c)
    if (!(await isOperator(c, d))) return c.redirect('/ops', 303)
    return c.html(opsMetricsPage(), 200, {
      'cache-control': 'no-store',
      'content-security-policy':
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
    })
  })

  // Behind the `/ops/api/*` operator check of ops-routes.ts.
  app.get('/ops/api/metrics', async (c) => {
    const d = resolve(c)
    const jobs = REGIONS.flatMap((region) =>
      FUNCTIONS.map((fn) => ({ region, fn, url: `${d.config.functionUrls[region][fn]}/metrics` }))
    )
    const got = await Promise.all(
      jobs.map(async (j) => {
        try {
          const res = await signedFetch(d.fetch, d.config.hopSecret, j.url, {
            method: 'GET',
            signal: AbortSignal.timeout(METRICS_READ_TIMEOUT_MS),
          })
          return res.ok ? ((await res.json()) as MetricsSnapshot) : undefined
        } catch {
          return undefined
        }
      })
    )
    const up = Object.fromEntries(jobs.map((j, i) => [`${j.fn}-${j.region}`, got[i] !== undefined]))
    const sum = sumSnapshots(got.filter((s): s is MetricsSnapshot => s !== undefined))
    return c.json({ at: d.clock.now(), regions: summarize(sum, REGIONS), up })
  })
}
