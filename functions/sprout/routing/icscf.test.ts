/**
 * The I-CSCF path (clearwater-interfaces §5.7) over the routing harness: requests addressed to
 * `service=icscf` ask Homestead's LIR, then run the S-CSCF pass here or go to another S-CSCF,
 * retrying an alternate when one cannot be reached; unknown numbers take the BGCF's transit route.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import type { SipRequest, SipResponse } from '../../../shared/sip'
import {
  DOMAIN,
  type RoutingHarness,
  routingHarness,
  tokenOf,
} from '../../../test/support/kits/routing-kit'
import { setRoutingFetch } from './routing-deps'

const A = `sip:6505550001@${DOMAIN}`
const B = `sip:6505550002@${DOMAIN}`
const TB = tokenOf(2)
/** The trunk adapter and a second S-CSCF pool stand in as recorded endpoints of the fake edge. */
const TRUNK_TOKEN = 'trunk-pstn'
const POOL2_TOKEN = 'pool-2'
const EDGE_FLOW = (t: string) => `http://127.0.0.1:9787/internal/flows/${t}/sip`
const TRUNK_ROUTE = 'sip:pstn.trunk.edgewater.internal;lr'

function harness(extra: Record<string, string> = {}) {
  const h = routingHarness({
    TRUNK_URLS: JSON.stringify({ pstn: EDGE_FLOW(TRUNK_TOKEN) }),
    AS_URLS: JSON.stringify({
      pool2: EDGE_FLOW(POOL2_TOKEN),
      answer: 'http://127.0.0.1:9800/test-as/answer/sip',
    }),
    BGCF_JSON: JSON.stringify({
      routes: [{ name: 'pstn', number: '+1212', route: [TRUNK_ROUTE] }],
    }),
    ...extra,
  })
  // Every Homestead request is recorded; `lir` may script the LIR's answers.
  const asked: string[] = []
  let lir: ((path: string) => Response | undefined) | undefined
  setRoutingFetch(h.raw, async (u, i) => {
    const url = new URL(u)
    asked.push(`${i?.method ?? 'GET'} ${url.pathname}${url.search}`)
    const scripted = url.pathname.endsWith('/location')
      ? lir?.(url.pathname + url.search)
      : undefined
    if (scripted) return scripted
    return h.dime.request(
      i?.method ?? 'GET',
      url.pathname + url.search,
      typeof i?.body === 'string' ? i.body : undefined
    )
  })
  return {
    h,
    asked,
    lirs: () => asked.filter((a) => a.includes('/location')),
    scriptLir(f: (path: string) => Response | undefined) {
      lir = f
    },
  }
}

let n = 0
/** An initial request as a trunk adapter sends it to the I-CSCF. */
function fromTrunk(o: {
  method?: string
  uri: string
  from: string
  orig?: boolean
  body?: string
}): string {
  const method = o.method ?? 'INVITE'
  n++
  const body = o.body ?? (method === 'INVITE' ? 'v=0\r\n' : 'hello')
  return [
    `${method} ${o.uri} SIP/2.0`,
    `Via: SIP/2.0/HTTP pstn.trunk.edgewater.internal;branch=z9hG4bKtrunk${n}`,
    `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKgw${n};received=192.0.2.10;rport=5060`,
    'Max-Forwards: 69',
    `Route: <sip:sprout.a.edgewater.internal;lr;service=icscf${o.orig ? ';orig' : ''}>`,
    ...(method === 'INVITE' ? ['Record-Route: <sip:pstn.trunk.edgewater.internal;lr>'] : []),
    `From: <${o.from}>;tag=gw${n}`,
    `To: <${o.uri}>`,
    `Call-ID: trunk-${n}@192.0.2.10`,
    `CSeq: 1 ${method}`,
    'Contact: <sip:gw@192.0.2.10:5060>',
    `Content-Type: ${method === 'INVITE' ? 'application/sdp' : 'text/plain'}`,
    `Content-Length: ${body.length}`,
    '',
    body,
  ].join('\r\n')
}

const json = (body: unknown) =>
  new Response(JSON.stringify(body), {
    status: 200,
    headers: { 'content-type': 'application/json' },
  })

