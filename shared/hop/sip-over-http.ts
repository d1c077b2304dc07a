/**
 * @module sip-over-http
 * The internal hop (architecture §3): one SIP message as the body of a signed
 * `POST …/sip` with `Content-Type: message/sip`. The receiver answers 202 once it has taken the
 * message. Anything else is a transport failure to the sender, mapped as RFC 3261 §8.1.3.1 and
 * RFC 5626 §5.3 say: a flow that is gone (HTTP 410) is 430 Flow Failed; a timeout is 408;
 * everything else (refused, reset, 4xx/5xx) is 503.
 *
 * Inline answers (docs/internal-hop.md): a sender that sets `x-edgewater-replies: inline` takes
 * the receiver's SIP answers to its request in the HTTP answer instead of as requests of their
 * own: `200` with `Content-Type: application/vnd.edgewater.sip-batch+json` and body
 * `{"sip": ["<message>", …]}`, in the order the receiver sent them. A 202 carries none.
 */
import type { SlowHop } from './hop-liveness'
import type { HopSecret } from './signature'
import { signedFetch } from './signed-fetch'

export const SIP_CONTENT_TYPE = 'message/sip'
export const DEFAULT_HOP_TIMEOUT_MS = 4_000
/** Request header by which a sender asks for its answers inline. */
export const INLINE_REPLIES_HEADER = 'x-edgewater-replies'
export const INLINE_REPLIES_VALUE = 'inline'
/** Content type of an HTTP answer that carries SIP answers. */
export const SIP_BATCH_CONTENT_TYPE = 'application/vnd.edgewater.sip-batch+json'
/** The most SIP messages a sender takes from one inline answer; more are a broken receiver. */
export const MAX_INLINE_MESSAGES = 16
/**
 * The W3C Trace Context header a hop carries both ways (docs/operations.md#traces): on the
 * request, the sender's trace and keep decision (with `tracestate`, passed in `headers`); on
 * the answer, the receiver's. It is not signed: it only labels trace records and can at most
 * ask for a call to be recorded, and a receiver ignores a value that does not parse.
 */
export const TRACEPARENT_ANSWER_HEADER = 'traceparent'

export type HopResult =
  | {
      ok: true
      /** SIP messages the receiver answered inline, in the order it sent them. */
      messages?: string[]
      /**
       * The receiver's W3C `traceparent` answer header (docs/operations.md#traces): its sampled
       * flag tells the sender the call's trace is kept.
       */
      traceparent?: string
    }
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

/** The body of an inline answer carrying `messages`. */
export function inlineAnswerBody(messages: readonly string[]): string {
  return JSON.stringify({ sip: messages })
}

/** The SIP messages of an inline answer body; undefined when it is not one. */
export function parseInlineAnswer(body: string): string[] | undefined {
  try {
    const v = JSON.parse(body) as { sip?: unknown }
    if (!Array.isArray(v.sip) || v.sip.length > MAX_INLINE_MESSAGES) return undefined
    return v.sip.every((m) => typeof m === 'string') ? (v.sip as string[]) : undefined
  } catch {
    return undefined
  }
}

export interface HopOptions {
  /** Signs the hop (the current secret; shared/hop/signature.ts). */
  secret: HopSecret
  timeoutMs?: number
  fetch?: typeof fetch
  /** Extra headers (e.g. the clock offset in the local cloud). */
  headers?: Record<string, string>
  /** Ask the receiver for its SIP answers inline (the sender delivers them itself). */
  inline?: boolean
  /**
   * At `timeoutMs` with no answer: without this the hop is abandoned as a transport failure (the
   * sender may try another region). With it, a receiver found running is waited for up to
   * `limitMs` and its silence then is a 408 that is not a transport failure, since it may have
   * carried the message out (hop-liveness.ts).
   */
  slow?: SlowHop
}

export async function postSip(url: string, message: string, opts: HopOptions): Promise<HopResult> {
  const doFetch = opts.fetch ?? fetch
  // A timer cleared as soon as the exchange ends, so nothing outlives the hop: a flow's Durable
  // Object holds no timer between messages and can hibernate (docs/edge.md).
  const abort = new AbortController()
  const giveUp = () => abort.abort(new DOMException('next hop timed out', 'TimeoutError'))
  const first = opts.timeoutMs ?? DEFAULT_HOP_TIMEOUT_MS
  let settled = false
  /** The receiver answered the liveness probe: the hop is not sent elsewhere. */
  let running = false
  let timer: ReturnType<typeof setTimeout> | undefined = setTimeout(() => {
    const slow = opts.slow
    if (!slow) return giveUp()
    void slow.alive().then((alive) => {
      if (settled) return
      if (!alive) return giveUp()
      running = true
      timer = setTimeout(giveUp, Math.max(0, slow.limitMs - first))
    }, giveUp)
  }, first)
  try {
    // The extra headers are signed too: a receiver believes a vouched-for one (the client's
    // address) only when it is (signature.ts SIGNED_HEADERS).
    const res = await signedFetch(doFetch, opts.secret, url, {
      method: 'POST',
      headers: {
        ...opts.headers,
        ...(opts.inline ? { [INLINE_REPLIES_HEADER]: INLINE_REPLIES_VALUE } : {}),
        'content-type': SIP_CONTENT_TYPE,
      },
      body: message,
      signal: abort.signal,
    })
    const text = await res.text().catch(() => '')
    const tp = res.headers.get(TRACEPARENT_ANSWER_HEADER)
    const traced = tp ? { traceparent: tp } : {}
    if (res.status === 202) return { ok: true, ...traced }
    if (res.status === 200) {
      const batch = (res.headers.get('content-type') ?? '').startsWith(SIP_BATCH_CONTENT_TYPE)
        ? parseInlineAnswer(text)
        : undefined
      return batch && batch.length > 0
        ? { ok: true, messages: batch, ...traced }
        : { ok: true, ...traced }
    }
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
      abort.signal.aborted ||
      (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
    if (timeout && running)
      return {
        ok: false,
        sipStatus: 408,
        reason: 'next hop running but silent past its limit',
        transport: false,
      }
    return timeout
      ? { ok: false, sipStatus: 408, reason: 'next hop timed out', transport: true }
      : {
          ok: false,
          sipStatus: 503,
          reason: `next hop unreachable: ${err instanceof Error ? err.message : String(err)}`,
          transport: true,
        }
  } finally {
    settled = true
    clearTimeout(timer)
    timer = undefined
  }
}
