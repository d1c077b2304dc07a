/**
 * REGISTER through the I-CSCF (clearwater-interfaces §5.7 "REGISTER"; TS 24.229 §5.3.1) over the
 * routing harness: the UAR to Homestead, the registrar run here when the S-CSCF is this
 * deployment's, another pool's S-CSCF reached statelessly, and alternates tried on a failed hop,
 * a 3xx or a 480, up to ICSCF_MAX_ATTEMPTS.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import type { SipRequest, SipResponse } from '../../../shared/sip'
import { parseMessage } from '../../../shared/sip'
import { DOMAIN, routingHarness } from '../../../test/support/kits/routing-kit'
import { answer401, edgeRegister } from '../../../test/support/kits/sprout-kit'
import {
  hasCredentials,
  impiOf,
  isDeregistration,
  retriesOn,
  visitedNetworkOf,
} from './icscf-register'
import { setRoutingFetch } from './routing-deps'

const A = `sip:6505550001@${DOMAIN}`
const FLOW = 'f'.repeat(64)
const EDGE_FLOW = (t: string) => `http://127.0.0.1:9787/internal/flows/${t}/sip`
const ICSCF_ROUTE = 'Route: <sip:sprout.a.edgewater.internal;lr;service=icscf>'
const POOLS = ['pool2', 'pool3', 'pool4']

function harness(extra: Record<string, string> = {}) {
  const h = routingHarness({
    AS_URLS: JSON.stringify(Object.fromEntries(POOLS.map((p) => [p, EDGE_FLOW(p)]))),
    ...extra,
  })
  const asked: string[] = []
  let uar: ((path: string) => Response | undefined) | undefined
  setRoutingFetch(h.raw, async (u, i) => {
    const url = new URL(u)
    asked.push(`${url.pathname}${url.search}`)
    const scripted = url.pathname.endsWith('/registration-status')
      ? uar?.(url.pathname + url.search)
      : undefined
    if (scripted) return scripted
    return h.dime.request(i?.method ?? 'GET', url.pathname + url.search)
  })
  return {
    h,
    uars: () => asked.filter((a) => a.includes('/registration-status')),
    scriptUar(f: (path: string) => Response | undefined) {
      uar = f
    },
  }
}

const json = (body: unknown) =>
  new Response(JSON.stringify(body), {
    status: 200,
    headers: { 'content-type': 'application/json' },
  })

let calls = 0
function register(o: { cseq?: number; expires?: number; authorization?: string } = {}) {
  calls++
  return edgeRegister({
    impu: A,
    token: FLOW,
    callId: `icscf-reg-${calls}`,
    cseq: o.cseq ?? 1,
    contacts: ['<sip:ua@client.invalid;transport=ws>'],
    expires: o.expires ?? 300,
    ...(o.authorization ? { authorization: o.authorization } : {}),
    extra: [ICSCF_ROUTE],
  })
}

const statuses = (msgs: Array<SipRequest | SipResponse>) =>
  msgs.filter((m): m is SipResponse => m.kind === 'response').map((r) => r.status)

describe('REGISTER at the I-CSCF (TS 24.229 §5.3.1)', () => {
  let t: ReturnType<typeof harness>
  beforeEach(async () => {
    t = harness()
    await t.h.provision(A)
  })

  it('challenges a REGISTER without credentials at once, then asks the UAR for its answer: 401, then 200', async () => {
    // One pool: an unauthenticated REGISTER costs no HSS lookup (docs/security.md).
    await t.h.post(register())
    expect(t.uars()).toEqual([])
    const impi = A.replace(/^sip:/, '')
    const [challenge] = t.h.toFlow(FLOW) as SipResponse[]
    expect(challenge!.status).toBe(401)
    const authorization = answer401(challenge!, { impi, password: 'secret1' })
    await t.h.post(register({ cseq: 2, authorization }))
    expect(t.uars()).toEqual([
      `/impi/${encodeURIComponent(impi)}/registration-status?impu=${encodeURIComponent(A)}&visited-network=${DOMAIN}&auth-type=REG`,
    ])
    const ok = (t.h.toFlow(FLOW) as SipResponse[])[1]!
    expect(ok.status).toBe(200)
    expect(ok.getRaw('service-route')).toBe('<sip:sprout.a.edgewater.internal;lr;orig>')
  })

  /** A 401 for an unauthenticated REGISTER (`expires`), and the Authorization answering it. */
  async function credentials(h: typeof t, expires = 300): Promise<string> {
    await h.h.post(register({ expires }))
    const challenge = (h.h.toFlow(FLOW) as SipResponse[]).at(-1)!
    expect(challenge.status).toBe(401)
    return answer401(challenge, { impi: A.replace(/^sip:/, ''), password: 'secret1' })
  }

  it('asks with auth-type=DEREG for a de-registration, and answers 403 when the UAR refuses', async () => {
    t.scriptUar(() => new Response('{}', { status: 403 }))
    const authorization = await credentials(t, 0)
    await t.h.post(register({ expires: 0, cseq: 2, authorization }))
    expect(t.uars()).toHaveLength(1)
    expect(t.uars()[0]).toMatch(/auth-type=DEREG$/)
    expect(statuses(t.h.toFlow(FLOW))).toEqual([401, 403])
  })

  it('challenges a user Homestead does not know like any other, then answers its credentials 403; 504 when Homestead does not answer', async () => {
    const t2 = harness()
    const authorization = await credentials(t2)
    expect(t2.uars()).toEqual([])
    await t2.h.post(register({ cseq: 2, authorization }))
    expect(t2.uars()).toHaveLength(1)
    expect(statuses(t2.h.toFlow(FLOW))).toEqual([401, 403])
    t.scriptUar(() => new Response('down', { status: 503 }))
    const again = await credentials(t)
    await t.h.post(register({ cseq: 2, authorization: again }))
    expect(statuses(t.h.toFlow(FLOW))).toEqual([401, 504])
  })
})

