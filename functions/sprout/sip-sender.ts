/**
 * @module sprout/sip-sender
 * How Sprout puts SIP on the internal hop (docs/internal-hop.md): a response goes to whatever its
 * top Via names (the edge's Via carries the flow in `flow=`; an application server's Via names
 * `<as>.as.edgewater.internal`); a request goes to its top Route, or its Request-URI when no
 * Route is left (RFC 3261 §8.1.2). The resolver turns the address into a URL and `postSip`
 * sends it signed; the outcome is a {@link HopResult} (430 for a gone flow, 408, 503).
 *
 * {@link inlineReplies} keeps the answers to a flow's own request for the hop's HTTP answer
 * when the flow asked for them inline (docs/internal-hop.md), as long as that keeps the order
 * in which Sprout sent things.
 */

import type { SlowHop } from '../../shared/hop/hop-liveness'
import { EDGE_HOST, FLOW_VIA_PARAM } from '../../shared/hop/internal-addresses'
import type { Resolver } from '../../shared/hop/resolver'
import { type HopResult, postSip } from '../../shared/hop/sip-over-http'
import type { Logger } from '../../shared/log/logger'
import type { SipRequest, SipResponse } from '../../shared/sip'
import { getParam } from '../../shared/sip/params'
import type { Via } from '../../shared/sip/via'
import { noteFinalResponse } from './sip-metrics'

export interface SipSender {
  /** `headers`: extra hop headers (the trace's `traceparent`/`tracestate`, trace/sip-tracing.ts). */
  respond(res: SipResponse, headers?: Record<string, string>): Promise<HopResult>
  request(req: SipRequest, headers?: Record<string, string>): Promise<HopResult>
}

export interface SenderOptions {
  resolver: Resolver
  secret: string
  log: Logger
  timeoutMs?: number
  fetch?: typeof fetch
  /**
   * What a hop to `url` unanswered at its timeout does (shared/hop/hop-liveness.ts): a running
   * receiver is waited for, since it may have carried the message out. Unset: it fails at once.
   */
  slow?: (url: string) => SlowHop | undefined
}

const unroutable = (what: string): HopResult => ({
  ok: false,
  sipStatus: 503,
  reason: `no internal route to ${what}`,
  transport: false,
})

export function createSipSender(o: SenderOptions): SipSender {
  const post = (url: string, text: string, headers?: Record<string, string>) => {
    const slow = o.slow?.(url)
    return postSip(url, text, {
      secret: o.secret,
      ...(headers ? { headers } : {}),
      ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
      ...(o.fetch ? { fetch: o.fetch } : {}),
      ...(slow ? { slow } : {}),
    })
  }
  const log = async (kind: string, target: string, r: Promise<HopResult>) => {
    const out = await r
    if (!out.ok)
      o.log.info('internal hop failed', { kind, target, status: out.sipStatus, reason: out.reason })
    return out
  }
  return {
    respond(res, headers) {
      noteFinalResponse(res, o.log)
      const via = res.topVia
      const hop = o.resolver.resolve(via.host, getParam(via.params, FLOW_VIA_PARAM) ?? undefined)
      if (!hop) return Promise.resolve(unroutable(via.host))
      return log('response', hop.url, post(hop.url, res.toString(), headers))
    },
    request(req, headers) {
      const route = req.get('route')
      const uri = route ? route.uri : req.uri
      if (uri.kind !== 'sip') return Promise.resolve(unroutable(String(uri.kind)))
      const hop = o.resolver.resolve(uri.host, uri.user)
      if (!hop) return Promise.resolve(unroutable(uri.host))
      return log('request', hop.url, post(hop.url, req.toString(), headers))
    },
  }
}

/** A sender that holds the answers to one request for the hop's HTTP answer. */
export interface InlineReplies {
  sender: SipSender
  /** The held answers, in the order they were sent; nothing is held after this. */
  take(): string[]
}

const flowOf = (via: Via) =>
  via.host.toLowerCase() === EDGE_HOST ? getParam(via.params, FLOW_VIA_PARAM) : undefined

/**
 * Wraps `base` for the handling of `req`, which came from a flow that takes its answers inline.
 * A response to `req` itself (the same edge Via: host, branch and flow) is held rather than
 * posted; a 100 Trying is dropped, since the edge sent the client its own (RFC 3261 §16.2,
 * §16.7 step 3). Before anything else leaves (a request, a response elsewhere), the held
 * answers are posted as usual and holding stops: whatever that send causes can reach the flow
 * only after them, so the flow's client hears everything in the order Sprout sent it.
 */
export function inlineReplies(
  base: SipSender,
  req: SipRequest,
  /** Sees each held final answer (it never reaches `base`): Sprout's metrics and log. */
  onHeld?: (res: SipResponse) => void
): InlineReplies {
  const top = req.topVia
  const flow = flowOf(top)
  let holding = flow !== undefined && flow !== null
  const held: Array<{ res: SipResponse; headers?: Record<string, string> | undefined }> = []
  let flushing: Promise<void> | undefined
  const flush = (): Promise<void> => {
    holding = false
    if (!flushing) {
      const out = held.splice(0)
      flushing = (async () => {
        for (const h of out) await base.respond(h.res, h.headers)
      })()
    }
    return flushing
  }
  const ours = (res: SipResponse) => {
    const via = res.topVia
    return via.branch === top.branch && flowOf(via) === flow
  }
  return {
    sender: {
      async respond(res, headers) {
        if (holding && ours(res)) {
          if (res.status >= 200) onHeld?.(res)
          if (res.status !== 100) held.push({ res, headers })
          return { ok: true }
        }
        await flush()
        return base.respond(res, headers)
      },
      async request(r, headers) {
        await flush()
        return base.request(r, headers)
      },
    },
    take() {
      holding = false
      return held.splice(0).map((h) => h.res.toString())
    },
  }
}
