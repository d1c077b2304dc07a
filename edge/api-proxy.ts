/**
 * @module edge/api-proxy
 * `/api/*` at the edge: the Ellis provisioning API of the edge's home region, failing over to
 * the other region's Ellis when the home region does not answer (a transport error or no answer
 * within API_PROXY_TIMEOUT_MS; architecture §2). The path is passed unchanged (Ellis serves
 * `/api/...` itself, so the same URLs work on its function URL). The edge is the trust boundary:
 * it drops any `x-edgewater-*` header the client sent, adds the client's address
 * (`cf-connecting-ip`), the public host and scheme, and signs the request for the trusted zone
 * (shared/hop/signature.ts) so Ellis can rely on those three facts. Answers pass through as they
 * are (cookies and redirects included), with `x-edgewater-region` naming the region that served.
 * A POST or PATCH that timed out may have been carried out, so it is not repeated in the other
 * region (RFC 9110 §9.2.2: only idempotent requests are retried automatically); it gets 504.
 */
import type { Context, Hono } from 'hono'
import { type FunctionUrls, isRegion, peerOf, type Region } from '../shared/config/regions'
import { signedInit } from '../shared/hop/signed-fetch'
import type { EdgeEnv } from './env'

/** Longest an API request may take in one region before the other region is tried. */
export const API_PROXY_TIMEOUT_MS = 15_000
/** Largest request body the edge forwards to Ellis (its own limit is lower). */
export const API_MAX_BODY_BYTES = 256 * 1024

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
])

type EdgeContext = Context<{ Bindings: EdgeEnv }>

const urlsCache = new WeakMap<object, FunctionUrls>()
function functionUrls(env: EdgeEnv): FunctionUrls {
  let u = urlsCache.get(env)
  if (!u) {
    u = JSON.parse(env.FUNCTION_URLS) as FunctionUrls
    urlsCache.set(env, u)
  }
  return u
}

function apiError(status: number, reason: string): Response {
  return new Response(
    JSON.stringify({
      error: true,
      status,
      message:
        status === 413
          ? 'Payload Too Large'
          : status === 504
            ? 'Gateway Timeout'
            : 'Service Unavailable',
      reason,
      detail: {},
    }),
    {
      status,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        ...(status === 503 ? { 'retry-after': '5' } : {}),
      },
    }
  )
}

export async function proxyApi(c: EdgeContext): Promise<Response> {
  const env = c.env
  if (!isRegion(env.HOME_REGION)) return apiError(503, 'the edge has no valid HOME_REGION')
  const url = new URL(c.req.url)
  const method = c.req.method
  const body =
    method === 'GET' || method === 'HEAD' ? undefined : new Uint8Array(await c.req.arrayBuffer())
  if (body && body.byteLength > API_MAX_BODY_BYTES)
    return apiError(413, `request bodies are limited to ${API_MAX_BODY_BYTES} bytes`)
  const base = new Headers()
  c.req.raw.headers.forEach((v, k) => {
    const name = k.toLowerCase()
    if (!HOP_BY_HOP.has(name) && !name.startsWith('x-edgewater-')) base.set(k, v)
  })
  base.set('x-edgewater-client-ip', c.req.header('cf-connecting-ip') ?? 'unknown')
  base.set('x-forwarded-host', url.host)
  base.set('x-forwarded-proto', url.protocol.replace(':', ''))

  const home: Region = env.HOME_REGION
  const idempotent = method !== 'POST' && method !== 'PATCH'
  let lastError = ''
  for (const region of [home, peerOf(home)]) {
    const target = `${functionUrls(env)[region].ellis}${url.pathname}${url.search}`
    const init = await signedInit(env.HOP_SECRET, target, {
      method,
      headers: new Headers(base),
      redirect: 'manual',
      body,
    })
    try {
      const res = await fetch(target, {
        ...init,
        signal: AbortSignal.timeout(API_PROXY_TIMEOUT_MS),
      })
      const out = new Response(res.body, res)
      out.headers.set('x-edgewater-region', region)
      return out
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err)
      if (!idempotent && err instanceof Error && err.name === 'TimeoutError')
        return apiError(
          504,
          `region ${region} did not answer within ${API_PROXY_TIMEOUT_MS} ms; the request may have been carried out, so it was not repeated elsewhere`
        )
    }
  }
  return apiError(503, `the provisioning API did not answer in either region (${lastError})`)
}

/** Mounts the proxy on the edge app. */
export function mountApiProxy(app: Hono<{ Bindings: EdgeEnv }>): void {
  app.all('/api', proxyApi)
  app.all('/api/*', proxyApi)
}
