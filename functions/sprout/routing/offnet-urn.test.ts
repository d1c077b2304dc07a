/**
 * Off-net and service-URN routing over the routing harness: the BGCF's off-net and transit routes
 * to a SIP trunk (bgcf.ts, docs/trunk.md), service URNs routed by iFC or answered 480 (urn.ts;
 * clearwater-interfaces §10 tests 95–96), and the on-net LIR made only when another S-CSCF pool
 * is configured (scscf-location.ts `otherPoolRoute`).
 */
import { describe, expect, it } from 'vitest'
import type { SipRequest, SipResponse } from '../../../shared/sip'
import { buildIfcXml } from '../../../test/support/ims/ifc-build'
import { DOMAIN, fromEdge, routingHarness, tokenOf } from '../../../test/support/kits/routing-kit'
import { setRoutingFetch } from './routing-deps'

/** Sprout's Record-Route with the call's charging token (charging/charging-token.ts). */
const SPROUT_RR_CHARGED = /^<sip:sprout\.a\.edgewater\.internal;lr;chg=[0-9a-f]{16}\.[\w-]{12}>$/

const A = `sip:6505550001@${DOMAIN}`
const B = `sip:6505550002@${DOMAIN}`
const TA = tokenOf(1)
const TB = tokenOf(2)
const TRUNK = 'trunk-pstn'
const FLOW_URL = (t: string) => `http://127.0.0.1:9787/internal/flows/${t}/sip`
const TRUNK_ROUTE = 'sip:pstn.trunk.edgewater.internal;lr'

function harness(extra: Record<string, string> = {}) {
  const h = routingHarness({
    TRUNK_URLS: JSON.stringify({ pstn: FLOW_URL(TRUNK) }),
    BGCF_JSON: JSON.stringify({
      routes: [
        { name: 'nanp-212', number: '+1212', route: [TRUNK_ROUTE] },
        { name: 'partner', domain: 'partner.example.net', route: [TRUNK_ROUTE] },
      ],
    }),
    ...extra,
  })
  const asked: string[] = []
  let lir: ((path: string) => Response | undefined) | undefined
  setRoutingFetch(h.raw, async (u, i) => {
    const url = new URL(u)
    asked.push(url.pathname + url.search)
    const scripted = url.pathname.endsWith('/location') ? lir?.(url.pathname) : undefined
    if (scripted) return scripted
    const body = typeof i?.body === 'string' ? i.body : undefined
    return h.dime.request(i?.method ?? 'GET', url.pathname + url.search, body)
  })
  return {
    h,
    lirs: () => asked.filter((a) => a.includes('/location')),
    scriptLir: (f: (path: string) => Response | undefined) => {
      lir = f
    },
  }
}

const statuses = (msgs: Array<SipRequest | SipResponse>) =>
  msgs.filter((m): m is SipResponse => m.kind === 'response').map((m) => m.status)

describe('BGCF to a SIP trunk (clearwater-interfaces §5.6, §5.8; live tests 12, 76, 88)', () => {
  it.each([
    ['a home-domain number Homestead does not know (transit)', `sip:+12125550100@${DOMAIN}`],
    ['the same number as a tel URI with visual separators', 'tel:+1-212-555-0100'],
    ['the number at a partner domain (off-net, by domain)', 'sip:2125550100@partner.example.net'],
  ])('%s leaves through the trunk, with no LIR', async (_name, target) => {
    const t = harness()
    await t.h.provision(A)
    await t.h.register(A, TA)
    await t.h.post(fromEdge({ from: A, to: target, token: TA }))
    const out = t.h.toFlow(TRUNK, { method: 'INVITE' }) as SipRequest[]
    expect(out).toHaveLength(1)
    expect(out[0]!.getAllRaw('route')).toEqual([`<${TRUNK_ROUTE}>`])
    expect(out[0]!.getAllRaw('record-route')[0]).toMatch(SPROUT_RR_CHARGED)
    expect(t.lirs()).toEqual([])
    // The trunk's answer reaches the caller.
    await t.h.answer(out[0]!, 200)
    expect(statuses(t.h.toFlow(TA))).toEqual([100, 200])
  })

  it('keeps 480 for an unknown number no BGCF route covers, and for a known unregistered line', async () => {
    const t = harness()
    await t.h.provision(A)
    await t.h.provision(B)
    await t.h.register(A, TA)
    await t.h.post(fromEdge({ from: A, to: `sip:+16505559999@${DOMAIN}`, token: TA }))
    await t.h.post(fromEdge({ from: A, to: B, token: TA }))
    expect(statuses(t.h.toFlow(TA))).toEqual([100, 480, 100, 480])
    expect(t.h.toFlow(TRUNK)).toHaveLength(0)
  })
})

