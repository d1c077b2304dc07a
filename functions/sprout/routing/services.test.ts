import { beforeEach, describe, expect, it } from 'vitest'
import type { SipRequest, SipResponse } from '../../../shared/sip'
import { buildIfcXml } from '../../../test/support/ims/ifc-build'
import {
  DOMAIN,
  fromEdge,
  type RoutingHarness,
  routingHarness,
  tokenOf,
} from '../../../test/support/kits/routing-kit'

const A = `sip:6505550201@${DOMAIN}`
const B = `sip:6505550202@${DOMAIN}`
const C = `sip:6505550203@${DOMAIN}`
const TA = tokenOf(31)
const TB = tokenOf(32)
const TC = tokenOf(33)

const NS =
  'xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap" xmlns:cp="urn:ietf:params:xml:ns:common-policy"'
const simservs = (body: string) => `<simservs ${NS}>${body}</simservs>`
const rule = (id: string, cond: string, actions: string) =>
  `<cp:rule id="${id}"><cp:conditions>${cond}</cp:conditions><cp:actions>${actions}</cp:actions></cp:rule>`
const cdiv = (rules: string, timer = 20) =>
  simservs(
    `<communication-diversion active="true"><NoReplyTimer>${timer}</NoReplyTimer><cp:ruleset>${rules}</cp:ruleset></communication-diversion>`
  )
const fwd = (t: string) => `<forward-to><target>${t}</target></forward-to>`

interface IfcSpec {
  server: string
  priority?: number
  method?: string
  sessionCase?: 0 | 1 | 2 | 3 | 4
  defaultHandling?: 0 | 1
}
const ifcXml = (specs: IfcSpec[]) =>
  buildIfcXml(
    specs.map((s) => ({
      server: s.server,
      ...(s.priority !== undefined ? { priority: s.priority } : {}),
      ...(s.defaultHandling !== undefined ? { defaultHandling: s.defaultHandling } : {}),
      conditions: [
        { method: s.method ?? 'INVITE' },
        ...(s.sessionCase !== undefined ? [{ sessionCase: s.sessionCase }] : []),
      ],
    }))
  )

let h: RoutingHarness
const responses = (token: string) =>
  h.toFlow(token).filter((m) => m.kind === 'response') as SipResponse[]
const statuses = (token: string) => responses(token).map((r) => r.status)

describe('built-in MMTEL (clearwater-interfaces §5.9; tests 11, 14, 18–28)', () => {
  beforeEach(async () => {
    h = routingHarness()
    for (const u of [A, B, C]) await h.provision(u)
    await h.register(A, TA)
    await h.register(C, TC)
  })

  it('diverts a busy callee: 181 upstream, Diversion and History-Info towards the target', async () => {
    await h.register(B, TB)
    await h.simservs(B, cdiv(rule('busy', '<busy/>', fwd(C))))
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    await h.answer(h.toFlow(TB, { method: 'INVITE' })[0] as SipRequest, 486)
    expect(statuses(TA)).toEqual([100, 181])
    const toC = h.toFlow(TC, { method: 'INVITE' })[0] as SipRequest
    expect(toC.getRaw('diversion')).toBe(`<${B}>;reason=user-busy;counter=1`)
    expect(toC.getAllRaw('history-info').join(',')).toContain('index=1.1')
    expect(toC.getRaw('p-called-party-id')).toBe(`<${C}>`)
    await h.answer(toC, 200, { toTag: 'c1' })
    expect(statuses(TA)).toEqual([100, 181, 200])
  })

  it('diverts unconditionally without ringing the callee, and when the callee is not registered', async () => {
    await h.register(B, TB)
    await h.simservs(B, cdiv(rule('u', '', fwd(C))))
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    expect(h.toFlow(TB, { method: 'INVITE' })).toHaveLength(0)
    expect(h.toFlow(TC, { method: 'INVITE' })).toHaveLength(1)

    const D = `sip:6505550204@${DOMAIN}`
    await h.provision(D)
    await h.simservs(D, cdiv(rule('nr', '<not-registered/>', fwd(C))))
    await h.post(fromEdge({ from: A, to: D, token: TA }))
    expect(h.toFlow(TC, { method: 'INVITE' })).toHaveLength(2)
    // A target that is not a URI: no diversion, 480 (test 26).
    await h.simservs(D, cdiv(rule('nr', '<not-registered/>', fwd('12345'))))
    await h.post(fromEdge({ from: A, to: D, token: TA }))
    expect(statuses(TA).slice(-1)).toEqual([480])
  })

  it('diverts when the no-reply timer fires after the callee rang', async () => {
    await h.register(B, TB)
    await h.simservs(B, cdiv(rule('na', '<no-answer/>', fwd(C)), 5))
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    const toB = h.toFlow(TB, { method: 'INVITE' })[0] as SipRequest
    await h.answer(toB, 180, { toTag: 'b' })
    expect(await h.popTimers()).toBe(0)
    h.clock.advance(5_000)
    expect(await h.popTimers()).toBeGreaterThanOrEqual(1)
    expect(h.toFlow(TB, { method: 'CANCEL' })).toHaveLength(1)
    expect(h.toFlow(TC, { method: 'INVITE' })).toHaveLength(1)
    await h.answer(toB, 487, { toTag: 'b' })
    expect(statuses(TA)).toEqual([100, 180, 181])
  })

  it('bars outgoing and incoming calls with 603', async () => {
    await h.register(B, TB)
    await h.simservs(
      A,
      simservs(
        `<outgoing-communication-barring active="true"><cp:ruleset>${rule('r', '', '<allow>false</allow>')}</cp:ruleset></outgoing-communication-barring>`
      )
    )
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    expect(statuses(TA)).toEqual([100, 603])
    await h.simservs(A, simservs(''))
    await h.simservs(
      B,
      simservs(
        `<incoming-communication-barring active="true"><cp:ruleset>${rule('r', '', '<allow>false</allow>')}</cp:ruleset></incoming-communication-barring>`
      )
    )
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    expect(statuses(TA).slice(-1)).toEqual([603])
    expect(h.toFlow(TB, { method: 'INVITE' })).toHaveLength(0)
  })

  it('withholds the caller’s identity when OIR restricts it', async () => {
    await h.register(B, TB)
    await h.simservs(
      A,
      simservs(
        '<originating-identity-presentation-restriction active="true"><default-behaviour>presentation-restricted</default-behaviour></originating-identity-presentation-restriction>'
      )
    )
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    const toB = h.toFlow(TB, { method: 'INVITE' })[0] as SipRequest
    expect(toB.getRaw('from')).toMatch(/^"Anonymous" <sip:anonymous@anonymous\.invalid>;tag=/)
    expect(toB.has('p-asserted-identity')).toBe(false)
  })
})

