import { beforeEach, describe, expect, it } from 'vitest'
import type { SipRequest, SipResponse } from '../../../shared/sip'
import {
  cancelFromEdge,
  DOMAIN,
  fromEdge,
  type RoutingHarness,
  routingHarness,
  tokenOf,
} from '../../../test/support/kits/routing-kit'
import { AorStore } from '../registrar/aor-store'

const A = `sip:6505550101@${DOMAIN}`
const B = `sip:6505550102@${DOMAIN}`
const TA = tokenOf(11)
const TB1 = tokenOf(21)
const TB2 = tokenOf(22)

let h: RoutingHarness
beforeEach(async () => {
  h = routingHarness()
  await h.provision(A)
  await h.provision(B)
  await h.register(A, TA)
  await h.register(B, TB1, {
    instance: 'urn:uuid:00000000-0000-0000-0000-0000000000b1',
    params: [['audio', null]],
  })
  await h.register(B, TB2, {
    instance: 'urn:uuid:00000000-0000-0000-0000-0000000000b2',
    params: [['video', null]],
  })
})

const statuses = (token: string) =>
  (h.toFlow(token).filter((m) => m.kind === 'response') as SipResponse[]).map((r) => r.status)

describe('parallel forking (clearwater-interfaces §10 tests 29–31, 34)', () => {
  it('rings every binding; a 2xx from one cancels the other', async () => {
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    const i1 = h.toFlow(TB1, { method: 'INVITE' })[0] as SipRequest
    const i2 = h.toFlow(TB2, { method: 'INVITE' })[0] as SipRequest
    expect(i1.topVia.branch).not.toBe(i2.topVia.branch)
    await h.answer(i1, 180, { toTag: 'x1' })
    await h.answer(i2, 180, { toTag: 'x2' })
    await h.answer(i1, 200, { toTag: 'x1' })
    const cancel = h.toFlow(TB2, { method: 'CANCEL' })[0] as SipRequest
    expect(cancel.topVia.branch).toBe(i2.topVia.branch)
    expect(cancel.uriText).toBe(i2.uriText)
    await h.answer(i2, 487, { toTag: 'x2' })
    // The caller sees the 2xx once and never the 487.
    expect(statuses(TA)).toEqual([100, 180, 180, 200])
  })

  it('answers CANCEL with 200, cancels every fork and answers the INVITE 487', async () => {
    const inv = fromEdge({ from: A, to: B, token: TA })
    await h.post(inv)
    await h.post(cancelFromEdge(inv))
    expect(h.toFlow(TB1, { method: 'CANCEL' })).toHaveLength(1)
    expect(h.toFlow(TB2, { method: 'CANCEL' })).toHaveLength(1)
    const toA = h.toFlow(TA).filter((m) => m.kind === 'response') as SipResponse[]
    expect(toA.map((r) => `${r.status} ${r.cseq.method}`)).toEqual([
      '100 INVITE',
      '200 CANCEL',
      '487 INVITE',
    ])
    // A CANCEL for nothing is 481.
    await h.post(cancelFromEdge(fromEdge({ from: A, to: B, token: TA })))
    expect(statuses(TA).slice(-1)).toEqual([481])
  })

  it('sends no CANCEL to the other bindings of a forked MESSAGE, and relays one 2xx', async () => {
    await h.post(fromEdge({ method: 'MESSAGE', from: A, to: B, token: TA, body: 'hi' }))
    const m1 = h.toFlow(TB1, { method: 'MESSAGE' })[0] as SipRequest
    const m2 = h.toFlow(TB2, { method: 'MESSAGE' })[0] as SipRequest
    await h.answer(m1, 200, { toTag: 'x1' })
    await h.settle()
    // RFC 3261 §9.1: a request other than INVITE is never cancelled; the second binding has
    // taken the MESSAGE as well, and its answer comes in after the first.
    expect(h.toFlow(TB2, { method: 'CANCEL' })).toHaveLength(0)
    await h.answer(m2, 200, { toTag: 'x2' })
    await h.settle()
    expect(h.toFlow(TB1, { method: 'CANCEL' })).toHaveLength(0)
    // §16.7 step 5: only the first final answer of a non-INVITE request goes upstream.
    expect(statuses(TA)).toEqual([200])
  })

  it('forwards the best answer when every binding refuses, and drops a dead flow', async () => {
    h.closedFlows.add(TB2)
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    const i1 = h.toFlow(TB1, { method: 'INVITE' })[0] as SipRequest
    await h.answer(i1, 486)
    expect(statuses(TA)).toEqual([100, 486])
    await h.settle()
    // The binding behind the failed flow is gone (RFC 5626 §5.3).
    const left = await new AorStore(h.vellum.kv).read(B)
    expect(left.bindings.map((b) => b.id)).toEqual([
      'urn:uuid:00000000-0000-0000-0000-0000000000b1',
    ])
  })
})

describe('caller preferences and GRUUs (tests 35–41, 59–68)', () => {
  it('reaches only the instance an Accept-Contact requires, 480 when none matches', async () => {
    await h.post(
      fromEdge({
        method: 'MESSAGE',
        from: A,
        to: B,
        token: TA,
        body: 'hi',
        headers: [
          'Accept-Contact: *;+sip.instance="<urn:uuid:00000000-0000-0000-0000-0000000000b2>";explicit;require',
        ],
      })
    )
    expect(h.toFlow(TB1, { method: 'MESSAGE' })).toHaveLength(0)
    expect(h.toFlow(TB2, { method: 'MESSAGE' })).toHaveLength(1)
    await h.post(
      fromEdge({
        method: 'MESSAGE',
        from: A,
        to: B,
        token: TA,
        body: 'hi',
        headers: ['Accept-Contact: *;+sip.instance="<wrong>";explicit;require'],
      })
    )
    expect(statuses(TA).slice(-1)).toEqual([480])
    await h.post(
      fromEdge({
        method: 'MESSAGE',
        from: A,
        to: B,
        token: TA,
        body: 'hi',
        headers: ['Reject-Contact: *;video'],
      })
    )
    expect(h.toFlow(TB1, { method: 'MESSAGE' })).toHaveLength(1)
    expect(h.toFlow(TB2, { method: 'MESSAGE' })).toHaveLength(1)
  })

  it('targets one binding by its GRUU, with other URI parameters, and refuses an unknown one', async () => {
    const gruu = `${B};gr=urn:uuid:00000000-0000-0000-0000-0000000000b1`
    await h.post(fromEdge({ from: A, to: B, uri: `${gruu};foo=bar`, token: TA }))
    expect(h.toFlow(TB1, { method: 'INVITE' })).toHaveLength(1)
    expect(h.toFlow(TB2, { method: 'INVITE' })).toHaveLength(0)
    await h.post(fromEdge({ from: A, to: B, uri: `${B};gr=nonsense`, token: TA }))
    expect(statuses(TA).slice(-1)).toEqual([480])
  })
})
