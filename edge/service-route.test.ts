/**
 * The Service-Route a flow learnt (service-route.ts) through the flow logic (client-inbound.ts,
 * core-inbound.ts) against a fake FlowIo: a flow homed on another pool's S-CSCF sends its
 * initial requests there through its home Sprout's relay and its REGISTERs through the I-CSCF; a
 * Route the client writes, naming another pool or the relay, is never followed.
 */
import { describe, expect, it } from 'vitest'
import { parseMessage, type SipRequest, type SipResponse } from '../shared/sip'
import { fromClient } from './client-inbound'
import { fromCore } from './core-inbound'
import { knowsOwnScscf, originatingRoutes, registerRoute } from './service-route'
import { harness as flowHarness } from './test-support/flow-harness'

const POOL2 = '<sip:pool2.as.edgewater.internal;lr;orig>'
const RELAY_A = '<sip:sprout.a.edgewater.internal;lr;service=relay>'

/** The limits of the fake flow: more messages and larger ones than the flow-logic defaults. */
const harness = () =>
  flowHarness({ cfg: { maxMessageBytes: 4000, ratePerSecond: 50, rateBurst: 30 } })

const msg = (lines: string[]) => `${lines.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`

let cseq = 0
const register = () =>
  msg([
    'REGISTER sip:example.com SIP/2.0',
    `Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKreg${++cseq}`,
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=f1',
    'To: <sip:alice@example.com>',
    'Call-ID: reg-call',
    `CSeq: ${cseq} REGISTER`,
    'Contact: <sip:a1@df7jal23ls0d.invalid;transport=ws>;+sip.instance="<urn:uuid:00000000-0000-0000-0000-000000000001>";reg-id=1',
  ])

const request = (method: string, extra: string[] = []) =>
  msg([
    `${method} sip:bob@example.com SIP/2.0`,
    `Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK${method}${++cseq}`,
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=f2',
    'To: <sip:bob@example.com>',
    `Call-ID: ${method}-call`,
    `CSeq: 1 ${method}`,
    'Contact: <sip:a1@df7jal23ls0d.invalid;transport=ws;ob>',
    ...extra,
  ])

/** Registers the flow; the core's 200 carries `serviceRoute`. */
async function registerWith(h: ReturnType<typeof harness>, serviceRoute: string) {
  await fromClient(h.io, register())
  const fwd = parseMessage(h.toCore.at(-1)!.text) as SipRequest
  const ok = msg([
    'SIP/2.0 200 OK',
    ...fwd.getAllRaw('via').map((v) => `Via: ${v}`),
    'From: <sip:alice@example.com>;tag=f1',
    'To: <sip:alice@example.com>;tag=t1',
    'Call-ID: reg-call',
    `CSeq: ${fwd.cseq.seq} REGISTER`,
    'Contact: <sip:a1@df7jal23ls0d.invalid;transport=ws>;+sip.instance="<urn:uuid:00000000-0000-0000-0000-000000000001>";reg-id=1;expires=300',
    `Service-Route: ${serviceRoute}`,
    'P-Associated-URI: <sip:alice@example.com>',
  ])
  expect(await fromCore(h.io, ok)).toEqual({ status: 202 })
  return fwd
}

const lastToCore = (h: ReturnType<typeof harness>) => {
  const sent = h.toCore.at(-1)!
  return { region: sent.region, req: parseMessage(sent.text) as SipRequest }
}

describe('a flow homed on another pool’s S-CSCF', () => {
  it('registers through the I-CSCF, and keeps doing so once the 200 named the other pool', async () => {
    const h = harness()
    const first = await registerWith(h, POOL2)
    expect(first.getAllRaw('route')).toEqual(['<sip:sprout.a.edgewater.internal;lr;service=icscf>'])
    await fromClient(h.io, register())
    expect(lastToCore(h).req.getAllRaw('route')).toEqual([
      '<sip:sprout.a.edgewater.internal;lr;service=icscf>',
    ])
  })

  it.each(['INVITE', 'MESSAGE', 'SUBSCRIBE', 'CANCEL'])(
    'sends an initial %s to the other pool through its home Sprout’s relay',
    async (method) => {
      const h = harness()
      await registerWith(h, POOL2)
      await fromClient(h.io, request(method))
      const { region, req } = lastToCore(h)
      expect(region).toBe('a')
      expect(req.getAllRaw('route')).toEqual([RELAY_A, POOL2])
      expect(req.getRaw('p-asserted-identity')).toBe('<sip:alice@example.com>')
      expect(h.toClient.map((t) => (parseMessage(t) as SipResponse).status)).not.toContain(403)
    }
  )

  it('follows its own Service-Route, never a Route the client wrote (another pool, or the relay)', async () => {
    const h = harness()
    await registerWith(h, POOL2)
    await fromClient(
      h.io,
      request('INVITE', [
        'Route: <sip:sprout.b.edgewater.internal;lr;service=relay>',
        'Route: <sip:pool3.as.edgewater.internal;lr;orig>',
      ])
    )
    const { region, req } = lastToCore(h)
    expect(region).toBe('a')
    expect(req.getAllRaw('route')).toEqual([RELAY_A, POOL2])
  })

  it('gives a flow homed here no relay, whatever other pool the client names', async () => {
    const h = harness()
    await registerWith(h, '<sip:sprout.a.edgewater.internal;lr;orig>')
    await fromClient(
      h.io,
      request('MESSAGE', [
        `Route: ${RELAY_A}`,
        `Route: ${POOL2}`,
        'Route: <sip:pstn.trunk.edgewater.internal;lr>',
      ])
    )
    expect(lastToCore(h).req.getAllRaw('route')).toEqual([
      '<sip:sprout.a.edgewater.internal;lr;orig>',
    ])
  })

  it('still refuses an in-dialog request whose next Route is outside the edge’s reach (403)', async () => {
    const h = harness()
    await registerWith(h, POOL2)
    const before = h.toCore.length
    await fromClient(
      h.io,
      request('BYE', [`Route: ${POOL2}`]).replace(
        'To: <sip:bob@example.com>',
        'To: <sip:bob@example.com>;tag=x'
      )
    )
    expect(h.toCore).toHaveLength(before)
    expect((parseMessage(h.toClient.at(-1)!) as SipResponse).status).toBe(403)
  })
})

describe('service-route helpers', () => {
  it('tell this deployment’s S-CSCF from another pool’s', () => {
    expect(knowsOwnScscf(['<sip:sprout.b.edgewater.internal;lr;orig>'])).toBe(true)
    expect(knowsOwnScscf([POOL2])).toBe(false)
    expect(knowsOwnScscf([])).toBe(false)
    expect(originatingRoutes([], 'b')).toEqual([])
    expect(originatingRoutes(['<sip:sprout.b.edgewater.internal;lr;orig>'], 'a')).toEqual([
      '<sip:sprout.b.edgewater.internal;lr;orig>',
    ])
    expect(originatingRoutes([POOL2, '<sip:x.as.edgewater.internal;lr>'], 'b')).toEqual([
      '<sip:sprout.b.edgewater.internal;lr;service=relay>',
      POOL2,
      '<sip:x.as.edgewater.internal;lr>',
    ])
    expect(registerRoute([POOL2], 'b')).toBe('<sip:sprout.b.edgewater.internal;lr;service=icscf>')
    expect(registerRoute(['<sip:sprout.a.edgewater.internal;lr;orig>'], 'b')).toBe(
      '<sip:sprout.b.edgewater.internal;lr>'
    )
  })
})
