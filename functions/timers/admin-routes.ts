/**
 * @module timers/admin-routes
 * Operations routes of the timers function (trusted zone):
 * - `POST /admin/resync` `{"from": "a"|"b", "to": "a"|"b"}`: repairs one region's KV from the
 *   other after an outage (shared/vellum/kv-resync.ts); answers the report.
 * - `GET /admin/kv-stats`: this isolate's dual-write counters (remote failures, fallbacks…).
 */
import { z } from 'zod'
import { REGIONS } from '../../shared/config/regions'
import type { FunctionApp } from '../../shared/http/function-app'
import { kvCountersFor } from '../../shared/vellum'
import { resyncKv } from '../../shared/vellum/kv-resync'
import { RoundTrips } from '../../shared/vellum/round-trips'

const resyncBody = z
  .object({
    from: z.enum(REGIONS),
    to: z.enum(REGIONS),
    match: z.string().min(1).optional(),
  })
  .refine((b) => b.from !== b.to, { message: 'from and to must be different regions' })

export function registerAdminRoutes(app: FunctionApp): void {
  app.post('/admin/resync', async (c) => {
    const { env, stores, clock, log } = c.get('services')
    const parsed = resyncBody.safeParse(await c.req.json().catch(() => undefined))
    if (!parsed.success) {
      const i = parsed.error.issues[0]
      return c.json({ error: `${i?.path.join('.') || '(body)'}: ${i?.message ?? 'invalid'}` }, 400)
    }
    const { from, to, match } = parsed.data
    const db = (r: string) => (r === env.REGION ? stores.kvLocal : stores.kvRemote)
    try {
      const report = await resyncKv(
        db(from),
        db(to),
        clock,
        new RoundTrips(),
        match ? { match } : {}
      )
      log.info('KV resync done', { from, to, ...report })
      return c.json({ from, to, ...report })
    } catch (err) {
      log.warn('KV resync failed', { from, to, error: err })
      return c.json(
        { error: `resync failed: ${err instanceof Error ? err.message : String(err)}` },
        503
      )
    }
  })

  app.get('/admin/kv-stats', (c) => {
    const { env, stores } = c.get('services')
    return c.json({ region: env.REGION, ...kvCountersFor(stores) })
  })
}
