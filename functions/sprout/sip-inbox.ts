/**
 * @module sprout/sip-inbox
 * Sprout's `POST /sip` (docs/internal-hop.md): one SIP message per signed request, answered 202
 * once taken. Requests have Sprout's own Route entries removed (RFC 3261 §16.4 loose routing)
 * and go to the first handler of the one list (sip-handlers.ts: the registrar's, reg-event's,
 * then call routing's) that accepts them; a failure becomes the answer it maps to
 * ({@link answerSipError}). Responses whose top Via is not a Sprout's are dropped; the rest go to
 * the first response handler that accepts them. The store round trips each transaction cost
 * before its answer are recorded (transaction-stats.ts). A message that does not parse gets a
 * 400 along its Via when it has one, else HTTP 400.
 */
import type { Handler } from 'hono'
import type { HopResult } from '../../shared/hop/sip-over-http'
import type { FunctionBindings } from '../../shared/http/function-app'
import { type SipRequest, type SipResponse, tryParseMessage } from '../../shared/sip'
import { SipError } from '../../shared/sip/errors'
import { DeferredWork } from './deferred-work'
import { respondTo } from './sip-build'
import {
  answerSipError,
  isSproutHost,
  type SipHandlers,
  type SipRequestHandler,
  type SipResponseHandler,
  takeOwnRoutes,
} from './sip-handlers'
import type { SipSender } from './sip-sender'
import type { SproutContext, SproutDeps, SproutDepsFactory } from './sprout-deps'
import { recordTransaction } from './transaction-stats'

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
  handlers: SipRequestHandler[],
  c: SproutContext
): Promise<void> {
  const ownRoutes = takeOwnRoutes(req)
  const h = handlers.find((x) => x.accepts(req, deps))
  try {
    if (!h) throw new SipError(501, 'Not Implemented')
    await h.handle(req, deps, { c, ownRoutes })
  } catch (err) {
    await answerSipError(req, err, deps, h?.name ?? 'none')
  }
}

async function onResponse(
  res: SipResponse,
  deps: SproutDeps,
  handlers: SipResponseHandler[],
  c: SproutContext
): Promise<void> {
  const ownVia = res.topVia
  if (!isSproutHost(ownVia.host)) {
    deps.log.info('response not for this Sprout dropped', { via: ownVia.host, callId: res.callId })
    return
  }
  const h = handlers.find((x) => x.accepts(res, deps))
  if (h) await h.handle(res, deps, { c, ownVia })
  else deps.log.info('response no handler claims; dropped', { callId: res.callId })
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
    if (msg.kind === 'request') {
      const tracked = { ...deps, sender: trackingSender(deps, msg, started) }
      await onRequest(msg, tracked, handlers.requests, c)
    } else await onResponse(msg, deps, handlers.responses, c)
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
