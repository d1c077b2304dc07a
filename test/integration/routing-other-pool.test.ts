/**
 * A subscriber homed on another S-CSCF pool, through the edge on the local cloud (docs/routing.md,
 * "Another pool's S-CSCF"; TS 24.229 §5.2.6.3): the HSS names pool2's S-CSCF (a scripted peer,
 * test/support/other-pool.ts), so the flow's REGISTER goes through the I-CSCF to pool2, whose 200
 * teaches the flow pool2's Service-Route. The flow's calls then reach pool2 through its home
 * Sprout's stateless relay, which costs no store operation, and the dialog's requests pass the
 * relay both ways. A flow registered here cannot use pool2's route by writing it itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type SipRequest, serializeUri } from '../../shared/sip'
import { endpoints } from '../support/cloud'
import { OTHER_POOL_SERVICE_ROUTE, OtherPoolScscf } from '../support/other-pool'
import { RawSipSocket } from '../support/sip-ua'
import { counted, shape, totalKv, totalTable } from '../support/store-counting'
import { rawRegisterFlow, statusOf, subscriber } from './registrar-helpers'

const RELAY_A = '<sip:sprout.a.edgewater.internal;lr;service=relay>'
let pool: OtherPoolScscf

beforeAll(async () => {
  pool = await OtherPoolScscf.start()
})
afterAll(async () => {
  await pool?.close()
})

let n = 0
/** An initial request as a raw WebSocket client writes it, with its own (ignored) Route lines. */
function initial(o: {
  method: string
  from: string
  to: string
  callId: string
  routes?: string[]
  body?: string
}): string {
  const body = o.body ?? ''
  return [
    `${o.method} ${o.to} SIP/2.0`,
    `Via: SIP/2.0/WSS raw.invalid;branch=z9hG4bKpool${++n}x${Math.random().toString(36).slice(2, 8)}`,
    'Max-Forwards: 70',
    ...(o.routes ?? []).map((r) => `Route: ${r}`),
    `From: <${o.from}>;tag=raw${n}`,
    `To: <${o.to}>`,
    `Call-ID: ${o.callId}`,
    `CSeq: 1 ${o.method}`,
    'Contact: <sip:caller@raw.invalid;transport=ws;ob>',
    ...(body ? [`Content-Type: ${o.method === 'INVITE' ? 'application/sdp' : 'text/plain'}`] : []),
    `Content-Length: ${body.length}`,
    '',
    body,
  ].join('\r\n')
}