describe('REGISTER to another S-CSCF pool, with alternates (TS 24.229 §5.3.1.3)', () => {
  const scscfs = JSON.stringify({
    's-cscfs': [
      { server: 'sip:pool3.as.edgewater.internal', priority: 0, capabilities: [1] },
      { server: 'sip:pool4.as.edgewater.internal', priority: 1, capabilities: [1] },
      { server: 'sip:nocap.as.edgewater.internal', priority: 0, capabilities: [] },
    ],
  })
  let t: ReturnType<typeof harness>
  beforeEach(async () => {
    t = harness({ SCSCF_JSON: scscfs })
    await t.h.provision(A)
    t.scriptUar((path) =>
      path.includes('auth-type=CAPAB')
        ? json({ 'result-code': 2001, 'mandatory-capabilities': [1], 'optional-capabilities': [] })
        : json({ 'result-code': 2001, scscf: 'sip:pool2.as.edgewater.internal' })
    )
  })

  const sentTo = (pool: string) => t.h.toFlow(pool, { method: 'REGISTER' }) as SipRequest[]

  it('sends the REGISTER to the S-CSCF the UAR names, and its answer back to the flow', async () => {
    await t.h.post(register())
    const [out] = sentTo('pool2')
    expect(out!.getAllRaw('route')).toEqual(['<sip:pool2.as.edgewater.internal;lr>'])
    expect(out!.topVia.branch).toMatch(/^z9hG4bKI/)
    expect(out!.getRaw('path')).toBe(`<sip:${FLOW}@edge.edgewater.internal;lr;ob>`)
    await t.h.answer(out!, 401)
    const back = t.h.toFlow(FLOW) as SipResponse[]
    expect(back.map((r) => r.status)).toEqual([401])
    expect(back[0]!.topVia.host).toBe('edge.edgewater.internal')
    expect(t.uars()).toHaveLength(1)
  })

  it('offers the REGISTER to an alternate by capabilities after a 480, then after a 3xx', async () => {
    await t.h.post(register())
    await t.h.answer(sentTo('pool2')[0]!, 480)
    expect(t.uars()[1]).toMatch(/auth-type=CAPAB$/)
    // pool3 first (priority 0); nocap lacks the mandatory capability.
    const [alt] = sentTo('pool3')
    expect(alt).toBeDefined()
    await t.h.answer(alt!, 302, { headers: [['Contact', '<sip:elsewhere.example.net>']] })
    const [last] = sentTo('pool4')
    await t.h.answer(last!, 200)
    expect(statuses(t.h.toFlow(FLOW))).toEqual([200])
    expect(sentTo('nocap')).toHaveLength(0)
  })

  it('tries the next S-CSCF when the hop to one fails, and answers 504 when none is left', async () => {
    t.h.closedFlows.add('pool2')
    await t.h.post(register())
    const [alt] = sentTo('pool3')
    expect(alt).toBeDefined()
    await t.h.answer(alt!, 480)
    // ICSCF_MAX_ATTEMPTS (3): pool2, pool3 and pool4 were offered it.
    await t.h.answer(sentTo('pool4')[0]!, 480)
    expect(statuses(t.h.toFlow(FLOW))).toEqual([504])
  })

  it('stops at ICSCF_MAX_ATTEMPTS and relays any other final answer as it is', async () => {
    const t2 = harness({ SCSCF_JSON: scscfs, ICSCF_MAX_ATTEMPTS: '2' })
    t2.scriptUar((path) =>
      path.includes('auth-type=CAPAB')
        ? json({ 'result-code': 2001, 'mandatory-capabilities': [1], 'optional-capabilities': [] })
        : json({ 'result-code': 2001, scscf: 'sip:pool2.as.edgewater.internal' })
    )
    await t2.h.post(register())
    await t2.h.answer(t2.h.toFlow('pool2', { method: 'REGISTER' })[0] as SipRequest, 480)
    await t2.h.answer(t2.h.toFlow('pool3', { method: 'REGISTER' })[0] as SipRequest, 480)
    expect(t2.h.toFlow('pool4')).toHaveLength(0)
    expect(statuses(t2.h.toFlow(FLOW))).toEqual([504])

    await t.h.post(register())
    await t.h.answer(sentTo('pool2')[0]!, 403)
    expect(statuses(t.h.toFlow(FLOW))).toEqual([403])
    expect(sentTo('pool3')).toHaveLength(0)
  })
})

