/**
 * Off-net calls through a SIP trunk (docs/trunk.md), with real sip.js clients on the edge and a
 * scripted SIP peer on UDP behind the trunk adapter (infra/trunk), which this suite runs on the
 * local cloud's trunk port (infra/local/trunk-bindings.ts): clearwater-interfaces §10 live tests
 * 12 (OCB international lets a domestic PSTN call through), 76 (dial out to a PSTN number),
 * 88 (MESSAGE to an off-net tel: URI, here written with visual separators), and a call in from
 * the trunk, which takes the I-CSCF path (LIR, then the S-CSCF) to a registered phone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CountersSnapshot } from '../../infra/local/counters'
import type { TrunkAdapter } from '../../infra/trunk/trunk-adapter'
import { endpoints } from '../support/cloud'
import { startLocalTrunk } from '../support/local-trunk'
import { PEER_SDP, UdpPeer } from '../support/sip/udp-peer'
import { established, newLine, Phone, terminated, until } from './calls-support'

let peer: UdpPeer
let adapter: TrunkAdapter
const phones: Phone[] = []

async function counters(): Promise<CountersSnapshot> {
  return (await (await fetch(`${endpoints().control}/counters`)).json()) as CountersSnapshot
}
const lirCount = (c: CountersSnapshot) =>
  (['a', 'b'] as const)
    .flatMap((r) => Object.entries(c.regions[r].functions.routes.by))
    .filter(([route]) => route.includes('location'))
    .reduce((n, [, v]) => n + Number(v), 0)

beforeAll(async () => {
  peer = await UdpPeer.open()
  adapter = await startLocalTrunk(peer.port)
})

afterAll(async () => {
  for (const p of phones) await p.stop()
  await adapter?.close()
  await peer?.close()
})

async function phone(opts: Parameters<typeof newLine>[0] = {}): Promise<Phone> {
  const p = await Phone.start(await newLine(opts))
  phones.push(p)
  return p
}

describe('calls out through the trunk (live tests 76, 12, 88)', () => {
  it('76: a call to a PSTN number reaches the peer over UDP, is answered, and hangs up', async () => {
    const a = await phone()
    const before = peer.requests('INVITE').length
    const call = a.call(`sip:+12125550100@${endpoints().homeDomain}`)
    const s = await call.waitFor(200)
    await established(call.inviter)
    const invite = await peer.waitForRequest('INVITE', 10_000, before)
    expect(invite.uriText).toBe(`sip:+12125550100@${endpoints().homeDomain}`)
    // The adapter's Via and Record-Route face the peer; Sprout stays in the dialog behind it.
    expect(invite.topVia.transport).toBe('UDP')
    expect(invite.topVia.port).toBe(adapter.sipPort)
    const rr = invite.getAllRaw('record-route')
    expect(rr[0]).toBe(`<sip:127.0.0.1:${adapter.sipPort};transport=udp;lr>`)
    expect(rr[1]).toBe('<sip:pstn.trunk.edgewater.internal;lr>')
    expect(rr.some((r) => r.includes('sprout.a.edgewater.internal'))).toBe(true)
    expect(s.status).toBe(200)
    await until(() => peer.requests('ACK').find((m) => m.callId === invite.callId), 10_000, 'ACK')
    await call.bye()
    const bye = await until(
      () => peer.requests('BYE').find((m) => m.callId === invite.callId),
      10_000,
      'BYE at the peer'
    )
    expect(bye.uriText).toBe(`sip:gw@127.0.0.1:${peer.port}`)
    await terminated(call.inviter)
  })

  it('12: OCB international still lets a domestic PSTN number through (national format)', async () => {
    const ocbInternational = `<?xml version="1.0" encoding="UTF-8"?><simservs xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap" xmlns:cp="urn:ietf:params:xml:ns:common-policy"><outgoing-communication-barring active="true"><cp:ruleset><cp:rule id="r1"><cp:conditions><international/></cp:conditions><cp:actions><allow>false</allow></cp:actions></cp:rule></cp:ruleset></outgoing-communication-barring></simservs>`
    const a = await phone({ simservs: ocbInternational })
    const call = a.call(`sip:2125550101@${endpoints().homeDomain};user=phone`)
    expect((await call.waitFor(200)).status).toBe(200)
    await established(call.inviter)
    const invite = await until(
      () => peer.requests('INVITE').find((m) => m.uriText.includes('2125550101')),
      10_000,
      'the INVITE at the peer'
    )
    expect(invite.getRaw('p-asserted-identity')).toContain(a.line.number)
    await call.bye()
    await terminated(call.inviter)
    // An international number is barred before it reaches the trunk (live test 13).
    const abroad = a.call(`sip:011447854481549@${endpoints().homeDomain}`)
    expect((await abroad.waitFor(603)).status).toBe(603)
    expect(peer.requests('INVITE').some((m) => m.uriText.includes('011447854481549'))).toBe(false)
  })

  it('88: a MESSAGE to an off-net tel: URI, written with visual separators, gets the peer’s 200', async () => {
    const a = await phone()
    const final = await a.raw('MESSAGE', 'tel:+1-212-555-0199', { body: 'off-net hello' })
    expect(final.startsWith('SIP/2.0 200')).toBe(true)
    const m = await until(
      () => peer.requests('MESSAGE').find((x) => x.body === 'off-net hello'),
      10_000,
      'the MESSAGE at the peer'
    )
    expect(m.uriText).toBe('sip:+1-212-555-0199@example.com')
  })
})

describe('a call in from the trunk (the I-CSCF path)', () => {
  it('is located by LIR, rings the registered phone, is answered, and ends with the peer’s BYE', async () => {
    const b = await phone()
    const lirsBefore = lirCount(await counters())
    const callId = `trunk-in-${Date.now()}@127.0.0.1`
    const invite = [
      `INVITE sip:${b.line.number}@${endpoints().homeDomain} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKin${Date.now()};rport`,
      'Max-Forwards: 70',
      `From: <sip:+12125550123@pstn.example.net>;tag=pstn1`,
      `To: <sip:${b.line.number}@${endpoints().homeDomain}>`,
      `Call-ID: ${callId}`,
      'CSeq: 1 INVITE',
      `Contact: <sip:gw@127.0.0.1:${peer.port}>`,
      'Content-Type: application/sdp',
      `Content-Length: ${PEER_SDP.length}`,
      '',
      PEER_SDP,
    ].join('\r\n')
    peer.send(invite, adapter.sipPort)
    const incoming = await b.nextCall()
    expect(incoming.header('from')).toContain('+12125550123')
    await incoming.answer()
    const ok = await until(
      () => peer.responses('INVITE').find((r) => r.callId === callId && r.status === 200),
      10_000,
      '200 at the peer'
    )
    expect(lirCount(await counters())).toBeGreaterThan(lirsBefore)
    // The peer's route set: the adapter's peer-facing entry first (RFC 3261 §12.1.2).
    const routes = ok.getAllRaw('record-route').reverse()
    expect(routes[0]).toBe(`<sip:127.0.0.1:${adapter.sipPort};transport=udp;lr>`)
    const contactUri = /<([^>]+)>/.exec(ok.getRaw('contact') ?? '')?.[1] ?? ''
    const inDialog = (method: string, cseq: number) =>
      [
        `${method} ${contactUri} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bK${method}${Date.now()};rport`,
        'Max-Forwards: 70',
        ...routes.map((r) => `Route: ${r}`),
        `From: <sip:+12125550123@pstn.example.net>;tag=pstn1`,
        `To: ${ok.getRaw('to')}`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} ${method}`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n')
    peer.send(inDialog('ACK', 1), adapter.sipPort)
    await established(incoming.invitation)
    peer.send(inDialog('BYE', 2), adapter.sipPort)
    await terminated(incoming.invitation)
    await until(
      () => peer.responses('BYE').find((r) => r.callId === callId && r.status === 200),
      10_000,
      '200 to the BYE at the peer'
    )
  })

  it('an unknown number from the trunk gets 404, and REGISTER gets 405', async () => {
    const call = (method: string, uri: string, n: number) =>
      [
        `${method} ${uri} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKu${n}${Date.now()};rport`,
        'Max-Forwards: 70',
        `From: <sip:+12125550123@pstn.example.net>;tag=u${n}`,
        `To: <${uri}>`,
        `Call-ID: unknown-${n}-${Date.now()}`,
        `CSeq: 1 ${method}`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n')
    peer.send(call('MESSAGE', `sip:nobody@${endpoints().homeDomain}`, 1), adapter.sipPort)
    expect((await peer.waitForResponse('MESSAGE', 404)).status).toBe(404)
    peer.send(call('REGISTER', `sip:${endpoints().homeDomain}`, 2), adapter.sipPort)
    expect((await peer.waitForResponse('REGISTER', 405)).status).toBe(405)
  })
})
