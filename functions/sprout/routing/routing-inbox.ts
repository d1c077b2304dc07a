/**
 * @module sprout/routing/routing-inbox
 * Call routing's share of Sprout's `POST /sip` (sip-inbox.ts asks {@link routesMessage} first):
 * every request the registrar's handlers do not take — except REGISTER, which is the registrar's
 * or nobody's — plus every ACK and CANCEL, and every response to a request Sprout forwarded
 * (Sprout's Via on top with more below, or a branch of Sprout's proxy transactions). Requests
 * then go to the initial-request pass, the stateless in-dialog path, CANCEL or ACK handling;
 * responses to the response path. A SipError becomes the answer; anything else is a 500.
 */
import type { Context } from 'hono'
import type { FunctionBindings } from '../../../shared/http/function-app'
import type { SipMessage, SipRequest } from '../../../shared/sip'
import { SipError } from '../../../shared/sip/errors'
import { respondTo } from '../sip-build'
import type { SipRequestHandler } from '../sip-inbox'
import type { SproutDeps } from '../sprout-deps'
import { routeCancel } from './cancel'
import { forwardStateless, hasNextHop } from './in-dialog'
import { routeInitial } from './initial-request'
import { routeResponse } from './responses'
import { routingDepsFor } from './routing-deps'
import { isSproutHost, takeOwnRoutes } from './sip-ops'
import { parseForkBranch } from './tx-keys'

/** Whether call routing handles this message (the registrar's handlers get the rest). */
export function routesMessage(
  msg: SipMessage,
  deps: SproutDeps,
  registrar: readonly SipRequestHandler[]
): boolean {
  if (msg.kind === 'response') {
    if (!isSproutHost(msg.topVia.host)) return false
    return (
      msg.vias.length >= 2 ||
      parseForkBranch(msg.topVia.branch) !== undefined ||
      msg.cseq.method === 'CANCEL'
    )
  }
  if (msg.method === 'REGISTER') return false
  if (msg.method === 'ACK' || msg.method === 'CANCEL') return true
  const probe = msg.clone()
  takeOwnRoutes(probe)
  return !registrar.some((h) => h.accepts(probe, deps))
}

async function routeRequest(d: ReturnType<typeof routingDepsFor>, req: SipRequest): Promise<void> {
  const own = takeOwnRoutes(req)
  if (req.method === 'CANCEL') return routeCancel(d, req)
  if (req.method === 'ACK') {
    // An ACK for a 2xx goes end to end; one for a non-2xx final ends at this proxy (§17.2.1).
    if (req.toTag && hasNextHop(d, req)) await forwardStateless(d, req)
    return
  }
  if (req.toTag) return forwardStateless(d, req)
  return routeInitial(d, req, own)
}

/** Handles one message routing claimed. */
export async function routeMessage(
  msg: SipMessage,
  deps: SproutDeps,
  c: Context<FunctionBindings>
): Promise<void> {
  const d = routingDepsFor(deps, c)
  if (msg.kind === 'response') {
    await routeResponse(d, msg)
    return
  }
  try {
    await routeRequest(d, msg)
  } catch (err) {
    if (msg.method === 'ACK') return
    let e: SipError
    if (err instanceof SipError) e = err
    else {
      d.log.error('routing failed', { method: msg.method, callId: msg.callId, error: err })
      e = new SipError(500, 'Server Internal Error')
    }
    await d.sender.respond(respondTo(msg, e.status, e.reason))
  }
}
