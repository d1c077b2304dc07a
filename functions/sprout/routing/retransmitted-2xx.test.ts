/**
 * A callee's 2xx retransmitted until the ACK arrives (RFC 3261 §13.3.1.4): Sprout forwards every
 * copy (§16.7 step 5) but records the fork's 2xx in the transaction record once, so a loaded
 * cloud, where the ACK takes longer than T1, does not pay the record's KV commands again for
 * each copy (responses.ts).
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
})
