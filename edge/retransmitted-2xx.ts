/**
 * @module edge/retransmitted-2xx
 * A UAS retransmits its 2xx to an INVITE from T1 until the ACK arrives, whatever the transport
 * (RFC 3261 §13.3.1.4), because a proxy on an unreliable hop could lose it. Behind the edge no
 * hop is unreliable: the flow's hop to Sprout is answered only once Sprout has relayed the
 * response and the caller's flow has written it to the caller's WebSocket (docs/internal-hop.md,
 * order), and Sprout answers a hop whose 2xx it could not relay with an error (the copy is then
 * not noted). A trunk adapter retransmits toward its UDP peer itself (docs/trunk.md). So once the
 * first copy's hop is answered, the flow absorbs the client's later copies of that 2xx: each
 * would cost a Sprout invocation, a delivery to the caller's flow, and the caller's ACK for it
 * (two more), and over capacity the copies multiply with the delay they add.
 *
 * The edge answers nothing: the UA stops retransmitting only on the caller's ACK, which still
 * reaches it along the dialog's route set. A 2xx is known by the edge's client-facing Via branch
 * (one INVITE transaction toward this client) and its To tag (a client that forks answers with
 * several), kept as a short hash in the flow's attachment (the last {@link MAX_RELAYED_2XX}).
 */
import type { SipResponse } from '../shared/sip/message'
import type { FlowState } from './flow-state'

/** INVITE 2xx responses a flow remembers as relayed; a forgotten one is relayed again. */
export const MAX_RELAYED_2XX = 8

/** True for a 2xx to an INVITE, the only response a UAS retransmits over a reliable transport. */
export const isInvite2xx = (res: SipResponse): boolean =>
  res.status >= 200 && res.status < 300 && res.cseq.method === 'INVITE'

/**
 * A 53-bit string hash (cyrb53), base 36: the attachment holds 11 characters per response, and
 * two different 2xx of one flow that collide within its last eight would need odds of 2^-50.
 */
function hash53(text: string): string {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 2654435761)
    h2 = Math.imul(h2 ^ c, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36)
}

/**
 * The key of a client's INVITE 2xx, read while the edge's Via is still on top: that Via's branch
 * and the To tag. Undefined for any other response.
 */
export function relayKey(res: SipResponse): string | undefined {
  if (!isInvite2xx(res)) return undefined
  return hash53(`${res.vias[0]?.branch ?? ''}|${res.toTag ?? ''}`)
}

/** True when `key` names an INVITE 2xx whose first copy this flow has relayed. */
export const wasRelayed = (s: FlowState, key: string | undefined): boolean =>
  key !== undefined && (s.relayed2xx ?? []).includes(key)

/** Notes that the hop carrying the 2xx named `key` was answered: its later copies stay here. */
export function noteRelayed(s: FlowState, key: string | undefined): void {
  if (key === undefined) return
  s.relayed2xx ??= []
  if (s.relayed2xx.includes(key)) return
  s.relayed2xx.push(key)
  if (s.relayed2xx.length > MAX_RELAYED_2XX) s.relayed2xx.shift()
}
