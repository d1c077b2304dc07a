/**
 * Registering straight over the signed hop to Sprout, as an edge flow that does not keep its
 * bindings' expiry forwards a REGISTER (its Via without `ew-expiry=flow`, docs/registrar.md
 * "Expiry kept by the flow"): such a binding's expiry stays on the timer service, which the
 * local cloud's driven clock pops.
 */
import { EDGE_HOST, FLOW_VIA_PARAM } from '../../shared/hop/internal-addresses'
import { postSip } from '../../shared/hop/sip-over-http'
import { endpoints } from '../support/cloud'
import { answerChallenge, rawRegister, type Subscriber, statusOf } from './registrar-helpers'

/** A flow token of the edge's shape (64 hex, a dot, 24 hex) for a flow that does not exist. */
export const hopFlowToken = () =>
  `${crypto.randomUUID().replaceAll('-', '').repeat(2)}.${'cd'.repeat(12)}`

/** The REGISTER `raw` as the edge forwards it from flow `token`, without the expiry mark. */
function asForwarded(raw: string, token: string, n: number): string {
  const [start, ...rest] = raw.split('\r\n')
  return [
    start,
    `Via: SIP/2.0/HTTP ${EDGE_HOST};branch=z9hG4bKhop${Date.now()}${n};${FLOW_VIA_PARAM}=${token}`,
    ...rest.slice(0, 1),
    `Path: <sip:${token}@${EDGE_HOST};lr;ob>`,
    ...rest.slice(1),
  ].join('\r\n')
}

async function hop(text: string): Promise<string> {
  const r = await postSip(`${endpoints().functions.a.sprout}/sip`, text, {
    secret: endpoints().hopSecret,
    inline: true,
  })
  const answer = r.ok ? r.messages?.[0] : undefined
  if (!answer) throw new Error(`no inline answer from Sprout (${r.ok ? 'none' : r.reason})`)
  return answer
}

/** Challenge, answer, 200: the REGISTER's final answer. */
export async function hopRegister(o: {
  sub: Subscriber
  token: string
  callId: string
  contact: string
  expires: number
}): Promise<string> {
  const first = { sub: o.sub, callId: o.callId, contact: o.contact, expires: o.expires }
  const challenge = await hop(asForwarded(rawRegister({ ...first, cseq: 1 }), o.token, 1))
  if (statusOf(challenge) !== 401) throw new Error(`expected 401, got ${challenge.slice(0, 80)}`)
  const authorization = answerChallenge(challenge, o.sub)
  return hop(asForwarded(rawRegister({ ...first, cseq: 2, authorization }), o.token, 2))
}
