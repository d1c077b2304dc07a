/**
 * @module hop/signed-fetch
 * An internal request with its hop signature (signature.ts, architecture §3): the method, the
 * target URL, the body and the trusted headers the request carries (`SIGNED_HEADERS`) are
 * signed, and the signature headers are added after the caller's own, so nothing the caller sets
 * can replace them.
 */
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

/** Sends a signed internal request to `url` through `fetchFn`. */
export async function signedFetch(
  fetchFn: Fetch,
  secret: HopSecret,
  url: string,
  init: SignedRequestInit = {}
): Promise<Response> {
  return fetchFn(url, await signedInit(secret, url, init))
}
