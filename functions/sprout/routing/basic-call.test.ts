import { beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_SIMSERVS_XML } from '../../../shared/ims/simservs-default'
import { callRecordKey, cdrsOfCallItems } from '../../../shared/ralf/call-record'
import type { SipRequest, SipResponse } from '../../../shared/sip'
import { buildRequest } from '../../../shared/sip/builders'
import {
  DOMAIN,
  fromEdge,
  type RoutingHarness,
  routingHarness,
  tokenOf,
} from '../../../test/support/kits/routing-kit'

/** Sprout's Record-Route with the call's charging token (charging/charging-token.ts). */
const SPROUT_RR_CHARGED = /^<sip:sprout\.a\.edgewater\.internal;lr;chg=[0-9a-f]{16}\.[\w-]{12}>$/

const A = `sip:6505550001@${DOMAIN}`
const B = `sip:6505550002@${DOMAIN}`
const TA = tokenOf(1)
const TB = tokenOf(2)

let h: RoutingHarness
beforeEach(async () => {
  h = routingHarness()
  await h.provision(A)
  await h.provision(B)
  await h.register(A, TA)
})

const last = <T>(xs: T[]): T => xs[xs.length - 1]!

describe('basic on-net call (clearwater-interfaces §10 tests 1, 4, 6)', () => {
  it('routes INVITE/180/200/ACK/BYE between two registered users', async () => {
    await h.register(B, TB)
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    // 100 Trying back to the caller's flow.
    expect(h.toFlow(TA, { status: 100 })).toHaveLength(1)
    const invites = h.toFlow(TB, { method: 'INVITE' }) as SipRequest[]
    expect(invites).toHaveLength(1)
    const inv = invites[0]!
    // To the binding's contact along its Path, with P-Called-Party-ID and Sprout's RR and Via.
    expect(inv.uriText).toBe(`sip:${TB.slice(0, 8)}@client.invalid;transport=ws`)
    expect(inv.getAllRaw('route')[0]).toContain(`${TB}@edge.edgewater.internal`)
    expect(inv.getRaw('p-called-party-id')).toBe(`<${B}>`)
    expect(inv.getAllRaw('record-route')[0]).toMatch(SPROUT_RR_CHARGED)
    expect(inv.topVia.host).toBe('sprout.a.edgewater.internal')
    expect(inv.getRaw('session-expires')).toBe('600')

    await h.answer(inv, 180, { toTag: 'b1' })
    expect(h.toFlow(TA, { status: 180 })).toHaveLength(1)
    await h.answer(inv, 200, { toTag: 'b1', body: 'v=0\r\n' })
    const ok = h.toFlow(TA, { status: 200 }) as SipResponse[]
    expect(ok).toHaveLength(1)
    // Sprout's Via is gone; the edge's is on top again.
    expect(ok[0]!.topVia.host).toBe('edge.edgewater.internal')
    // START records for both roles, in the call's partition.
    await h.settle()
    const records = async () =>
      cdrsOfCallItems((await h.vellum.table.query({ pk: callRecordKey(inv.callId).pk })).items).map(
        (c) => `${c.record_type}:${c.role_of_node}`
      )
    expect(await records()).toEqual(['START:0', 'START:1'])

    // In-dialog ACK and BYE follow the route set: Sprout's RR, then the callee's edge flow.
    const inDialog = (method: string, cseq: number) =>
      buildRequest({
        method,
        uri: inv.uriText,
        via: [
          'SIP/2.0/HTTP edge.edgewater.internal;branch=z9hG4bKedgeack;flow=' + TA,
          `SIP/2.0/WSS client.invalid;branch=z9hG4bK${method}${cseq}`,
        ],
        route: ['<sip:sprout.a.edgewater.internal;lr>', `<sip:${TB}@edge.edgewater.internal;lr>`],
        from: inv.getRaw('from')!,
        to: `${inv.getRaw('to')!};tag=b1`,
        callId: inv.callId,
        cseq,
      }).toString()
    await h.post(inDialog('ACK', 1))
    expect(h.toFlow(TB, { method: 'ACK' })).toHaveLength(1)
    await h.post(inDialog('BYE', 2))
    const bye = last(h.toFlow(TB, { method: 'BYE' })) as SipRequest
    await h.answer(bye, 200, { toTag: 'b1' })
    expect(
      h.toFlow(TA, { status: 200 }).filter((m) => (m as SipResponse).cseq.method === 'BYE')
    ).toHaveLength(1)
    await h.settle()
    expect(await records()).toEqual(['START:0', 'STOP:0', 'START:1', 'STOP:1'])
  })

  it('answers 100 then 480 for an unregistered callee, and 480 for an unknown one', async () => {
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    const got = h.toFlow(TA) as SipResponse[]
    expect(got.map((r) => r.status)).toEqual([100, 480])
    await h.post(fromEdge({ from: A, to: `sip:nobody@${DOMAIN}`, token: TA }))
    expect(last(h.toFlow(TA) as SipResponse[]).status).toBe(480)
  })

  it('relays a callee rejection and acknowledges it towards the callee', async () => {
    await h.register(B, TB)
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    const inv = h.toFlow(TB, { method: 'INVITE' })[0] as SipRequest
    await h.answer(inv, 486)
    expect(last(h.toFlow(TA) as SipResponse[]).status).toBe(486)
    const ack = h.toFlow(TB, { method: 'ACK' })[0] as SipRequest
    expect(ack.topVia.branch).toBe(inv.topVia.branch)
  })

  it('delivers MESSAGE end to end and tel URIs to the home-domain user', async () => {
    await h.register(B, TB)
    await h.post(
      fromEdge({ method: 'MESSAGE', from: A, to: 'tel:6505550002', token: TA, body: 'hello' })
    )
    const msg = h.toFlow(TB, { method: 'MESSAGE' })[0] as SipRequest
    expect(msg.body).toBe('hello')
    expect(msg.getRaw('p-called-party-id')).toBe(`<${B}>`)
    await h.answer(msg, 200)
    expect(last(h.toFlow(TA) as SipResponse[]).status).toBe(200)
  })

  it('costs at most two sequential store round trips in Sprout for an on-net INVITE', async () => {
    await h.register(B, TB)
    // As Ellis provisions them: the MMTEL settings are in Homer's cache.
    await h.simservs(A, DEFAULT_SIMSERVS_XML)
    await h.simservs(B, DEFAULT_SIMSERVS_XML)
    const text = fromEdge({ from: A, to: B, token: TA })
    await h.post(text)
    const callId = /Call-ID: (.*)\r\n/.exec(text)![1]!
    const res = await h.request(
      'GET',
      `/routing/transactions?call-id=${encodeURIComponent(callId)}`
    )
    const body = (await res.json()) as {
      transactions: Array<{ what: string; sproutDepth: number; byStore: Record<string, number> }>
    }
    const fwd = body.transactions.find((t) => t.what === 'forward')!
    // Level 1: both users' MMTEL settings and the callee's bindings; level 2: the record and
    // Timer C. Homestead's reads happen in Dime, beside level 1 (measured on the local cloud).
    expect(fwd.sproutDepth).toBe(2)
    expect(fwd.byStore['kv-local']).toBe(4)
  })
})
