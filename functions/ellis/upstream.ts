/**
 * @module ellis/upstream
 * Signed HTTP to the trusted zone (architecture §3): every call from Ellis to Dime, Homer or
 * the other region's Ellis carries the HMAC signature of shared/hop, a timeout, and no automatic
 * redirects (Homestead-prov's 303s are read, not followed). A transport failure or timeout is
 * {@link Unreachable}; an unexpected status becomes an {@link UpstreamError} (502 with the
 * upstream status, URL and reason, clearwater-interfaces §1.2).
 */

import type { Fetch } from '../../shared/hop/fetch'
import { signedInit } from '../../shared/hop/signed-fetch'
import { UpstreamError } from './api-errors'

export interface UpstreamResult {
  status: number
  headers: Headers
  text: string
  url: string
}

/** The callee could not be reached or did not answer in time. */
export class Unreachable extends Error {
  override name = 'Unreachable'
  constructor(
    readonly url: string,
    options?: { cause?: unknown }
  ) {
    super(`could not reach ${url}`, options)
  }
}

export interface SignedClient {
  call(
    method: string,
    url: string,
    body?: string,
    headers?: Record<string, string>
  ): Promise<UpstreamResult>
}

export function signedClient(fetchFn: Fetch, hopSecret: string, timeoutMs: number): SignedClient {
  return {
    async call(method, url, body, headers = {}) {
      const init = await signedInit(hopSecret, url, { method, headers, redirect: 'manual', body })
      let res: Response
      try {
        res = await fetchFn(url, { ...init, signal: AbortSignal.timeout(timeoutMs) })
      } catch (err) {
        throw new Unreachable(url, { cause: err })
      }
      let text: string
      try {
        text = await res.text()
      } catch (err) {
        throw new Unreachable(url, { cause: err })
      }
      return { status: res.status, headers: res.headers, text, url }
    },
  }
}

/** The reason an upstream gave in its body (JSON `reason`, or the text itself, shortened). */
export function upstreamReason(r: UpstreamResult): string | undefined {
  const t = r.text.trim()
  if (!t) return undefined
  try {
    const j = JSON.parse(t) as { reason?: unknown; error?: unknown }
    if (typeof j.reason === 'string') return j.reason
    if (typeof j.error === 'string') return j.error
  } catch {
    // not JSON: XCAP error documents and plain text are reported as they are
  }
  return t.length > 500 ? `${t.slice(0, 500)}…` : t
}

/** Throws the 502 of clearwater-interfaces §1.2 unless the status is one of `ok`. */
export function expectStatus(r: UpstreamResult, ...ok: number[]): UpstreamResult {
  if (!ok.includes(r.status)) throw new UpstreamError(r.status, r.url, upstreamReason(r))
  return r
}

/** Calls and maps a transport failure to a 502 too (Dime and Homer are not optional). */
export async function callUpstream(
  client: SignedClient,
  method: string,
  url: string,
  body?: string,
  headers?: Record<string, string>
): Promise<UpstreamResult> {
  try {
    return await client.call(method, url, body, headers)
  } catch (err) {
    if (err instanceof Unreachable) throw new UpstreamError('unreachable', url, 'no answer')
    throw err
  }
}
