/**
 * Service URNs (RFC 5031) as Request-URIs, clearwater-interfaces §10 live tests 95 and 96: from a
 * registered sip.js phone through the edge (originating-registered), and from a trusted peer
 * (an IBCF) through the trunk adapter and the I-CSCF with `orig` (originating-unregistered, iFC
 * session case 3). A URN that no iFC routes gets 480; one an iFC's RequestURI trigger matches
 * reaches that application server, here the test AS that answers 200.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TrunkAdapter } from '../../infra/trunk/trunk-adapter'
import { startLocalTrunk } from '../support/local-trunk'
import { UdpPeer } from '../support/sip/udp-peer'
import { asLog, newLine, Phone, until } from './calls-support'

let peer: UdpPeer
let adapter: TrunkAdapter
const phones: Phone[] = []

beforeAll(async () => {
  peer = await UdpPeer.open()
  adapter = await startLocalTrunk(peer.port, { trustOrig: true })
})

afterAll(async () => {
  for (const p of phones) await p.stop()
  await adapter?.close()
  await peer?.close()
})

const sosIfc = (sessionCase: 0 | 3) => [
  {
    server: 'sip:answer.as.edgewater.internal',
    conditions: [{ method: 'MESSAGE' }, { requestUri: '^service:sos' }, { sessionCase }],
  },
]

const callIdOf = (raw: string) => /Call-ID: *([^\r\n]+)/i.exec(raw)?.[1] ?? ''

describe('service URNs from a registered phone (through the edge)', () => {
  it('95: a MESSAGE to urn:service:sos that no iFC routes gets 480', async () => {
    const a = await Phone.start(await newLine())
    phones.push(a)
    const final = await a.raw('MESSAGE', 'urn:service:sos', { body: 'help' })
    expect(final.startsWith('SIP/2.0 480')).toBe(true)
  })

  it('96: an iFC matching the URN (originating-registered) routes it to its AS, which answers 200', async () => {
    const a = await Phone.start(await newLine({ ifcs: sosIfc(0) }))
    phones.push(a)
    const final = await a.raw('MESSAGE', 'urn:service:sos', { body: 'help' })
    expect(final.startsWith('SIP/2.0 200')).toBe(true)
    const log = await asLog('a', callIdOf(final))
    const req = log.find((r) => r.kind === 'request' && r.method === 'MESSAGE')
    expect(req?.as).toBe('answer')
    expect(req?.headers['p-served-user']?.[0]).toContain('sescase=orig;regstate=reg')
    // Another service URN is not the trigger's: 480.
    const other = await a.raw('MESSAGE', 'urn:service:counseling', { body: 'x' })
    expect(other.startsWith('SIP/2.0 480')).toBe(true)
  })

  it('the edge refuses a URN that names no service with 416', async () => {
    const a = await Phone.start(await newLine())
    phones.push(a)
    const final = await a.raw('MESSAGE', 'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6', {
      body: 'x',
    })
    expect(final.startsWith('SIP/2.0 416')).toBe(true)
  })
})

describe('service URNs from a trusted peer through the I-CSCF (orig)', () => {
  const send = (from: string, n: number) => {
    const callId = `urn-${n}-${Date.now()}@127.0.0.1`
    peer.send(
      [
        'MESSAGE urn:service:sos SIP/2.0',
        `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKurn${n}${Date.now()};rport`,
        'Max-Forwards: 70',
        `Route: <sip:127.0.0.1:${adapter.sipPort};lr;orig>`,
        `From: <${from}>;tag=ibcf${n}`,
        'To: <urn:service:sos>',
        `Call-ID: ${callId}`,
        'CSeq: 1 MESSAGE',
        'Content-Type: text/plain',
        'Content-Length: 4',
        '',
        'help',
      ].join('\r\n'),
      adapter.sipPort
    )
    return until(
      () => peer.responses('MESSAGE').find((r) => r.callId === callId && r.status >= 200),
      10_000,
      'the final response at the peer'
    )
  }

  it('95: no iFC for the unregistered caller: 480', async () => {
    const line = await newLine()
    expect((await send(line.impu, 1)).status).toBe(480)
  })

  it('96: an originating-unregistered iFC (session case 3) on the URN reaches its AS: 200', async () => {
    const line = await newLine({ ifcs: sosIfc(3) })
    const ok = await send(line.impu, 2)
    expect(ok.status).toBe(200)
    const log = await asLog('a', ok.callId)
    const req = log.find((r) => r.kind === 'request' && r.method === 'MESSAGE')
    expect(req?.headers['p-served-user']?.[0]).toContain('sescase=orig;regstate=unreg')
  })
})
