/**
 * Sprout's relay towards another pool's S-CSCF (relay.ts) over the routing harness: a request
 * from the edge whose Route set is Sprout's relay entry above another pool's Service-Route goes
 * there statelessly, record-routed by the relay entry, with no S-CSCF processing and no store
 * operation; its CANCEL, responses and the dialog's later requests pass the same way.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { SipRequest, SipResponse } from '../../../shared/sip'
import {
  cancelFromEdge,
  DOMAIN,
  fromEdge,
  type RoutingHarness,
  routingHarness,
  tokenOf,
} from '../../../test/support/kits/routing-kit'

const A = `sip:6505550001@${DOMAIN}`
const B = `sip:6505550002@${DOMAIN}`
const TA = tokenOf(1)
const TB = tokenOf(2)
/** The other pool's S-CSCF stands in as a recorded endpoint of the fake edge. */
const POOL2_TOKEN = 'pool-2'
const POOL2_ROUTE = '<sip:pool2.as.edgewater.internal;lr;orig>'
const RELAY = '<sip:sprout.a.edgewater.internal;lr;service=relay>'
const EDGE_FLOW = (t: string) => `http://127.0.0.1:9787/internal/flows/${t}/sip`

function harness(): RoutingHarness {
  return routingHarness({
    AS_URLS: JSON.stringify({ pool2: EDGE_FLOW(POOL2_TOKEN) }),
  })
}

/** An initial request from A's flow, as the edge sends it for a flow homed on pool 2. */
const relayed = (o: Partial<Parameters<typeof fromEdge>[0]> = {}) =>
  fromEdge({
    from: A,
    to: B,
    token: TA,
    orig: false,
    headers: [`Route: ${RELAY}`, `Route: ${POOL2_ROUTE}`],
    ...o,
  })

