/**
 * @module edge/function-proxy
 * Plain HTTP from the outside world to a function of the edge's home region, failing over to
 * the other region when the home region does not answer (architecture §2): the XCAP (Ut) and
 * call-list roots for Homer. Requests pass without a hop signature, so the function treats them
 * as untrusted (Homer asks for HTTP Digest or the API key); the edge vouches only for the
 * client's address (`cf-connecting-ip`, shared/http/client-vouch.ts), after dropping every
 * `x-edgewater-*` header the client sent. The Ellis API has its own proxy (api-proxy.ts).
 * Bodies are buffered (bounded) so a request refused at the transport level can be sent again
 * to the other region.
 */
import type { Context } from 'hono'
import { type FunctionName, peerOf } from '../shared/config/regions'
import { CircuitBreakers } from '../shared/hop/circuit-breaker'
import { vouchHeaders } from '../shared/http/client-vouch'
import { edgeConfig, homeRegionFor } from './edge-config'
import type { EdgeEnv } from './env'

const MAX_BODY_BYTES = 1024 * 1024
/** Hop-by-hop headers (RFC 9110 §7.6.1) and ones the edge sets itself. */
const DROP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
])

let breakers: CircuitBreakers | undefined

export function functionProxy(fn: FunctionName, opts: { stripPrefix?: string } = {}) {
  return async (c: Context<{ Bindings: EdgeEnv }>): Promise<Response> => {
    const cfg = edgeConfig(c.env)
    breakers ??= new CircuitBreakers({ openMs: cfg.breakerOpenMs, now: () => Date.now() })
    const url = new URL(c.req.url)
    const path =
      opts.stripPrefix && url.pathname.startsWith(opts.stripPrefix)
        ? url.pathname.slice(opts.stripPrefix.length) || '/'
        : url.pathname
    const body = ['GET', 'HEAD'].includes(c.req.method) ? undefined : await c.req.arrayBuffer()
    if (body && body.byteLength > MAX_BODY_BYTES)
      return c.json({ error: 'request body too large', limit: MAX_BODY_BYTES }, 413)
    const headers = new Headers()
    c.req.raw.headers.forEach((v, k) => {
      const name = k.toLowerCase()
      if (!DROP.has(name) && !name.startsWith('x-edgewater-')) headers.set(k, v)
    })
    headers.set('x-forwarded-host', url.host)
    headers.set('x-forwarded-proto', url.protocol.replace(':', ''))
    const home = homeRegionFor(cfg, c.req.raw.cf)
    let lastError = ''
    for (const region of breakers.order([home, peerOf(home)])) {
      const target = `${cfg.functionUrls[region][fn]}${path}${url.search}`
      const vouched = new Headers(headers)
      const client = c.req.header('cf-connecting-ip') ?? 'unknown'
      const vouch = await vouchHeaders(c.env.HOP_SECRET, c.req.method, target, body, client)
      for (const [k, v] of Object.entries(vouch)) vouched.set(k, v)
      try {
        const res = await fetch(target, {
          method: c.req.method,
          headers: vouched,
          ...(body ? { body } : {}),
          redirect: 'manual',
          signal: AbortSignal.timeout(cfg.upstreamTimeoutMs),
        })
        breakers.success(region)
        return new Response(res.body, {
          status: res.status,
          statusText: res.statusText,
          headers: res.headers,
        })
      } catch (err) {
        breakers.failure(region)
        lastError = err instanceof Error ? err.message : String(err)
      }
    }
    return c.json({ error: `${fn} unavailable in both regions`, detail: lastError }, 503)
  }
}
