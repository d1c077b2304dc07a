/**
 * @module edge/health
 * `/healthz` of an edge entry: 200 only when every function of its home region answers its own
 * health check (which covers that region's KV and the global table), so the check proves the
 * whole path a SIP message or API call would take. One fan-out answers every hit of the isolate
 * for `HEALTH_CACHE_SECONDS` (hits meanwhile share the one in flight), so `/healthz` costs the
 * functions five requests per isolate per period, however often it is hit.
 */
import { FUNCTIONS, type FunctionUrls, isRegion } from '../shared/config/regions'
import { signedFetch } from '../shared/hop/signed-fetch'
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
        const res = await signedFetch((u, i) => fetch(u, i), env.HOP_SECRET, url, {
          signal: AbortSignal.timeout(timeoutMs),
        })
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

export interface HealthAnswer {
  status: number
  body: unknown
}

interface Cached {
  at: number
  answer: Promise<HealthAnswer>
}

let cached: Cached | undefined

/**
 * {@link edgeHealth}, reused for `cacheMs` after it started (per isolate). The body says when the
 * check ran (`checkedAt`, epoch ms).
 */
export function cachedEdgeHealth(
  env: EdgeEnv,
  cacheMs: number,
  now: () => number = Date.now
): Promise<HealthAnswer> {
  const t = now()
  if (cached && t - cached.at < cacheMs) return cached.answer
  const answer = edgeHealth(env).then(({ status, body }) => ({
    status,
    body: { ...(body as object), checkedAt: t },
  }))
  cached = { at: t, answer }
  return answer
}

/** Test hook: forget the cached answer (a new isolate). */
export function resetHealthCache(): void {
  cached = undefined
}