describe('application servers over ISC (clearwater-interfaces §5.6; tests 69, 71, 74)', () => {
  const setup = async (callerIfc: IfcSpec[] | undefined, calleeIfc: IfcSpec[] | undefined) => {
    h = routingHarness()
    await h.provision(A, callerIfc ? { ifc: ifcXml(callerIfc) } : {})
    await h.provision(B, calleeIfc ? { ifc: ifcXml(calleeIfc) } : {})
    await h.register(A, TA)
    await h.register(B, TB)
  }
  const asCalls = async (callId: string) =>
    (
      (await (
        await h.request('GET', `/test-as/calls?call-id=${encodeURIComponent(callId)}`)
      ).json()) as {
        received: Array<{
          as: string
          kind: string
          method: string
          headers: Record<string, string[]>
        }>
      }
    ).received

  it('sends the request to a proxying AS with P-Served-User and an ODI route, then on to the callee', async () => {
    await setup(
      [{ server: 'sip:proxy.as.edgewater.internal', sessionCase: 0 }],
      [{ server: 'sip:proxy2.as.edgewater.internal', sessionCase: 1 }]
    )
    const text = fromEdge({ from: A, to: B, token: TA })
    await h.post(text)
    const toB = h.toFlow(TB, { method: 'INVITE' })[0] as SipRequest
    expect(toB).toBeDefined()
    const callId = toB.callId
    const got = await asCalls(callId)
    const orig = got.find((r) => r.as === 'proxy' && r.kind === 'request')!
    expect(orig.headers['p-served-user']![0]).toBe(`<${A}>;sescase=orig;regstate=reg`)
    expect(orig.headers.route![1]).toMatch(
      /^<sip:odi_[0-9a-f]{24}\.0\.0@sprout\.a\.edgewater\.internal;lr;service=scscf;orig>$/
    )
    const term = got.find((r) => r.as === 'proxy2' && r.kind === 'request')!
    expect(term.headers['p-served-user']![0]).toBe(`<${B}>;sescase=term;regstate=reg`)
    // Responses travel back through both application servers.
    await h.answer(toB, 180, { toTag: 'b' })
    await h.answer(toB, 200, { toTag: 'b' })
    // 100 Trying is hop by hop: the caller sees only the first S-CSCF pass's.
    expect(statuses(TA)).toEqual([100, 180, 200])
  })

  it('relays an AS’s own answer, rejection and redirect to the caller', async () => {
    await setup(undefined, [{ server: 'sip:answer.as.edgewater.internal' }])
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    expect(statuses(TA).filter((s) => s !== 100)).toEqual([200])
    expect(h.toFlow(TB, { method: 'INVITE' })).toHaveLength(0)

    await setup(undefined, [{ server: 'sip:reject-404.as.edgewater.internal' }])
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    expect(statuses(TA).filter((s) => s !== 100)).toEqual([404])

    await setup(undefined, [{ server: 'sip:redirect.as.edgewater.internal' }])
    await h.post(
      fromEdge({ from: A, to: B, token: TA, headers: [`X-Test-As: redirect=redirect:${C}`] })
    )
    const r302 = responses(TA).find((r) => r.status === 302)!
    expect(r302.getRaw('contact')).toBe(`<${C}>`)
  })

  it('skips a silent SESSION_CONTINUED AS when its liveness timer fires; 408 for SESSION_TERMINATED', async () => {
    await setup(
      [{ server: 'sip:silent.as.edgewater.internal', sessionCase: 0, defaultHandling: 0 }],
      undefined
    )
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    expect(h.toFlow(TB, { method: 'INVITE' })).toHaveLength(0)
    h.clock.advance(2_000)
    await h.popTimers()
    expect(h.toFlow(TB, { method: 'INVITE' })).toHaveLength(1)

    await setup(
      [{ server: 'sip:silent2.as.edgewater.internal', sessionCase: 0, defaultHandling: 1 }],
      undefined
    )
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    h.clock.advance(4_000)
    await h.popTimers()
    expect(statuses(TA).filter((s) => s !== 100)).toEqual([408])
    expect(h.toFlow(TB, { method: 'INVITE' })).toHaveLength(0)
  })
})