describe('the relay towards another pool’s S-CSCF', () => {
  let h: RoutingHarness
  let storeCalls: ReturnType<typeof vi.spyOn>
  beforeEach(async () => {
    h = harness()
    // B is served here and registered: an S-CSCF pass would deliver to it.
    await h.provision(A)
    await h.provision(B)
    await h.register(B, TB)
    // The isolate's first message loads the trace flags (one table query, trace/flag-snapshot.ts).
    await h.post(relayed({ method: 'MESSAGE', body: 'warm-up' }))
    h.sent.length = 0
    storeCalls = vi.spyOn(h.vellum.roundTrips, 'track')
  })

  it('sends an INVITE along the Service-Route statelessly, record-routed, with no S-CSCF processing', async () => {
    await h.post(relayed())
    const out = h.toFlow(POOL2_TOKEN, { method: 'INVITE' }) as SipRequest[]
    expect(out).toHaveLength(1)
    const inv = out[0]!
    expect(inv.getAllRaw('route')).toEqual([POOL2_ROUTE])
    expect(inv.topVia.host).toBe('sprout.a.edgewater.internal')
    expect(inv.topVia.branch).toMatch(/^z9hG4bKS/)
    // No accounting or session-timer notes: this Sprout does not serve the call.
    expect(inv.topVia.params.map((p) => p.name)).toEqual(['branch'])
    expect(inv.getAllRaw('record-route')[0]).toBe(RELAY)
    expect(inv.maxForwards).toBe(68)
    expect(inv.has('session-expires')).toBe(false)
    // Not delivered here, not answered 100 by Sprout (the edge already did), nothing stored.
    expect(h.toFlow(TB)).toHaveLength(0)
    expect(h.toFlow(TA)).toHaveLength(0)
    expect(storeCalls).not.toHaveBeenCalled()

    // The other pool's answers come back through Sprout's Via to the caller's flow.
    await h.answer(inv, 180, { toTag: 'p2' })
    await h.answer(inv, 200, { toTag: 'p2', headers: [['Record-Route', RELAY]] })
    const back = h.toFlow(TA) as SipResponse[]
    expect(back.map((r) => r.status)).toEqual([180, 200])
    expect(back[1]!.topVia.host).toBe('edge.edgewater.internal')
    expect(back[1]!.has('session-expires')).toBe(false)
    expect(storeCalls).not.toHaveBeenCalled()
    expect(h.acrs).toHaveLength(0)
  })

  it('relays a CANCEL on its INVITE’s branch, without a transaction lookup', async () => {
    const text = relayed()
    await h.post(text)
    await h.post(
      cancelFromEdge(text).replace(/^Route: .*$/m, `Route: ${RELAY}\r\nRoute: ${POOL2_ROUTE}`)
    )
    const [inv] = h.toFlow(POOL2_TOKEN, { method: 'INVITE' }) as SipRequest[]
    const [cancel] = h.toFlow(POOL2_TOKEN, { method: 'CANCEL' }) as SipRequest[]
    expect(cancel!.topVia.branch).toBe(inv!.topVia.branch)
    expect(cancel!.getAllRaw('route')).toEqual([POOL2_ROUTE])
    expect(storeCalls).not.toHaveBeenCalled()
  })

  it('relays the dialog’s later requests both ways through the relay entry, uncharged', async () => {
    const bye = (from: string, to: string, routes: string[]) =>
      [
        `BYE sip:peer@client.invalid SIP/2.0`,
        `Via: SIP/2.0/HTTP edge.edgewater.internal;branch=z9hG4bKbye${from.length};flow=${TA}`,
        'Via: SIP/2.0/WSS client.invalid;branch=z9hG4bKuabye',
        'Max-Forwards: 69',
        ...routes.map((r) => `Route: ${r}`),
        `From: <${from}>;tag=f1`,
        `To: <${to}>;tag=p2`,
        'Call-ID: relayed-dialog',
        'CSeq: 2 BYE',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n')
    // From the caller: towards the other pool.
    await h.post(bye(A, B, [RELAY, POOL2_ROUTE]))
    const [out] = h.toFlow(POOL2_TOKEN, { method: 'BYE' }) as SipRequest[]
    expect(out!.getAllRaw('route')).toEqual([POOL2_ROUTE])
    expect(out!.has('record-route')).toBe(false)
    expect(out!.topVia.params.map((p) => p.name)).toEqual(['branch'])
    await h.answer(out!, 200, { toTag: 'p2' })
    expect((h.toFlow(TA) as SipResponse[]).map((r) => r.status)).toEqual([200])
    // From the other pool: towards the caller's flow.
    await h.post(
      bye(B, A, [RELAY, `<sip:${TA}@edge.edgewater.internal;lr>`]).replace(
        /^Via: SIP\/2\.0\/HTTP edge[^\r]*\r\nVia: [^\r]*/m,
        'Via: SIP/2.0/HTTP pool2.as.edgewater.internal;branch=z9hG4bKp2bye'
      )
    )
    expect(h.toFlow(TA, { method: 'BYE' })).toHaveLength(1)
    await h.settle()
    expect(h.acrs).toHaveLength(0)
    expect(storeCalls).not.toHaveBeenCalled()
  })

  it('answers 483 at Max-Forwards 0, 404 with nothing to relay to, and 503 for a failed hop', async () => {
    await h.post(relayed({ callId: 'mf0' }).replace('Max-Forwards: 69', 'Max-Forwards: 0'))
    await h.post(
      relayed({ callId: 'none', method: 'MESSAGE', body: 'hi', headers: [`Route: ${RELAY}`] })
    )
    await h.post(
      relayed({
        callId: 'gone',
        method: 'MESSAGE',
        body: 'hi',
        headers: [`Route: ${RELAY}`, 'Route: <sip:gone.as.edgewater.internal;lr;orig>'],
      })
    )
    const answers = (h.toFlow(TA) as SipResponse[]).map((r) => [r.callId, r.status])
    expect(answers).toEqual([
      ['mf0', 483],
      ['none', 404],
      // A next hop the resolver does not know is a failed hop (sip-sender.ts).
      ['gone', 503],
    ])
    expect(h.toFlow(POOL2_TOKEN)).toHaveLength(0)
    expect(h.toFlow(TB)).toHaveLength(0)
  })

  it('without the relay entry, the same Route set is not the relay: the S-CSCF pass runs', async () => {
    // The edge never sends another pool's route without the relay entry above it; Sprout's own
    // originating Route in front of it takes the ordinary pass (iFCs, a record) instead.
    await h.post(
      fromEdge({ from: A, to: B, token: TA, method: 'MESSAGE', body: 'hi', headers: [] })
    )
    expect(h.toFlow(TB, { method: 'MESSAGE' })).toHaveLength(1)
    expect(h.toFlow(POOL2_TOKEN)).toHaveLength(0)
    expect(storeCalls).toHaveBeenCalled()
  })
})
