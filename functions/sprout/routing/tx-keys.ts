/**
 * @module sprout/routing/tx-keys
 * How Sprout names its proxy transactions and their client branches (RFC 3261 §16.6 step 8,
 * §17.2.3). A server transaction is keyed by the top Via's branch and sent-by — except when the
 * top Via is the edge's, whose branches are fresh per message (a stateless relay), where the
 * client's own Via below it (and the flow) is used, so a CANCEL or an ACK for a non-2xx matches
 * its INVITE (RFC 3261 §9.2). Each client transaction's branch carries the server transaction's
 * key, the fork generation and the fork index, so a response finds its record from its Via alone:
 * `z9hG4bKR<key>.<generation>.<fork>`. Stateless forwarding (in-dialog requests) uses
 * `z9hG4bKS<hash>`, derived the same way from the incoming transaction (§16.11), so a CANCEL
 * forwarded statelessly gets the branch of the request it cancels.
 */
import { EDGE_HOST, FLOW_VIA_PARAM } from '../../../shared/hop/internal-addresses'
import type { SipMessage } from '../../../shared/sip'
import { md5Hex } from '../../../shared/sip/md5'
import { getParam } from '../../../shared/sip/params'

const STATEFUL = 'z9hG4bKR'
const STATELESS = 'z9hG4bKS'

/** The text that identifies the upstream transaction a message belongs to. */
export function transactionBasis(msg: SipMessage): string {
  const vias = msg.vias
  const top = vias[0]!
  if (top.host.toLowerCase() === EDGE_HOST && vias[1]) {
    const client = vias[1]
    const flow = getParam(top.params, FLOW_VIA_PARAM) ?? ''
    return `${flow}|${client.branch ?? ''}|${client.host}:${client.port ?? ''}|${msg.callId}`
  }
  return `${top.branch ?? ''}|${top.host}:${top.port ?? ''}|${msg.callId}`
}

/** The key of the server transaction a request starts (or a CANCEL / non-2xx ACK matches). */
export const transactionKey = (msg: SipMessage): string =>
  md5Hex(transactionBasis(msg)).slice(0, 24)

export interface ForkRef {
  key: string
  gen: number
  fork: number
}

export const forkBranch = (r: ForkRef): string => `${STATEFUL}${r.key}.${r.gen}.${r.fork}`

/** The fork a branch of ours names, or undefined for a stateless or foreign branch. */
export function parseForkBranch(branch: string | null | undefined): ForkRef | undefined {
  if (!branch?.startsWith(STATEFUL)) return undefined
  const m = /^([0-9a-f]{24})\.(\d{1,4})\.(\d{1,4})$/.exec(branch.slice(STATEFUL.length))
  return m ? { key: m[1]!, gen: Number(m[2]), fork: Number(m[3]) } : undefined
}

/** The branch of a statelessly forwarded request (RFC 3261 §16.11). */
export const statelessBranch = (msg: SipMessage): string =>
  `${STATELESS}${md5Hex(`${transactionBasis(msg)}|${msg.cseq.method === 'ACK' ? 'ACK' : 'TX'}`).slice(0, 24)}`

export const isStatelessBranch = (branch: string | null | undefined): boolean =>
  branch?.startsWith(STATELESS) === true

/** The ODI token of a fork that went to an application server. */
export const odiToken = (r: ForkRef): string => `${r.key}.${r.gen}.${r.fork}`

export function parseOdiToken(token: string): ForkRef | undefined {
  const m = /^([0-9a-f]{24})\.(\d{1,4})\.(\d{1,4})$/.exec(token)
  return m ? { key: m[1]!, gen: Number(m[2]), fork: Number(m[3]) } : undefined
}
