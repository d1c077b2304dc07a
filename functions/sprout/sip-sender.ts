/**
 * @module sprout/sip-sender
 * How Sprout puts SIP on the internal hop (docs/internal-hop.md): a response goes to whatever its
 * top Via names (the edge's Via carries the flow in `flow=`; an application server's Via names
 * `<as>.as.edgewater.internal`); a request goes to its top Route, or its Request-URI when no
 * Route is left (RFC 3261 §8.1.2). The resolver turns the address into a URL and `postSip`
 * sends it signed; the outcome is a {@link HopResult} (430 for a gone flow, 408, 503).
 */
import { FLOW_VIA_PARAM } from '../../shared/hop/internal-addresses'
import type { Resolver } from '../../shared/hop/resolver'
import { type HopResult, postSip } from '../../shared/hop/sip-over-http'
import type { Logger } from '../../shared/log/logger'
import type { SipRequest, SipResponse } from '../../shared/sip'
import { getParam } from '../../shared/sip/params'

export interface SipSender {
  respond(res: SipResponse): Promise<HopResult>
  request(req: SipRequest): Promise<HopResult>
}

export interface SenderOptions {
  resolver: Resolver
  secret: string
  log: Logger
  timeoutMs?: number
  fetch?: typeof fetch
}

const unroutable = (what: string): HopResult => ({
  ok: false,
  sipStatus: 503,
  reason: `no internal route to ${what}`,
  transport: false,
})

export function createSipSender(o: SenderOptions): SipSender {
  const post = (url: string, text: string) =>
    postSip(url, text, {
      secret: o.secret,
      ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
      ...(o.fetch ? { fetch: o.fetch } : {}),
    })
  const log = async (kind: string, target: string, r: Promise<HopResult>) => {
    const out = await r
    if (!out.ok)
      o.log.info('internal hop failed', { kind, target, status: out.sipStatus, reason: out.reason })
    return out
  }
  return {
    respond(res) {
      const via = res.topVia
      const hop = o.resolver.resolve(via.host, getParam(via.params, FLOW_VIA_PARAM) ?? undefined)
      if (!hop) return Promise.resolve(unroutable(via.host))
      return log('response', hop.url, post(hop.url, res.toString()))
    },
    request(req) {
      const route = req.get('route')
      const uri = route ? route.uri : req.uri
      if (uri.kind !== 'sip') return Promise.resolve(unroutable(String(uri.kind)))
      const hop = o.resolver.resolve(uri.host, uri.user)
      if (!hop) return Promise.resolve(unroutable(uri.host))
      return log('request', hop.url, post(hop.url, req.toString()))
    },
  }
}
