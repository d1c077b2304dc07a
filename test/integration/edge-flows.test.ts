/**
 * The edge's SIP flows over real WebSockets on the local cloud (RFC 7118): the upgrade and its
 * subprotocol, CRLF keepalive, the trust boundary before authentication, malformed and
 * oversize input on a live flow, and 430 for a flow that does not exist.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { postSip } from '../../shared/hop/sip-over-http'
import { endpoints } from '../support/cloud'
import { sipRequest, WsFlow } from '../support/ws-flow'

const flows: WsFlow[] = []
async function open(region: 'a' | 'b' = 'a') {
  const f = await WsFlow.open(endpoints().sip[region])
  flows.push(f)
  return f
}
afterEach(async () => {
  await Promise.all(flows.splice(0).map((f) => f.close()))
})

const options = (uri: string, callId: string) =>
  sipRequest([
    `OPTIONS ${uri} SIP/2.0`,
    'Via: SIP/2.0/WSS client.invalid;branch=z9hG4bK-opt',
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=o1',
    'To: <sip:alice@example.com>',
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
  ])

const invite = (callId: string, extra: string[] = []) =>
  sipRequest([
    'INVITE sip:bob@example.com SIP/2.0',
    'Via: SIP/2.0/WSS client.invalid;branch=z9hG4bK-inv',
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=i1',
    'To: <sip:bob@example.com>',
    `Call-ID: ${callId}`,
    'CSeq: 1 INVITE',
    'Contact: <sip:alice@client.invalid;transport=ws>',
    ...extra,
  ])

describe('the WebSocket upgrade', () => {
  it('accepts the sip subprotocol and echoes it', async () => {
    const f = await open()
    expect(f.ws.protocol).toBe('sip')
  })

  it('refuses another subprotocol and plain HTTP with a reason', async () => {
    await expect(WsFlow.open(endpoints().sip.a, 'chat')).rejects.toThrow(/HTTP 400/)
    const plain = await fetch(`${endpoints().edges.a}/sip`)
    expect(plain.status).toBe(426)
    expect(await plain.json()).toMatchObject({ error: 'upgrade required' })
  })
})

describe('a live flow', () => {
  it('answers a double-CRLF keepalive with a single CRLF', async () => {
    const f = await open()
    f.send('\r\n\r\n')
    expect(await f.next()).toBe('\r\n')
  })

  it('answers OPTIONS addressed to the edge with 200', async () => {
    const f = await open()
    const host = new URL(endpoints().edges.a).host
    f.send(options(`sip:${host}`, 'opt-1'))
    expect(await f.next((m) => m.includes('opt-1'))).toMatch(/^SIP\/2\.0 200 OK\r\n/)
  })

  it('refuses requests other than REGISTER before the flow is authenticated (403)', async () => {
    const f = await open()
    f.send(invite('inv-unauth'))
    expect(await f.next((m) => m.includes('inv-unauth'))).toMatch(/^SIP\/2\.0 403 /)
  })

  it('answers garbage, an oversize message and a malformed Via, and keeps working', async () => {
    const f = await open('b')
    const host = new URL(endpoints().edges.b).host
    f.send('GARBAGE\r\n\r\n')
    f.send(
      invite('inv-badvia').replace(
        'Via: SIP/2.0/WSS client.invalid;branch=z9hG4bK-inv',
        'Via: SIP/2.0 client.invalid;;;'
      )
    )
    expect(await f.next((m) => m.includes('inv-badvia'))).toMatch(/^SIP\/2\.0 400 Bad Via header/)
    f.send(invite('inv-big', [`X-Padding: ${'x'.repeat(70_000)}`]))
    expect(await f.next((m) => m.includes('inv-big'))).toMatch(/^SIP\/2\.0 513 /)
    f.send(options(`sip:${host}`, 'opt-after'))
    expect(await f.next((m) => m.includes('opt-after'))).toMatch(/^SIP\/2\.0 200 OK/)
    expect(f.received.some((m) => m.includes('GARBAGE'))).toBe(false)
  })
})

describe('reaching a flow from the core', () => {
  const message = sipRequest([
    'MESSAGE sip:alice@client.invalid SIP/2.0',
    'Via: SIP/2.0/HTTP sprout.a.edgewater.internal;branch=z9hG4bK-m',
    'Max-Forwards: 70',
    'From: <sip:bob@example.com>;tag=m1',
    'To: <sip:alice@example.com>',
    'Call-ID: msg-1',
    'CSeq: 1 MESSAGE',
  ])

  it('answers 430 Flow Failed for a forged token', async () => {
    const token = `${'ab'.repeat(32)}.${'00'.repeat(12)}`
    const r = await postSip(`${endpoints().edges.a}/internal/flows/${token}/sip`, message, {
      secret: endpoints().hopSecret,
    })
    expect(r).toMatchObject({ ok: false, sipStatus: 430 })
  })

  it('refuses an unsigned delivery', async () => {
    const res = await fetch(`${endpoints().edges.a}/internal/flows/x/sip`, {
      method: 'POST',
      headers: { 'content-type': 'message/sip' },
      body: message,
    })
    expect(res.status).toBe(401)
  })
})
