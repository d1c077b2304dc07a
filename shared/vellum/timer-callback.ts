/**
 * @module vellum/timer-callback
 * Delivering one pop (clearwater-interfaces §4.1): `POST <uri>` with the opaque body,
 * `X-Sequence-Number` and `Content-Type: application/octet-stream`, signed for the trusted zone
 * (callbacks are internal endpoints), answered 2xx within 2 s or it counts as failed.
 *
 * Callback URIs name a function of one region, but a pop must reach a live one (Chronos GR uses
 * a deployment-wide callback host resolved per site, §4.3): {@link localisedUri} maps a URI on
 * any region's function to the same function of the popping region, and {@link peerUri} to the
 * other region's, for the precise tier's fallback when the first answer is a transport error.
 */
import type { FunctionUrls, Region } from '../config/regions'
import { REGIONS } from '../config/regions'
import { signedFetch } from '../hop/signed-fetch'
import { CALLBACK_TIMEOUT_MS, SEQUENCE_HEADER } from './timer-service'

export interface CallbackResult {
  ok: boolean
  uri: string
  status?: number
  /** Transport failure or timeout (no HTTP answer). */
  error?: string
  ms: number
}

export interface DeliverOptions {
  uri: string
  opaque: string
  seq: number
  secret: string
  timeoutMs?: number
  fetch?: typeof fetch
}

export async function deliverPop(o: DeliverOptions): Promise<CallbackResult> {
  const t0 = Date.now()
  const f = o.fetch ?? fetch
  try {
    const res = await signedFetch(f, o.secret, o.uri, {
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        [SEQUENCE_HEADER]: String(o.seq),
      },
      body: o.opaque,
      signal: AbortSignal.timeout(o.timeoutMs ?? CALLBACK_TIMEOUT_MS),
    })
    await res.arrayBuffer().catch(() => undefined)
    return { ok: res.ok, uri: o.uri, status: res.status, ms: Date.now() - t0 }
  } catch (err) {
    return {
      ok: false,
      uri: o.uri,
      error: err instanceof Error ? err.message : String(err),
      ms: Date.now() - t0,
    }
  }
}

function locate(
  uri: string,
  urls: FunctionUrls
): { region: Region; fn: string; rest: string } | undefined {
  for (const region of REGIONS) {
    for (const [fn, base] of Object.entries(urls[region])) {
      const b = base.replace(/\/+$/, '')
      if (uri === b || uri.startsWith(`${b}/`) || uri.startsWith(`${b}?`))
        return { region, fn, rest: uri.slice(b.length) }
    }
  }
  return undefined
}

/** The same callback on `region`'s copy of the function (unchanged if not a function URL). */
export function localisedUri(uri: string, urls: FunctionUrls, region: Region): string {
  const hit = locate(uri, urls)
  if (!hit || hit.region === region) return uri
  const base = (urls[region] as Record<string, string>)[hit.fn]
  return base ? base.replace(/\/+$/, '') + hit.rest : uri
}

/** The same callback on the other region's copy of the function, if it is a function URL. */
export function peerUri(uri: string, urls: FunctionUrls): string | undefined {
  const hit = locate(uri, urls)
  if (!hit) return undefined
  const other: Region = hit.region === 'a' ? 'b' : 'a'
  const base = (urls[other] as Record<string, string>)[hit.fn]
  return base ? base.replace(/\/+$/, '') + hit.rest : undefined
}
