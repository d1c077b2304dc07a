/**
 * A callee's 2xx retransmitted until the ACK arrives (RFC 3261 §13.3.1.4): Sprout forwards every
 * copy (§16.7 step 5) but records the fork's 2xx in the transaction record once, so a loaded
 * cloud, where the ACK takes longer than T1, does not pay the record's KV commands again for
 * each copy (responses.ts). The flow that sent a 2xx counts on Sprout's hop answer: 202 once the
 * 2xx is on the caller's flow, 503 when it could not be relayed, so that flow lets the UAS's next
 * copy through (edge/retransmitted-2xx.ts).
 */
import { beforeEach, describe, expect, it } from 'vitest'
import type { SipRequest } from '../../../shared/sip'
import {
  DOMAIN,
  fromEdge,
  type RoutingHarness,
  routingHarness,
  tokenOf,
} from '../../../test/support/kits/routing-kit'
import { parseForkBranch } from './tx-keys'
import { txKvKey } from './tx-log'

const A = `sip:6505550011@${DOMAIN}`
const B = `sip:6505550012@${DOMAIN}`
const TA = tokenOf(11)
const TB = tokenOf(12)

let h: RoutingHarness
beforeEach(async () => {
  h = routingHarness()
  await h.provision(A)
  await h.provision(B)
  await h.register(A, TA)
  await h.register(B, TB)
})

describe('a retransmitted 2xx', () => {
  it('is forwarded to the caller each time and recorded once', async () => {
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    const inv = h.toFlow(TB, { method: 'INVITE' })[0] as SipRequest
    const key = parseForkBranch(inv.topVia.branch)!.key
    const events = async () => ((await h.vellum.kv.get<string[]>(txKvKey(key))) ?? []).length
    await h.answer(inv, 180, { toTag: 'b1' })
    await h.answer(inv, 200, { toTag: 'b1', body: 'v=0\r\n' })
    await h.settle()
    const once = await events()
    await h.answer(inv, 200, { toTag: 'b1', body: 'v=0\r\n' })
    await h.answer(inv, 200, { toTag: 'b1', body: 'v=0\r\n' })
    await h.settle()
    expect(h.toFlow(TA, { status: 200 })).toHaveLength(3)
    expect(await events()).toBe(once)
  })

  it('answers the hop 503 when the 2xx could not be relayed, and 202 for the copy that is', async () => {
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    const inv = h.toFlow(TB, { method: 'INVITE' })[0] as SipRequest
    h.overloadedFlows.add(TA)
    const first = await h.answer(inv, 200, { toTag: 'b1', body: 'v=0\r\n' })
    expect(first.status).toBe(503)
    expect(await first.text()).toMatch(/^response not relayed: 503 /)
    h.overloadedFlows.delete(TA)
    const copy = await h.answer(inv, 200, { toTag: 'b1', body: 'v=0\r\n' })
    expect(copy.status).toBe(202)
    expect(h.toFlow(TA, { status: 200 })).toHaveLength(1)
  })

  it('answers 202 for a 2xx whose caller flow is gone (430: no copy can reach it)', async () => {
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    const inv = h.toFlow(TB, { method: 'INVITE' })[0] as SipRequest
    h.closedFlows.add(TA)
    expect((await h.answer(inv, 200, { toTag: 'b1', body: 'v=0\r\n' })).status).toBe(202)
  })

  it('answers 202 for a non-2xx final whatever its relay did (the record answers upstream)', async () => {
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    const inv = h.toFlow(TB, { method: 'INVITE' })[0] as SipRequest
    h.overloadedFlows.add(TA)
    expect((await h.answer(inv, 486, { toTag: 'b1' })).status).toBe(202)
  })
})
