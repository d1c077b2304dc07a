/**
 * @module sprout/sip-handlers
 * What Sprout's `POST /sip` dispatches to (sip-inbox.ts): one list of request handlers and one
 * of response handlers, the registrar's, reg-event's and call routing's alike, each claiming the
 * messages it takes. Also the two pieces every handler relies on: taking Sprout's own Route
 * entries off a request (RFC 3261 §16.4 loose routing, keeping them: `orig` and the ODI token
 * live there), and turning a failure into the one SIP answer it maps to.
 */
import { classifyInternal } from '../../shared/hop/internal-addresses'
import type { NameAddr, SipRequest, SipResponse } from '../../shared/sip'
import { SipError } from '../../shared/sip/errors'
import type { Via } from '../../shared/sip/via'
import { respondTo } from './sip-build'
import type { SproutContext, SproutDeps } from './sprout-deps'

/** What the inbox knows about a request beyond the request itself. */
export interface RequestArrival {
  c: SproutContext
  /** Sprout's own Route entries, already taken off the request (first first). */
  ownRoutes: NameAddr[]
}

/** What the inbox knows about a response beyond the response itself. */
export interface ResponseArrival {
  c: SproutContext
  /** Sprout's Via: the top one, still on the response. */
  ownVia: Via
}

export interface SipRequestHandler {
  name: string
  /** Sees the request with Sprout's own Route entries removed. */
  accepts(req: SipRequest, deps: SproutDeps): boolean
  handle(req: SipRequest, deps: SproutDeps, at: RequestArrival): Promise<void>
}

/**
 * A response the handler could not hand on where its sender counts on it: an INVITE 2xx whose
 * relay failed (the hop is answered 503, so the sender's next copy is relayed again; edge
 * retransmitted-2xx.ts).
 */
export interface NotRelayed {
  notRelayed: string
}

export interface SipResponseHandler {
  name: string
  /** Sees the response with Sprout's Via still on top. */
  accepts(res: SipResponse, deps: SproutDeps): boolean
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler that always hands on returns nothing
  handle(res: SipResponse, deps: SproutDeps, at: ResponseArrival): Promise<void | NotRelayed>
}

/** The inbox's dispatch lists; the first handler that accepts a message takes it. */
export interface SipHandlers {
  requests: SipRequestHandler[]
  responses: SipResponseHandler[]
}

/** Whether a host names a Sprout of either region (docs/internal-hop.md addresses). */
export const isSproutHost = (host: string): boolean => {
  const a = classifyInternal(host)
  return a?.kind === 'function' && a.fn === 'sprout'
}

/** Removes and returns the leading Route entries naming a Sprout (RFC 3261 §16.4). */
export function takeOwnRoutes(req: SipRequest): NameAddr[] {
  const out: NameAddr[] = []
  for (;;) {
    const r = req.get('route')
    if (r?.uri.kind !== 'sip' || !isSproutHost(r.uri.host)) return out
    req.shift('route')
    out.push(r)
  }
}

/**
 * Answers a request whose handler failed: a {@link SipError} becomes its status, reason and
 * headers (with `Retry-After` when it carries one, RFC 3261 §20.33); anything else is logged
 * and answered 500. An ACK is never answered (RFC 3261 §17.1.1.3).
 */
export async function answerSipError(
  req: SipRequest,
  err: unknown,
  deps: SproutDeps,
  handler: string
): Promise<void> {
  let e: SipError
  if (err instanceof SipError) e = err
  else {
    deps.log.error('SIP request failed', {
      handler,
      method: req.method,
      callId: req.callId,
      error: err,
    })
    e = new SipError(500, 'Server Internal Error')
  }
  if (req.method === 'ACK') return
  const headers: Array<[string, string]> = e.headers.map(([n, v]) => [n, v])
  if (e.retryAfter !== undefined) headers.push(['Retry-After', String(e.retryAfter)])
  await deps.sender.respond(respondTo(req, e.status, e.reason, { headers }))
}
