/**
 * @module ellis/peer-link
 * Ellis talking to the other region's Ellis over signed HTTP: forwarding a whole API request to
 * the region that owns the shard it writes (account creation and deletion), the internal pool
 * calls (`/internal/pool/*`), the shard hand-back request, and a liveness probe. A transport
 * failure or timeout is {@link Unreachable}, which the caller answers by taking the peer's shards
 * over (shard-owner.ts). A forwarded request keeps its method, path, query, body and the caller's
 * cookie and API key, and gains `x-edgewater-forwarded-by` so the owner never forwards it again.
 */
import type { Region } from '../../shared/config/regions'
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../shared/hop/signature'
import { EllisError } from './api-errors'
import { TIMEOUTS } from './ellis-config'
import type { EllisContext, EllisDeps } from './ellis-deps'
import {
  CLIENT_IP_HEADER,
  FORWARDED_BY_HEADER,
  type RequestMeta,
  SERVED_BY_HEADER,
} from './request-context'
import { signedClient, Unreachable, type UpstreamResult } from './upstream'

/** Responses that came back from the owner region: already final, passed through as they are. */
export const forwardedResponses = new WeakSet<Response>()

const DROP_REQUEST = new Set([
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  CLIENT_IP_HEADER,
  FORWARDED_BY_HEADER,
  'x-forwarded-host',
  'x-forwarded-proto',
])
const DROP_RESPONSE = new Set([
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'connection',
])

export function peerLink(deps: EllisDeps) {
  const { config } = deps
  const peerClient = signedClient(deps.fetch, config.hopSecret, TIMEOUTS.peerMs)
  const probeClient = signedClient(deps.fetch, config.hopSecret, TIMEOUTS.peerProbeMs)
  const ellisUrl = (r: Region) => config.functionUrls[r].ellis

  return {
    /** Sends the request to `owner`'s Ellis and returns its answer (throws Unreachable). */
    async forward(c: EllisContext, meta: RequestMeta, owner: Region): Promise<Response> {
      const url = new URL(c.req.url)
      const target = `${ellisUrl(owner)}${url.pathname}${url.search}`
      const headers: Record<string, string> = {}
      c.req.raw.headers.forEach((v, k) => {
        if (!DROP_REQUEST.has(k.toLowerCase())) headers[k] = v
      })
      headers[FORWARDED_BY_HEADER] = config.region
      headers[CLIENT_IP_HEADER] = meta.clientId
      const origin = new URL(meta.origin)
      headers['x-forwarded-host'] = origin.host
      headers['x-forwarded-proto'] = origin.protocol.replace(':', '')
      const method = c.req.method
      const body =
        method === 'GET' || method === 'HEAD' ? undefined : new TextDecoder().decode(meta.body)
      const r = await peerClient.call(method, target, body, headers)
      deps.log.info('request forwarded to the shard owner', {
        to: owner,
        path: url.pathname,
        status: r.status,
      })
      const out = new Headers()
      r.headers.forEach((v, k) => {
        if (!DROP_RESPONSE.has(k.toLowerCase()) && k.toLowerCase() !== 'set-cookie') out.set(k, v)
      })
      for (const cookie of r.headers.getSetCookie()) out.append('set-cookie', cookie)
      const res = new Response(r.status === 204 || r.status === 304 ? null : r.text, {
        status: r.status,
        headers: out,
      })
      forwardedResponses.add(res)
      return res
    },

    /** POSTs JSON to an internal route of `region`'s Ellis (throws Unreachable). */
    async internal(region: Region, path: string, payload: unknown): Promise<UpstreamResult> {
      return peerClient.call('POST', `${ellisUrl(region)}${path}`, JSON.stringify(payload), {
        'content-type': 'application/json',
      })
    },

    /** Whether `region`'s Ellis answers its ping now. */
    async alive(region: Region): Promise<boolean> {
      try {
        const r = await probeClient.call('GET', `${ellisUrl(region)}/api/ping`)
        return r.status === 200 && r.headers.get(SERVED_BY_HEADER) !== null
      } catch (err) {
        if (err instanceof Unreachable) return false
        throw err
      }
    },
  }
}

export type PeerLink = ReturnType<typeof peerLink>

/** Re-raises an internal call's error answer as the same Ellis error here. */
export function rethrowInternal(r: UpstreamResult): never {
  let reason = `the other region answered ${r.status}`
  let detail: Record<string, unknown> = {}
  try {
    const j = JSON.parse(r.text) as { reason?: unknown; detail?: unknown }
    if (typeof j.reason === 'string') reason = j.reason
    if (j.detail && typeof j.detail === 'object') detail = j.detail as Record<string, unknown>
  } catch {
    // keep the generic reason
  }
  const retry = r.headers.get('retry-after')
  throw new EllisError(r.status, reason, detail, retry ? { 'retry-after': retry } : {})
}