/** An in-dialog request of the caller's along the route set of a 2xx (RFC 3261 §12.2.1.1). */
function inDialog(method: string, ok: string, invite: string, cseq: number): string {
  const header = (m: string, name: string) =>
    m
      .split('\r\n')
      .filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
      .map((l) => l.slice(name.length + 1).trim())
  const routes = header(ok, 'Record-Route').reverse()
  const target = /<([^>]+)>/.exec(header(ok, 'Contact')[0] ?? '')?.[1] ?? ''
  return [
    `${method} ${target} SIP/2.0`,
    `Via: SIP/2.0/WSS raw.invalid;branch=z9hG4bKdlg${++n}x${Math.random().toString(36).slice(2, 8)}`,
    'Max-Forwards: 70',
    ...routes.map((r) => `Route: ${r}`),
    `From: ${header(invite, 'From')[0]}`,
    `To: ${header(ok, 'To')[0]}`,
    `Call-ID: ${header(invite, 'Call-ID')[0]}`,
    `CSeq: ${cseq} ${method}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')
}

const SDP =
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n'

describe('a subscriber homed on another S-CSCF pool', () => {
  it('registers at pool2 through the I-CSCF, then calls through the relay at no store cost', async () => {
    const sub = await subscriber('pool2')
    await pool.assign(sub.impu, sub.impi)
    const ws = await RawSipSocket.open(endpoints().sip.a)
    const callId = `pool2-${crypto.randomUUID()}`
    const contact = `<sip:caller@raw.invalid;transport=ws>;+sip.instance="<urn:uuid:${crypto.randomUUID()}>";reg-id=1`
    try {
      const seen = pool.requests.length
      const { ok } = await rawRegisterFlow(ws, { sub, callId, cseq: 1, contact, expires: 300 })
      expect(statusOf(ok)).toBe(200)
      // The I-CSCF sent the REGISTER to pool2 (the UAR named it), and pool2's route came back.
      const reg = await pool.waitFor('REGISTER', seen)
      expect(reg.getAllRaw('route')).toEqual(['<sip:pool2.as.edgewater.internal;lr>'])
      expect(ok).toContain(`\r\nService-Route: ${OTHER_POOL_SERVICE_ROUTE}\r\n`)

      const callee = `sip:someone-at-pool2@${endpoints().homeDomain}`
      // A MESSAGE first: also relayed to pool2, and it has Sprout's isolate load its trace flags
      // (one table query when it first sees an initial request, trace/flag-snapshot.ts).
      const message = await ws.request(
        initial({
          method: 'MESSAGE',
          from: sub.impu,
          to: callee,
          callId: `pool2-msg-${crypto.randomUUID()}`,
          body: 'hello pool2',
        })
      )
      expect(statusOf(message)).toBe(200)
      const atPool = await pool.waitFor('MESSAGE', seen)
      expect(atPool.getAllRaw('route')).toEqual([OTHER_POOL_SERVICE_ROUTE])
      let invite = ''
      let answer = ''
      let got: SipRequest | undefined
      let bye = ''
      // counted() measures again when a timer of an earlier file falls into the window: each
      // window places a call of its own, and the assertions read the last one.
      const cost = await counted(async () => {
        invite = initial({
          method: 'INVITE',
          from: sub.impu,
          to: callee,
          callId: `pool2-call-${crypto.randomUUID()}`,
          body: SDP,
        })
        const before = pool.requests.length
        answer = await ws.request(invite)
        got = await pool.waitFor('INVITE', before)
        ws.send(inDialog('ACK', answer, invite, 1))
        await pool.waitFor('ACK', before)
        bye = await ws.request(inDialog('BYE', answer, invite, 2))
      })
      expect(statusOf(answer)).toBe(200)
      // pool2's S-CSCF got the call with its own Service-Route, for the asserted subscriber, and
      // the relay's and the edge's entries in the route set.
      expect(got!.getAllRaw('route')).toEqual([OTHER_POOL_SERVICE_ROUTE])
      expect(serializeUri(got!.get('p-asserted-identity')!.uri)).toBe(sub.impu)
      expect(got!.topVia.host).toBe('sprout.a.edgewater.internal')
      expect(got!.getAllRaw('record-route')[0]).toBe(RELAY_A)
      expect(statusOf(bye)).toBe(200)
      const byeAtPool = pool.requests.filter((r) => r.method === 'BYE' && r.callId === got!.callId)
      expect(byeAtPool).toHaveLength(1)
      expect(byeAtPool[0]!.getAllRaw('route')).toEqual(['<sip:pool2.as.edgewater.internal;lr>'])
      // The relay is stateless: no KV command and no table operation for the whole call; Sprout
      // is invoked once per message it relays (INVITE, 180, 200, ACK, BYE, 200).
      expect(totalKv(cost)).toBe(0)
      expect(totalTable(cost)).toBe(0)
      expect(shape(cost).a.functions).toEqual({ 'sprout POST /sip': 6 })
    } finally {
      ws.close()
    }
  })

  it('delivers the other pool’s in-dialog requests to the caller through the relay', async () => {
    const sub = await subscriber('pool2-bye')
    await pool.assign(sub.impu, sub.impi)
    const ws = await RawSipSocket.open(endpoints().sip.a)
    const contact = `<sip:caller@raw.invalid;transport=ws>;+sip.instance="<urn:uuid:${crypto.randomUUID()}>";reg-id=1`
    try {
      const reg = await rawRegisterFlow(ws, {
        sub,
        callId: `pool2-${crypto.randomUUID()}`,
        cseq: 1,
        contact,
        expires: 300,
      })
      expect(statusOf(reg.ok)).toBe(200)
      const before = pool.requests.length
      const invite = initial({
        method: 'INVITE',
        from: sub.impu,
        to: `sip:callee-hangs-up@${endpoints().homeDomain}`,
        callId: `pool2-bye-${crypto.randomUUID()}`,
        body: SDP,
      })
      const answer = await ws.request(invite)
      expect(statusOf(answer)).toBe(200)
      const got = await pool.waitFor('INVITE', before)
      const toTag = /\r\nTo:[^\r]*;tag=([^;\r]+)/i.exec(answer)![1]!
      const from = ws.received.length
      await pool.hangUp(got, toTag)
      const byeAtClient = await ws.next((m) => m.startsWith('BYE '), 10_000, from)
      expect(byeAtClient).toContain(`Call-ID: ${got.callId}`)
      // The client answers; the 200 goes back through the relay to pool2.
      const vias = byeAtClient.split('\r\n').filter((l) => /^Via:/i.test(l))
      const copy = (name: string) =>
        byeAtClient.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name}:`))!
      ws.send(
        [
          'SIP/2.0 200 OK',
          ...vias,
          copy('from'),
          copy('to'),
          copy('call-id'),
          copy('cseq'),
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n')
      )
      const ok = await pool.waitForResponse('BYE', 200)
      expect(ok.callId).toBe(got.callId)
    } finally {
      ws.close()
    }
  })

  it('never follows another pool’s route that a flow registered here writes itself', async () => {
    const sub = await subscriber('pool2-forged')
    const ws = await RawSipSocket.open(endpoints().sip.a)
    const contact = `<sip:forger@raw.invalid;transport=ws>;+sip.instance="<urn:uuid:${crypto.randomUUID()}>";reg-id=1`
    try {
      const reg = await rawRegisterFlow(ws, {
        sub,
        callId: `forged-${crypto.randomUUID()}`,
        cseq: 1,
        contact,
        expires: 300,
      })
      expect(statusOf(reg.ok)).toBe(200)
      expect(reg.ok).toMatch(/\r\nService-Route: <sip:sprout\.a\.edgewater\.internal;lr;orig>/i)
      const before = pool.requests.length
      const r = await ws.request(
        initial({
          method: 'MESSAGE',
          from: sub.impu,
          to: `sip:nobody-${crypto.randomUUID().slice(0, 8)}@${endpoints().homeDomain}`,
          callId: `forged-msg-${crypto.randomUUID()}`,
          routes: [RELAY_A, OTHER_POOL_SERVICE_ROUTE],
          body: 'as someone else',
        })
      )
      // This deployment's S-CSCF served it (an unknown callee), and pool2 saw nothing.
      expect([404, 480]).toContain(statusOf(r))
      expect(pool.requests.slice(before)).toEqual([])
    } finally {
      ws.close()
    }
  })
})
