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
 *
 * Order (docs/internal-hop.md): the hop is answered only once the message has been handed on
 * (forwarded or answered) and the work it causes (NOTIFYs, third-party REGISTERs, charging) is
 * done, so the sender's next message reaches Sprout after all of it. A flow that asks for its
 * answers inline (`x-edgewater-replies: inline`) gets the answers to its request in the HTTP
 * answer (sip-sender.ts `inlineReplies`) rather than as requests to the edge of their own.
 */
import type { Handler } from 'hono'
import {
  type HopResult,
  INLINE_REPLIES_HEADER,
  INLINE_REPLIES_VALUE,
  inlineAnswerBody,
  SIP_BATCH_CONTENT_TYPE,
} from '../../shared/hop/sip-over-http'
import type { FunctionBindings } from '../../shared/http/function-app'
import { type SipRequest, type SipResponse, tryParseMessage } from '../../shared/sip'
import { SipError } from '../../shared/sip/errors'
import { DeferredWork } from './deferred-work'
import { respondTo } from './sip-build'
import {
  answerSipError,
  isSproutHost,
  type NotRelayed,
  type SipHandlers,
  type SipRequestHandler,
  type SipResponseHandler,
  takeOwnRoutes,
} from './sip-handlers'
import { noteFinalResponse, noteSipRequest } from './sip-metrics'
import { type InlineReplies, inlineReplies, type SipSender } from './sip-sender'
import type { SproutContext, SproutDeps, SproutDepsFactory } from './sprout-deps'
import { startSipTrace } from './trace/sip-tracing'
import { recordTransaction } from './transaction-stats'

const utf8 = new TextDecoder()

/** Wraps the sender so the first final response of the transaction records its cost. */
function trackingSender(deps: SproutDeps, req: SipRequest, started: number): SipSender {
  let recorded = false
  return {
    request: (r, h) => deps.sender.request(r, h),
    respond: (res, h): Promise<HopResult> => {
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
      return deps.sender.respond(res, h)
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
): Promise<NotRelayed | undefined> {
  const ownVia = res.topVia
  if (!isSproutHost(ownVia.host)) {
    deps.log.info('response not for this Sprout dropped', { via: ownVia.host, callId: res.callId })
    return undefined
  }
  const h = handlers.find((x) => x.accepts(res, deps))
  if (h) return (await h.handle(res, deps, { c, ownVia })) ?? undefined
  deps.log.info('response no handler claims; dropped', { callId: res.callId })
  return undefined
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

/**
 * Waits for what the message caused, up to `limitMs`, before the hop is answered: the sender's
 * next message then reaches Sprout after it (docs/internal-hop.md, order). Work still running
 * at the limit (a slow application server) goes on after the answer where the runtime allows
 * (Workers `waitUntil`); elsewhere (Lambda ends the invocation with the answer) it is awaited.
 */
async function settleBeforeAnswer(
  work: DeferredWork,
  c: SproutContext,
  limitMs: number
): Promise<void> {
  if (work.idle) return
  const drained = work.drain()
  let timer: ReturnType<typeof setTimeout> | undefined
  const inTime = await Promise.race([
    drained.then(() => true),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), limitMs)
    }),
  ])
  clearTimeout(timer)
  if (inTime) return
  let waitUntil: ((p: Promise<unknown>) => void) | undefined
  try {
    const ec = c.executionCtx
    waitUntil = (p) => ec.waitUntil(p)
  } catch {
    waitUntil = undefined
  }
  if (waitUntil) waitUntil(drained)
  else await drained
}

export function sipInbox(
  factory: SproutDepsFactory,
  handlers: SipHandlers
): Handler<FunctionBindings> {
  return async (c: SproutContext) => {
    // The trusted zone has read the body as bytes (hono keeps them): decode those once.
    const text = utf8.decode(await c.req.arrayBuffer())
    const work = new DeferredWork(c.get('services').log)
    const base = factory(c)
    let deps: SproutDeps = { ...base, defer: (t) => work.add(t) }
    const parsed = tryParseMessage(text)
    if (!parsed.ok) {
      const answered = await badMessage(text, parsed.error.reason, deps)
      return answered
        ? c.body(null, 202)
        : c.json({ error: 'malformed SIP', reason: parsed.error.reason }, 400)
    }
    const msg = parsed.value
    noteSipRequest(msg)
    const started = Date.now()
    // Call traces (trace/sip-tracing.ts): what is sent for this message is recorded and traced.
    const trace = startSipTrace(c, deps, msg, text)
    deps = { ...deps, wrapFetch: (f) => trace.wrapFetch(f) }
    let inline: InlineReplies | undefined
    let unrelayed: NotRelayed | undefined
    if (msg.kind === 'request') {
      if (c.req.header(INLINE_REPLIES_HEADER) === INLINE_REPLIES_VALUE)
        inline = inlineReplies(deps.sender, msg, (r) => noteFinalResponse(r, deps.log))
      const sending = inline ? { ...deps, sender: inline.sender } : deps
      const tracked = { ...sending, sender: trace.sender(trackingSender(sending, msg, started)) }
      await onRequest(msg, tracked, handlers.requests, c)
    } else
      unrelayed = await onResponse(
        msg,
        { ...deps, sender: trace.sender(deps.sender) },
        handlers.responses,
        c
      )
    await settleBeforeAnswer(work, c, deps.config.SIP_SETTLE_MS)
    await trace.finish()
    // The sender counts on this response having been handed on (an INVITE 2xx): tell it not.
    if (unrelayed) return c.text(`response not relayed: ${unrelayed.notRelayed}`, 503)
    const replies = inline?.take() ?? []
    if (replies.length === 0) return c.body(null, 202)
    return c.body(inlineAnswerBody(replies), 200, { 'content-type': SIP_BATCH_CONTENT_TYPE })
  }
}
