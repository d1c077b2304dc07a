/**
 * @module sip-over-http
 * The internal hop (architecture §3): one SIP message as the body of a signed
 * `POST …/sip` with `Content-Type: message/sip`. The receiver answers 202 once it has taken the
 * message. Anything else is a transport failure to the sender, mapped as RFC 3261 §8.1.3.1 and
 * RFC 5626 §5.3 say: a flow that is gone (HTTP 410) is 430 Flow Failed; a timeout is 408;
 * everything else (refused, reset, 4xx/5xx) is 503.
 */
import type { HopSecret } from './signature'
import { signedFetch } from './signed-fetch'

export const SIP_CONTENT_TYPE = 'message/sip'
export const DEFAULT_HOP_TIMEOUT_MS = 4_000

export type HopResult =
  | { ok: true }
  | { ok: false; sipStatus: 408 | 430 | 503; reason: string; transport: boolean }

/** The reason phrase a SIP answer to a failed hop carries (RFC 3261 §21; RFC 5626 §5.3 for 430). */
const HOP_FAILURE_REASONS = {
  430: 'Flow Failed',
  408: 'Request Timeout',
  503: 'Service Unavailable',
}

/**
 * The SIP status and reason phrase a proxy answers upstream when the hop failed: 430 for a gone
 * flow (RFC 5626 §5.3), 408 for a timeout and 503 otherwise (RFC 3261 §16.9, §8.1.3.1).
 */
export function hopFailureStatus(r: { sipStatus: 408 | 430 | 503 }): {
  status: 408 | 430 | 503
  reason: string
} {
  return { status: r.sipStatus, reason: HOP_FAILURE_REASONS[r.sipStatus] }
}

export interface HopOptions {
  /** Signs the hop (the current secret; shared/hop/signature.ts). */
  secret: HopSecret
  timeoutMs?: number
  fetch?: typeof fetch
  /** Extra headers (e.g. the clock offset in the local cloud). */
  headers?: Record<string, string>
}

export async function postSip(url: string, message: string, opts: HopOptions): Promise<HopResult> {
  const doFetch = opts.fetch ?? fetch
  try {
    // The extra headers are signed too: a receiver believes a vouched-for one (the client's
    // address) only when it is (signature.ts SIGNED_HEADERS).
    const res = await signedFetch(doFetch, opts.secret, url, {
      method: 'POST',
      headers: { ...opts.headers, 'content-type': SIP_CONTENT_TYPE },
      body: message,
      signal: AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_HOP_TIMEOUT_MS),
    })
    const text = await res.text().catch(() => '')
    if (res.status === 202 || res.status === 200) return { ok: true }
    if (res.status === 410)
      return { ok: false, sipStatus: 430, reason: 'Flow Failed', transport: false }
    return {
      ok: false,
      sipStatus: 503,
      reason: `next hop answered HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
      transport: false,
    }
  } catch (err) {
    const timeout =
      err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
    return timeout
      ? { ok: false, sipStatus: 408, reason: 'next hop timed out', transport: true }
      : {
          ok: false,
          sipStatus: 503,
          reason: `next hop unreachable: ${err instanceof Error ? err.message : String(err)}`,
          transport: true,
        }
  }
}
