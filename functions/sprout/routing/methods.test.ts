import { beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_SIMSERVS_XML } from '../../../shared/ims/simservs-default'
import type { SipRequest, SipResponse } from '../../../shared/sip'
import { buildRequest } from '../../../shared/sip/builders'
import { publicIdentityXml } from '../../../test/support/kits/dime-kit'
import {
  DOMAIN,
  fromEdge,
  type RoutingHarness,
  routingHarness,
  tokenOf,
} from '../../../test/support/kits/routing-kit'

const A = `sip:6505550301@${DOMAIN}`
const B = `sip:6505550302@${DOMAIN}`
const C = `sip:6505550303@${DOMAIN}`
const TA = tokenOf(41)
const TB = tokenOf(42)
const TC = tokenOf(43)

let h: RoutingHarness
beforeEach(async () => {
  h = routingHarness({
    BGCF_JSON: JSON.stringify({
      routes: [{ domain: 'partner.example', route: ['sip:proxy2.as.edgewater.internal'] }],
    }),
  })
  for (const u of [A, B, C]) await h.provision(u)
  await h.register(A, TA)
  await h.register(B, TB)
  await h.register(C, TC)
})
const responses = (token: string) =>
  h.toFlow(token).filter((m) => m.kind === 'response') as SipResponse[]
const last = <T>(xs: T[]) => xs[xs.length - 1]!

describe('every method routes (clearwater-interfaces §5.6 "Other methods")', () => {
  for (const method of ['OPTIONS', 'SUBSCRIBE', 'PUBLISH', 'REFER', 'MESSAGE']) {
    it(`delivers an initial ${method} to the callee and relays its answer`, async () => {
      const headers =
        method === 'SUBSCRIBE' || method === 'PUBLISH'
          ? ['Event: presence', 'Expires: 600']
          : method === 'REFER'
            ? [`Refer-To: <${C}>`]
            : []
      await h.post(
        fromEdge({
          method,
          from: A,
          to: B,
          token: TA,
          headers,
          body: method === 'PUBLISH' ? 'pidf' : '',
        })
      )
      const req = h.toFlow(TB, { method })[0] as SipRequest
      expect(req, method).toBeDefined()
      await h.answer(req, method === 'SUBSCRIBE' || method === 'REFER' ? 202 : 200)
      expect(last(responses(TA)).status).toBe(
        method === 'SUBSCRIBE' || method === 'REFER' ? 202 : 200
      )
    })
  }

  it('routes in-dialog requests (NOTIFY, INFO, UPDATE, re-INVITE) along the route set without iFCs', async () => {
    for (const method of ['NOTIFY', 'INFO', 'UPDATE', 'INVITE']) {
      const req = buildRequest({
        method,
        uri: `sip:${TA.slice(0, 8)}@client.invalid;transport=ws`,
        via: [
          `SIP/2.0/HTTP edge.edgewater.internal;branch=z9hG4bKx${method};flow=${TB}`,
          `SIP/2.0/WSS c.invalid;branch=z9hG4bKy${method}`,
        ],
        route: ['<sip:sprout.a.edgewater.internal;lr>', `<sip:${TA}@edge.edgewater.internal;lr>`],
        from: `<${B}>;tag=bb`,
        to: `<${A}>;tag=aa`,
        callId: 'dialog-1',
        cseq: 5,
      })
      await h.post(req.toString())
      const got = last(h.toFlow(TA, { method })) as SipRequest
      expect(got.uriText).toBe(req.uriText)
      expect(got.topVia.branch).toMatch(/^z9hG4bKS/)
      if (method === 'INVITE' || method === 'UPDATE')
        expect(got.getRaw('session-expires')).toBe('600')
      await h.answer(got, 200)
      expect(last(responses(TB)).cseq.method).toBe(method)
    }
  })
})

describe('barring, BGCF and aliases', () => {
  it('refuses a barred caller with 403 and a barred callee with 404', async () => {
    const barredA = `sip:6505550399@${DOMAIN}`
    const { irs } = await h.provision(barredA)
    void irs
    // Bar the identity (Homestead-prov: the public identity's BarringIndication).
    const sp = (
      await h.dime.request('GET', `/public/${encodeURIComponent(barredA)}/service_profile`)
    ).headers.get('location')!
    await h.dime.request(
      'PUT',
      `${sp}/public_ids/${encodeURIComponent(barredA)}`,
      publicIdentityXml(barredA, true)
    )
    await h.post(fromEdge({ from: barredA, to: B, token: TA }))
    expect(last(responses(TA)).status).toBe(403)
    await h.post(fromEdge({ from: A, to: barredA, token: TA }))
    expect(last(responses(TA)).status).toBe(404)
  })

  it('sends off-net SIP URIs along the BGCF route, and 404s a domain without one', async () => {
    await h.post(
      fromEdge({
        method: 'MESSAGE',
        from: A,
        to: 'sip:bob@partner.example',
        token: TA,
        body: 'x',
        callId: 'offnet-1',
      })
    )
    const log = (await (await h.request('GET', '/test-as/calls?call-id=offnet-1')).json()) as {
      received: Array<{ as: string; method: string; requestUri: string }>
    }
    // The BGCF route (here the test AS standing in for an IBCF) got the request, unchanged.
    expect(log.received[0]).toMatchObject({
      as: 'proxy2',
      method: 'MESSAGE',
      requestUri: 'sip:bob@partner.example',
    })
    await h.post(
      fromEdge({ method: 'MESSAGE', from: A, to: 'sip:bob@nowhere.example', token: TA, body: 'x' })
    )
    expect(last(responses(TA)).status).toBe(404)
  })

  it('deflects a callee’s 302 to its Contact when CDIV is active', async () => {
    await h.simservs(B, DEFAULT_SIMSERVS_XML)
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    const toB = h.toFlow(TB, { method: 'INVITE' })[0] as SipRequest
    await h.answer(toB, 302, { headers: [['Contact', `<${C}>`]] })
    const toC = h.toFlow(TC, { method: 'INVITE' })[0] as SipRequest
    expect(toC.getRaw('diversion')).toBe(`<${B}>;reason=deflection;counter=1`)
    expect(responses(TA).map((r) => r.status)).toEqual([100, 181])
  })
})
