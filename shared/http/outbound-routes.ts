/**
 * @module http/outbound-routes
 * Outbound HTTP origins served through service bindings instead of the runtime's global
 * `fetch`. A Workers runtime can bind a service to an HTTP address (workerd's `external`
 * service); a request to such an origin then goes straight to that address. The local cloud
 * binds every loopback origin a worker is configured with (infra/local/outbound-routes.ts), so
 * its workers reach the gateways, the KV and table endpoints and the Schedulers without passing
 * miniflare's outbound interceptor, a JavaScript worker that every global `fetch` crosses and
 * that a deployment does not have.
 *
 * `OUTBOUND_ROUTES` is a JSON object from origin (`http://127.0.0.1:8791`) to the name of the
 * service binding that serves it. Without it (every deployment) nothing changes.
 */

/** What a service binding offers: the `fetch` of a Workers `Fetcher`. */
export interface OriginFetcher {
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>
}

/** The binding that names the routes. */
export const OUTBOUND_ROUTES = 'OUTBOUND_ROUTES'

/** The origin of a fetch's target, or undefined for one `fetch` would reject anyway. */
function originOf(input: RequestInfo | URL): string | undefined {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
  // scheme://host[:port] up to the first '/' after the authority.
  const start = url.indexOf('//')
  if (start < 0) return undefined
  const end = url.indexOf('/', start + 2)
  return end < 0 ? url : url.slice(0, end)
}

/** A `fetch` that sends requests for `routes`' origins to their fetchers and others to `base`. */
export function routedFetch(
  base: typeof fetch,
  routes: ReadonlyMap<string, OriginFetcher>
): typeof fetch {
  const routed = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const origin = originOf(input)
    const to = origin === undefined ? undefined : routes.get(origin)
    return to ? to.fetch(input, init) : base(input, init)
  }
  return routed as typeof fetch
}

/** The routes `env` names, checked: each must name a binding with a `fetch`. */
export function outboundRoutes(env: Record<string, unknown>): Map<string, OriginFetcher> {
  const routes = new Map<string, OriginFetcher>()
  const raw = env[OUTBOUND_ROUTES]
  if (typeof raw !== 'string' || raw === '') return routes
  const named = JSON.parse(raw) as Record<string, string>
  for (const [origin, binding] of Object.entries(named)) {
    const f = env[binding] as Partial<OriginFetcher> | undefined
    if (typeof f?.fetch !== 'function')
      throw new Error(
        `${OUTBOUND_ROUTES} names ${binding} for ${origin}, which is not a service binding`
      )
    routes.set(origin, f as OriginFetcher)
  }
  return routes
}

let installed = false

/**
 * Routes the isolate's global `fetch` through the service bindings `env` names, once per
 * isolate (the Workers entries call it at module scope with `cloudflare:workers`' env).
 */
export function routeOutbound(env: Record<string, unknown>): void {
  if (installed) return
  installed = true
  const routes = outboundRoutes(env)
  if (routes.size === 0) return
  globalThis.fetch = routedFetch(globalThis.fetch.bind(globalThis), routes)
}