describe('I-CSCF: inbound from a trunk (clearwater-interfaces §5.7)', () => {
  let t: ReturnType<typeof harness>
  let h: RoutingHarness
  beforeEach(async () => {
    t = harness()
    h = t.h
    await h.provision(A)
    await h.provision(B)
    await h.register(B, TB)
  })

  it('asks the LIR for the callee and, served here, delivers to its bindings; answers go back to the trunk', async () => {
    await h.post(fromTrunk({ uri: B, from: 'sip:+12125550100@pstn.example.net' }))
    expect(t.lirs()).toEqual([`GET /impu/${encodeURIComponent(B)}/location`])
    const inv = h.toFlow(TB, { method: 'INVITE' }) as SipRequest[]
    expect(inv).toHaveLength(1)
    await h.answer(inv[0]!, 180)
    await h.answer(inv[0]!, 200)
    const back = h.toFlow(TRUNK_TOKEN) as SipResponse[]
    expect(back.map((r) => r.status)).toEqual([100, 180, 200])
    // Sprout's Via is gone: the trunk's own is on top again.
    expect(back[2]!.topVia.host).toBe('pstn.trunk.edgewater.internal')
  })

  it('asks the LIR for the originating user with originating=true (`orig`)', async () => {
    await h.register(A, tokenOf(1))
    await h.post(fromTrunk({ method: 'MESSAGE', uri: B, from: A, orig: true }))
    expect(t.lirs()[0]).toBe(`GET /impu/${encodeURIComponent(A)}/location?originating=true`)
    expect(h.toFlow(TB, { method: 'MESSAGE' })).toHaveLength(1)
  })

  it('sends the request to the S-CSCF of another pool that the LIR names, statelessly', async () => {
    t.scriptLir(() => json({ 'result-code': 2001, scscf: 'sip:pool2.as.edgewater.internal' }))
    await h.post(fromTrunk({ uri: B, from: 'sip:+12125550100@pstn.example.net' }))
    const out = h.toFlow(POOL2_TOKEN, { method: 'INVITE' }) as SipRequest[]
    expect(out).toHaveLength(1)
    expect(out[0]!.getAllRaw('route')).toEqual(['<sip:pool2.as.edgewater.internal;lr>'])
    expect(out[0]!.topVia.branch).toMatch(/^z9hG4bKS/)
    expect(h.toFlow(TB, { method: 'INVITE' })).toHaveLength(0)
  })

  it('retries an alternate S-CSCF chosen by capabilities when the named one cannot be reached', async () => {
    const t2 = harness({
      SCSCF_JSON: JSON.stringify({
        's-cscfs': [
          { server: 'sip:gone.as.edgewater.internal', priority: 0, capabilities: [1] },
          { server: 'sip:pool2.as.edgewater.internal', priority: 1, capabilities: [1] },
          { server: 'sip:nocap.as.edgewater.internal', priority: 0, capabilities: [] },
        ],
      }),
    })
    await t2.h.provision(B)
    t2.scriptLir((path) =>
      path.includes('auth-type=CAPAB')
        ? json({ 'result-code': 2001, 'mandatory-capabilities': [1], 'optional-capabilities': [] })
        : json({ 'result-code': 2001, scscf: 'sip:gone.as.edgewater.internal' })
    )
    await t2.h.post(fromTrunk({ uri: B, from: 'sip:+12125550100@pstn.example.net' }))
    expect(t2.lirs()).toEqual([
      `GET /impu/${encodeURIComponent(B)}/location`,
      `GET /impu/${encodeURIComponent(B)}/location?auth-type=CAPAB`,
    ])
    // `gone` (named, unreachable) is not offered again; `nocap` lacks the mandatory capability.
    expect(t2.h.toFlow(POOL2_TOKEN, { method: 'INVITE' })).toHaveLength(1)
  })

  it('answers 504 when no S-CSCF can take the request, and 504 when Homestead does not answer', async () => {
    t.scriptLir((path) =>
      path.includes('auth-type=CAPAB')
        ? json({ 'result-code': 2001, 'mandatory-capabilities': [], 'optional-capabilities': [] })
        : json({ 'result-code': 2001, scscf: 'sip:gone.as.edgewater.internal' })
    )
    await h.post(fromTrunk({ uri: B, from: 'sip:+12125550100@pstn.example.net' }))
    expect((h.toFlow(TRUNK_TOKEN) as SipResponse[]).map((r) => r.status)).toEqual([100, 504])

    const t3 = harness()
    t3.scriptLir(() => new Response('down', { status: 503 }))
    await t3.h.post(fromTrunk({ method: 'MESSAGE', uri: B, from: 'sip:x@pstn.example.net' }))
    expect((t3.h.toFlow(TRUNK_TOKEN) as SipResponse[]).map((r) => r.status)).toEqual([504])
  })

  it('routes an unknown number through the BGCF transit route, and answers 404 for an unknown name', async () => {
    await h.post(
      fromTrunk({ method: 'MESSAGE', uri: 'tel:+12125550111', from: 'sip:x@pstn.example.net' })
    )
    // The tel URI, then its translation sip:+12125550111@home, each looked up once.
    expect(t.lirs()).toHaveLength(2)
    const transit = h.toFlow(TRUNK_TOKEN, { method: 'MESSAGE' }) as SipRequest[]
    expect(transit).toHaveLength(1)
    expect(transit[0]!.getAllRaw('route')).toEqual([`<${TRUNK_ROUTE}>`])

    await h.post(
      fromTrunk({ method: 'MESSAGE', uri: `sip:nobody@${DOMAIN}`, from: 'sip:x@pstn.example.net' })
    )
    expect(
      (h.toFlow(TRUNK_TOKEN) as SipResponse[])
        .filter((m) => m.kind === 'response')
        .map((r) => r.status)
    ).toEqual([404])
  })
})
