/**
 * A callee's retransmitted INVITE 2xx over real WebSockets on the local cloud
 * (docs/internal-hop.md#retransmitted-2xx): a user agent repeats its 2xx until the ACK arrives
 * (RFC 3261 §13.3.1.4), and the callee's flow absorbs every copy after the one Sprout's hop took.
 * The callee here sends its 200 three times in one burst, then answers the BYE: the caller hears
 * one 200 to its INVITE (what the flow let through would reach it before the BYE's 200, since the
 * lanes keep order), the callee still gets the ACK, and the call costs its six Sprout invocations
 * and six deliveries (INVITE, 180, 200, ACK, BYE, 200), not two more per copy.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { parseMessage, type SipRequest, type SipResponse } from '../../shared/sip'
import { both, counted } from '../support/store-counting'
import {
  callIdOf,
  cseqOf,
  inDialog,
  isRequest,
  OFFER,
  RawParty,
  statusLine,
} from './flow-order-support'

const parties: RawParty[] = []
afterAll(() => {
  for (const p of parties) p.sock.close()
})

/** One call whose callee sends 180 and then its 200 `copies` times, all in one burst. */
async function call(caller: RawParty, callee: RawParty, copies: number) {
  callee.onRequest = (req) => {
    if (req.method === 'INVITE') callee.answer(req, [180, ...Array(copies).fill(200)])
    else if (req.method === 'BYE') callee.answer(req, [200])
  }
  const callId = `rtx2xx-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
  const text = caller.request('INVITE', callee.sub.impu, callId, OFFER)
  const invite = parseMessage(text) as SipRequest
  caller.send(text)
  const ok = parseMessage(
    await caller.sock.next(
      (m) => callIdOf(m) === callId && statusLine(m) === 200 && cseqOf(m)?.[2] === 'INVITE'
    )
  ) as SipResponse
  caller.send(inDialog('ACK', invite, ok, 1))
  caller.send(inDialog('BYE', invite, ok, 2))
  await caller.sock.next(
    (m) => callIdOf(m) === callId && statusLine(m) === 200 && cseqOf(m)?.[2] === 'BYE'
  )
  await callee.sock.next((m) => callIdOf(m) === callId && isRequest(m, 'BYE'))
  const onCall = (p: RawParty) => p.sock.received.filter((m) => callIdOf(m) === callId)
  return {
    heard: onCall(caller).map(statusLine),
    got: onCall(callee)
      .filter((m) => !statusLine(m))
      .map((m) => m.slice(0, m.indexOf(' '))),
  }
}

describe('a callee that retransmits its 200', () => {
  it('is heard once by the caller, still gets the ACK, and costs no extra hop', async () => {
    const [caller, callee] = await Promise.all([
      RawParty.open('rtx2xx-caller'),
      RawParty.open('rtx2xx-callee'),
    ])
    parties.push(caller, callee)
    // The first call warms isolates and caches; the second is counted.
    await call(caller, callee, 3)
    let seen: Awaited<ReturnType<typeof call>> | undefined
    const s = await counted(async () => {
      seen = await call(caller, callee, 3)
    })
    expect(seen!.heard).toEqual([100, 180, 200, 200])
    expect(seen!.got).toEqual(['INVITE', 'ACK', 'BYE'])
    expect(both(s, (r) => r.functions.routes.by)['sprout POST /sip']).toBe(6)
    expect(both(s, (r) => r.edge.requests.by)['POST /internal/flows/*/sip']).toBe(6)
  })
})
