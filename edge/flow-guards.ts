/**
 * @module edge/flow-guards
 * The checks that keep a flow's token from being a bearer capability (docs/internal-hop.md,
 * "Flow tokens and their scope"). Each costs one HMAC in the flow's own object: no store command
 * and no hop.
 *
 * - The edge's Record-Route carries the token scoped to the dialog (its Call-ID) with an expiry;
 *   an in-dialog request reaches the client only through such an entry
 *   ({@link inDialogRefusal}).
 * - The Via the edge puts on a request to its client has a keyed branch over the Via below it;
 *   a response from the client is relayed only when its top two Vias are such a pair
 *   ({@link answersOwnRequest}).
 */
import {
  checkDialogToken,
  clientBranch,
  isClientBranch,
  mintDialogToken,
  sameFlow,
} from '../shared/hop/flow-token'
import { FLOW_VIA_PARAM } from '../shared/hop/internal-addresses'
import type { SipMessage, SipRequest } from '../shared/sip/message'
import type { NameAddr } from '../shared/sip/name-addr'
import { getParam } from '../shared/sip/params'
import type { Via } from '../shared/sip/via'
import type { FlowIo } from './flow-io'

/** Removes the leading Route entries naming this flow (any scope); returns their user parts. */
export function popOwnRoutes(io: FlowIo, req: SipRequest): string[] {
  const popped: string[] = []
  for (;;) {
    const r = req.get('route') as NameAddr | undefined
    if (r?.uri.kind !== 'sip' || !r.uri.user || !sameFlow(r.uri.user, io.state.token)) return popped
    popped.push(r.uri.user)
    req.shift('route')
  }
}

/** The token to put in the edge's Record-Route of a dialog-creating request (RFC 3261 §16.6). */
export function dialogToken(io: FlowIo, req: SipRequest): Promise<string> {
  return mintDialogToken(
    io.cfg.flowTokenKeys,
    io.state.token,
    req.callId,
    io.now() + io.cfg.dialogTokenLifetimeMs
  )
}

/**
 * Why an in-dialog request from the core may not reach this flow's client, or undefined when it
 * may: one of the Route entries naming this flow (`popped`) must carry a token scoped to the
 * request's Call-ID and not expired. ACK is exempt: the ACK for a non-2xx follows the INVITE's
 * route (RFC 3261 §17.1.1.3), and a UA matches any ACK to its own transaction or dialog and
 * never answers it (§17.2.1, §13.3.1.4).
 */
export async function inDialogRefusal(
  io: FlowIo,
  req: SipRequest,
  popped: readonly string[]
): Promise<string | undefined> {
  if (!req.toTag || req.method === 'ACK') return undefined
  let worst = 'an in-dialog request must arrive through the dialog’s Record-Route'
  for (const user of popped) {
    const c = await checkDialogToken(io.cfg.flowTokenKeys, user, req.callId, io.now())
    if (c === 'ok') return undefined
    if (c === 'expired') worst = 'the dialog’s flow token has expired'
    else if (c === 'wrong-dialog') worst = 'the flow token belongs to another dialog'
  }
  return worst
}

const basis = (v: Via) => ({
  host: v.port ? `${v.host}:${v.port}` : v.host,
  branch: v.branch ?? '',
  flow: getParam(v.params, FLOW_VIA_PARAM) ?? '',
})

/** The branch of the edge's client-facing Via on a request whose top Via is `below`. */
export function branchToClient(io: FlowIo, below: Via): Promise<string> {
  return clientBranch(io.cfg.flowTokenKeys, io.state.token, basis(below))
}

/**
 * True when a response from the client carries, on top, a Via this flow put on a request to it,
 * over the Via that request had below it: then the next hop is where the request came from.
 */
export async function answersOwnRequest(io: FlowIo, res: SipMessage): Promise<boolean> {
  const [top, below] = res.vias
  if (!top?.branch || !below) return false
  return isClientBranch(io.cfg.flowTokenKeys, io.state.token, basis(below), top.branch)
}