describe('I-CSCF REGISTER helpers', () => {
  const req = (extra: string[], o: { expires?: number; contact?: string } = {}) =>
    parseMessage(
      edgeRegister({
        impu: A,
        token: FLOW,
        callId: 'h',
        cseq: 1,
        contacts: [o.contact ?? '<sip:ua@client.invalid>'],
        ...(o.expires !== undefined ? { expires: o.expires } : {}),
        extra,
      })
    ) as SipRequest

  it('knows digest credentials by an Authorization with a response', () => {
    const auth = (a: string) => [`Authorization: Digest username="a", realm="r", uri="sip:r", ${a}`]
    expect(hasCredentials(req([]))).toBe(false)
    expect(hasCredentials(req(auth('nonce="n", response="00"')))).toBe(true)
    expect(hasCredentials(req(auth('nonce=""')))).toBe(false)
  })

  it('takes the private identity from Authorization, else from To', () => {
    expect(impiOf(req([]))).toBe(`6505550001@${DOMAIN}`)
    expect(
      impiOf(req([`Authorization: Digest username="alice@${DOMAIN}", realm="${DOMAIN}"`]))
    ).toBe(`alice@${DOMAIN}`)
  })

  it('takes the visited network from P-Visited-Network-ID, else the To domain', () => {
    expect(visitedNetworkOf(req([]))).toBe(DOMAIN)
    expect(visitedNetworkOf(req(['P-Visited-Network-ID: "other.example.net"']))).toBe(
      'other.example.net'
    )
  })

  it('knows a de-registration by Expires 0, expires=0 on every Contact, or *', () => {
    expect(isDeregistration(req([], { expires: 0 }))).toBe(true)
    expect(isDeregistration(req([], { contact: '<sip:ua@client.invalid>;expires=0' }))).toBe(true)
    expect(isDeregistration(req([], { contact: '*', expires: 0 }))).toBe(true)
    expect(isDeregistration(req([], { expires: 300 }))).toBe(false)
    expect(isDeregistration(req([], { contact: '<sip:ua@client.invalid>;expires=60' }))).toBe(false)
  })

  it('retries on 3xx and 480 only', () => {
    expect([302, 305, 480, 403, 500, 503, 200].map(retriesOn)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
      false,
    ])
  })
})
