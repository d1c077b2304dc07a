/**
 * @module sprout/sip-inbox
 * Sprout's `POST /sip` (docs/internal-hop.md): one SIP message per signed request, answered 202
 * once taken. Requests have Sprout's own Route entries removed (RFC 3261 §16.4 loose routing)
 * and go to the first handler that accepts them (the registrar's now; routing adds its own);
 * a handler's {@link SipError} becomes the response, any other failure a 500. Responses to
 * requests Sprout originated (its Via on top, nothing below) go to the response handlers. The
 * store round trips each transaction cost before its answer are recorded (transaction-stats.ts).
 * A message that does not parse gets a 400 along its Via when it has one, else HTTP 400.
 */
import type { Handler } from 'hono'
import { classifyInternal } from '../../shared/hop/internal-addresses'
import type { HopResult } from '../../shared/hop/sip-over-http'
import type { FunctionBindings } from '../../shared/http/function-app'
import { type SipRequest, type SipResponse, tryParseMessage } from '../../shared/sip'
import { SipError } from '../../shared/sip/errors'
import type { Via } from '../../shared/sip/via'
import { DeferredWork } from './deferred-work'
import { routeMessage, routesMessage } from './routing/routing-inbox'
import { respondTo } from './sip-build'
import type { SipSender } from './sip-sender'
import type { SproutContext, SproutDeps, SproutDepsFactory } from './sprout-deps'
import { recordTransaction } from './transaction-stats'

export interface SipRequestHandler {
  name: string
  accepts(req: SipRequest, deps: SproutDeps): boolean
  handle(req: SipRequest, deps: SproutDeps): Promise<void>
}

export interface SipResponseHandler {
  name: string
  accepts(res: SipResponse, deps: SproutDeps): boolean
  /** `ownVia` is Sprout's Via, already removed from `res` (its parameters are Sprout's notes). */
  handle(res: SipResponse, deps: SproutDeps, ownVia: Via): Promise<void>
}

export interface SipHandlers {
  requests: SipRequestHandler[]
  responses: SipResponseHandler[]
}

const isSproutHost = (host: string) => {
  const a = classifyInternal(host)
  return a?.kind === 'function' && a.fn === 'sprout'
}

/** Removes leading Route entries naming a Sprout (RFC 3261 §16.4); returns them. */
export function popOwnRoutes(req: SipRequest): string[] {
  const popped: string[] = []
  for (;;) {
    const r = req.get('route')
    if (r?.uri.kind !== 'sip' || !isSproutHost(r.uri.host)) return popped
    req.shift('route')
    popped.push(r.uri.host)
  }
}

/** Wraps the sender so the first final response of the transaction records its cost. */
function trackingSender(deps: SproutDeps, req: SipRequest, started: number): SipSender {
  let recorded = false
  return {
    request: (r) => deps.sender.request(r),
    respond: (res): Promise<HopResult> => {
      if (!recorded && res.status >= 200 && res.cseq.method === req.method) {
        recorded = true
        const rt = deps.vellum.roundTrips.snapshot()
        recordTransaction({
          method: req.method,
          callId: req.callId,
          cseq: req.cseq.seq,
          status: res.status,
          depth: rt.depth,
          calls: rt.calls,
          byStore: rt.byStore,
          trace: rt.records.map((r) => `${r.level}:${r.store}:${r.op}`),
          ms: Date.now() - started,
          at: deps.clock.now(),
        })
        deps.log.debug('answered', {
          method: req.method,
          callId: req.callId,
          status: res.status,
          depth: rt.depth,
          calls: rt.calls,
        })
      }
      return deps.sender.respond(res)
    },
  }
}

async function onRequest(
  req: SipRequest,
  deps: SproutDeps,
  handlers: SipRequestHandler[]
): Promise<void> {
  if (req.method === 'ACK') return // ACK of a non-2xx final response ends here (RFC 3261 §17.2.1).
  popOwnRoutes(req)
  try {
    const h = handlers.find((x) => x.accepts(req, deps))
    if (!h) throw new SipError(501, 'Not Implemented')
    await h.handle(req, deps)
  } catch (err) {
    let e: SipError
    if (err instanceof SipError) e = err
    else {
      deps.log.error('SIP request failed', { method: req.method, callId: req.callId, error: err })
      e = new SipError(500, 'Server Internal Error')
    }
    const headers: Array<[string, string]> = e.headers.map(([n, v]) => [n, v])
    if (e.retryAfter !== undefined) headers.push(['Retry-After', String(e.retryAfter)])
    await deps.sender.respond(respondTo(req, e.status, e.reason, { headers }))
  }
}

async function onResponse(
  res: SipResponse,
  deps: SproutDeps,
  handlers: SipResponseHandler[]
): Promise<void> {
  if (!isSproutHost(res.topVia.host)) {
    deps.log.info('response not for this Sprout dropped', {
      via: res.topVia.host,
      callId: res.callId,
    })
    return
  }
  const own = res.shift('via')!
  if (res.vias.length > 0) {
    deps.log.info('response to a proxied request has no proxy here; dropped', {
      callId: res.callId,
    })
    return
  }
  const h = handlers.find((x) => x.accepts(res, deps))
  if (h) await h.handle(res, deps, own)
}

/** Best effort 400 for an unparseable request (RFC 3261 §16.3 step 1). */
async function badMessage(text: string, reason: string, deps: SproutDeps): Promise<boolean> {
  const loose = tryParseMessage(text, { validate: false })
  if (!loose.ok || loose.value.kind !== 'request') return false
  try {
    const req = loose.value
    await deps.sender.respond(respondTo(req, 400, `Bad Request (${reason})`))
    return true
  } catch {
    return false
  }
}

export function sipInbox(
  factory: SproutDepsFactory,
  handlers: SipHandlers
): Handler<FunctionBindings> {
  return async (c: SproutContext) => {
    const text = await c.req.text()
    const work = new DeferredWork(c.get('services').log)
    const base = factory(c)
    const deps: SproutDeps = { ...base, defer: (t) => work.add(t) }
    const parsed = tryParseMessage(text)
    if (!parsed.ok) {
      const answered = await badMessage(text, parsed.error.reason, deps)
      return answered
        ? c.body(null, 202)
        : c.json({ error: 'malformed SIP', reason: parsed.error.reason }, 400)
    }
    const msg = parsed.value
    const started = Date.now()
    if (routesMessage(msg, deps, handlers.requests)) await routeMessage(msg, deps, c)
    else if (msg.kind === 'request') {
      await onRequest(
        msg,
        { ...deps, sender: trackingSender(deps, msg, started) },
        handlers.requests
      )
    } else await onResponse(msg, deps, handlers.responses)
    let waitUntil: ((p: Promise<unknown>) => void) | undefined
    try {
      const ec = c.executionCtx
      waitUntil = (p) => ec.waitUntil(p)
    } catch {
      waitUntil = undefined
    }
    await work.settle(waitUntil)
    return c.body(null, 202)
  }
}