describe('service URNs (RFC 5031; live tests 95, 96)', () => {
  it('answers 480 for a URN no iFC routes (test 95)', async () => {
    const t = harness()
    await t.h.provision(A)
    await t.h.register(A, TA)
    await t.h.post(
      fromEdge({ method: 'MESSAGE', from: A, to: 'urn:service:sos', token: TA, body: 'help' })
    )
    expect(statuses(t.h.toFlow(TA))).toEqual([480])
  })

  it('routes a URN to the application server of a RequestURI iFC (test 96)', async () => {
    const t = harness()
    const ifc = buildIfcXml([
      {
        server: 'sip:answer.as.edgewater.internal',
        conditions: [{ method: 'MESSAGE' }, { requestUri: '^service:sos' }, { sessionCase: 0 }],
      },
    ])
    await t.h.provision(A, { ifc })
    await t.h.register(A, TA)
    await t.h.post(
      fromEdge({ method: 'MESSAGE', from: A, to: 'urn:service:sos', token: TA, body: 'help' })
    )
    expect(statuses(t.h.toFlow(TA))).toEqual([200])
    // A URN outside the trigger still gets 480.
    await t.h.post(
      fromEdge({ method: 'MESSAGE', from: A, to: 'urn:service:counseling', token: TA, body: 'x' })
    )
    expect(statuses(t.h.toFlow(TA))).toEqual([200, 480])
  })
})

describe('on-net calls and other S-CSCF pools (scscf-location.ts otherPoolRoute)', () => {
  it('makes no LIR when SCSCF_JSON names no other pool', async () => {
    const t = harness()
    await t.h.provision(A)
    await t.h.provision(B)
    await t.h.register(A, TA)
    await t.h.register(B, TB)
    await t.h.post(fromEdge({ from: A, to: B, token: TA }))
    expect(t.h.toFlow(TB, { method: 'INVITE' })).toHaveLength(1)
    expect(t.lirs()).toEqual([])
  })

  it("asks the LIR for the callee and sends the call to another pool's S-CSCF that serves it", async () => {
    const t = harness({
      AS_URLS: JSON.stringify({ pool2: FLOW_URL('pool-2') }),
      SCSCF_JSON: JSON.stringify({
        's-cscfs': [
          { server: 'sip:sprout.a.edgewater.internal' },
          { server: 'sip:pool2.as.edgewater.internal' },
        ],
      }),
    })
    await t.h.provision(A)
    await t.h.provision(B)
    await t.h.register(A, TA)
    t.scriptLir(() =>
      Response.json({ 'result-code': 2001, scscf: 'sip:pool2.as.edgewater.internal' })
    )
    await t.h.post(fromEdge({ from: A, to: B, token: TA }))
    expect(t.lirs()).toEqual([`/impu/${encodeURIComponent(B)}/location`])
    const out = t.h.toFlow('pool-2', { method: 'INVITE' }) as SipRequest[]
    expect(out).toHaveLength(1)
    expect(out[0]!.getAllRaw('route')).toEqual(['<sip:pool2.as.edgewater.internal;lr>'])
    // Served here after all (the LIR names this deployment): terminated in process.
    t.scriptLir(() =>
      Response.json({ 'result-code': 2001, scscf: 'sip:sprout.b.edgewater.internal' })
    )
    await t.h.register(B, TB)
    await t.h.post(fromEdge({ from: A, to: B, token: TA }))
    expect(t.h.toFlow(TB, { method: 'INVITE' })).toHaveLength(1)
  })
})
