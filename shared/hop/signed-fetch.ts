/**
 * @module hop/signed-fetch
 * An internal request with its hop signature (signature.ts, architecture §3): the method, the
 * target URL, the body and the trusted headers the request carries (`SIGNED_HEADERS`) are
 * signed, and the signature headers are added after the caller's own, so nothing the caller sets
 * can replace them.
 */
import { metrics } from '../metrics/isolate'
import type { Fetch } from './fetch'
import { type HopSecret, type SignOptions, signRequest } from './signature'

/** A request to sign: a string or byte body, headers as a record or {@link Headers}. */
export interface SignedRequestInit extends Omit<RequestInit, 'body' | 'headers'> {
  body?: string | Uint8Array<ArrayBuffer> | ArrayBuffer | null | undefined
  headers?: Record<string, string> | Headers | undefined
}

/** `init` with the hop signature of a request to `url` added to its headers. */
export async function signedInit(
  secret: HopSecret,
  url: string,
  init: SignedRequestInit = {},
  opts: Omit<SignOptions, 'headers'> = {}
): Promise<RequestInit> {
  const method = init.method ?? 'GET'
  const sig = await signRequest(secret, method, url, init.body ?? null, {
    ...opts,
    headers: init.headers ?? {},
  })
  let headers: Record<string, string> | Headers
  if (init.headers instanceof Headers) {
    headers = new Headers(init.headers)
    for (const [k, v] of Object.entries(sig)) headers.set(k, v)
  } else headers = { ...init.headers, ...sig }
  const out: RequestInit = { ...init, method, headers }
  if (init.body == null) delete out.body
  return out
}

/**
 * The route a hop went to, for the hop-latency metric: the first path segment (two under
 * `/internal`), so the label stays a short, bounded set (`sip`, `impi`, `internal/flows`…).
 */
export function hopRoute(url: string): string {
  let route = routes.get(url)
  if (route === undefined) {
    const path = url.replace(/^[a-z]+:\/\/[^/]+/i, '').split(/[?#]/)[0] ?? ''
    const parts = path.split('/').filter(Boolean)
    route = (parts[0] === 'internal' ? parts.slice(0, 2).join('/') : parts[0]) || '/'
    if (routes.size >= ROUTE_MEMO_LIMIT) routes.clear()
    routes.set(url, route)
  }
  return route
}

/** The routes of the URLs an isolate sends to (a few: one per function, region and flow). */
const ROUTE_MEMO_LIMIT = 1_024
const routes = new Map<string, string>()

/** Sends a signed internal request to `url` through `fetchFn`; its duration is recorded. */
export async function signedFetch(
  fetchFn: Fetch,
  secret: HopSecret,
  url: string,
  init: SignedRequestInit = {}
): Promise<Response> {
  const t0 = Date.now()
  try {
    return await fetchFn(url, await signedInit(secret, url, init))
  } finally {
    metrics.hopLatency.observe(Date.now() - t0, { route: hopRoute(url) })
  }
}
