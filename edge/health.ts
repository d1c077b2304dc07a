/**
 * @module edge/health
 * `/healthz` of an edge entry: 200 only when every function of its home region answers its own
 * health check (which covers that region's KV and the global table), so the check proves the
 * whole path a SIP message or API call would take.
 */
import { FUNCTIONS, type FunctionUrls, isRegion } from '../shared/config/regions'
import { signRequest } from '../shared/hop/signature'
import type { EdgeEnv } from './env'

export async function edgeHealth(
  env: EdgeEnv,
  timeoutMs = 3_000
): Promise<{ status: number; body: unknown }> {
  const region = env.HOME_REGION
  if (!isRegion(region))
    return { status: 500, body: { ok: false, error: `bad HOME_REGION ${region}` } }
  const urls = JSON.parse(env.FUNCTION_URLS) as FunctionUrls
  const results = await Promise.all(
    FUNCTIONS.map(async (fn) => {
      const url = `${urls[region][fn]}/healthz`
      try {
        const headers = await signRequest(env.HOP_SECRET, 'GET', url, null)
        const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) })
        const detail = await res.json().catch(() => null)
        return [fn, { ok: res.ok, status: res.status, detail }] as const
      } catch (err) {
        return [fn, { ok: false, error: err instanceof Error ? err.message : String(err) }] as const
      }
    })
  )
  const ok = results.every(([, r]) => r.ok)
  return { status: ok ? 200 : 503, body: { ok, region, functions: Object.fromEntries(results) } }
}
