/**
 * A caller on the SIP network behind a trunk (infra/trunk, docs/trunk.md) naming a subscriber of
 * the deployment in `P-Asserted-Identity`. The peer is not trusted with originating handling
 * (`TRUNK_TRUST_ORIG=0`, the default), so it is not trusted to assert identities either: over the
 * real local cloud, with the adapter and a UDP peer in front of it,
 * - a reg-event SUBSCRIBE to a subscriber's registration, asserting that subscriber, is refused
 *   and no NOTIFY with its contacts reaches the peer (Sprout lets a subscriber watch itself);
 * - an INVITE asserting an on-net subscriber reaches the callee without that assertion;
 * - SIP from an address that is not the peer's is dropped: an INVITE to a PSTN number from a
 *   stranger would otherwise enter through the I-CSCF and leave again through the BGCF's
 *   transit route to the peer, a call placed at the operator's cost.
 */
import { createSocket } from 'node:dgram'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { TrunkAdapter } from '../../infra/trunk/trunk-adapter'
import { newLine, Phone, until } from '../interop/calls-support'
import { endpoints } from '../support/cloud'
import { startLocalTrunk } from '../support/local-trunk'
import { PEER_SDP, UdpPeer } from '../support/sip/udp-peer'

let peer: UdpPeer
let adapter: TrunkAdapter
const phones: Phone[] = []

beforeAll(async () => {
  peer = await UdpPeer.open()
  adapter = await startLocalTrunk(peer.port)
})
afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.stop()))
})
afterAll(async () => {
  await adapter?.close()
  await peer?.close()
})

async function phone(): Promise<Phone> {
  const p = await Phone.start(await newLine())
  phones.push(p)
  return p
}

const uniq = () => crypto.randomUUID().replace(/-/g, '').slice(0, 12)

function fromPeer(
  method: string,
  target: string,
  callId: string,
  extra: string[],
  body = ''
): string {
  return [
    `${method} ${target} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bK${uniq()};rport`,
    'Max-Forwards: 70',
    `From: <sip:+12125550123@pstn.example.net>;tag=${uniq()}`,
    `To: <${target}>`,
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
    `Contact: <sip:gw@127.0.0.1:${peer.port}>`,
    ...extra,
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${body.length}`,
    '',
    body,
  ].join('\r\n')
}

describe('identities asserted by an untrusted trunk peer', () => {
  it("cannot watch a subscriber's registration by asserting that subscriber", async () => {
    const victim = await phone()
    const callId = `trunk-sub-${uniq()}`
    peer.send(
      fromPeer('SUBSCRIBE', victim.line.impu, callId, [
        'Event: reg',
        'Accept: application/reginfo+xml',
        'Expires: 300',
        `P-Asserted-Identity: <${victim.line.impu}>`,
      ]),
      adapter.sipPort
    )
    const final = await until(
      () => peer.responses('SUBSCRIBE').find((r) => r.callId === callId && r.status >= 200),
      10_000,
      'final response to the SUBSCRIBE'
    )
    expect(final.status).toBe(403)
    // No NOTIFY of the victim's registration state reaches the peer.
    await new Promise((r) => setTimeout(r, 1_000))
    expect(peer.requests('NOTIFY').filter((n) => n.callId === callId)).toEqual([])
  })

  it('cannot make a call appear to come from a subscriber of the deployment', async () => {
    const [impersonated, callee] = await Promise.all([newLine(), phone()])
    const callId = `trunk-pai-${uniq()}@127.0.0.1`
    peer.send(
      fromPeer(
        'INVITE',
        `sip:${callee.line.number}@${endpoints().homeDomain}`,
        callId,
        [`P-Asserted-Identity: <${impersonated.impu}>`],
        PEER_SDP
      ),
      adapter.sipPort
    )
    const incoming = await callee.nextCall()
    expect(incoming.header('call-id')).toBe(callId)
    expect(incoming.header('p-asserted-identity') ?? '').not.toContain(impersonated.number)
    expect(incoming.header('from')).toContain('+12125550123')
    await incoming.reject(486)
    await until(
      () => peer.responses('INVITE').find((r) => r.callId === callId && r.status === 486),
      10_000,
      '486 at the peer'
    )
  })
})

describe('SIP from addresses that are not the peer', () => {
  it('is dropped unanswered, so the adapter relays no stranger’s call to the PSTN', async () => {
    const stranger = createSocket('udp4')
    const answers: string[] = []
    stranger.on('message', (b) => answers.push(b.toString()))
    await new Promise<void>((r) => stranger.bind(0, '127.0.0.2', () => r()))
    try {
      const { port } = stranger.address()
      const callId = `stranger-${uniq()}@127.0.0.2`
      const target = `sip:+12125550177@${endpoints().homeDomain}`
      const invite = fromPeer('INVITE', target, callId, [], PEER_SDP).replaceAll(
        `127.0.0.1:${peer.port}`,
        `127.0.0.2:${port}`
      )
      stranger.send(invite, adapter.sipPort, '127.0.0.1')
      // Neither a 100 Trying nor the transit call reaching the peer.
      await new Promise((r) => setTimeout(r, 2_000))
      expect(peer.requests('INVITE').filter((m) => m.callId === callId)).toEqual([])
      expect(answers).toEqual([])
      // The peer's own request for the same number takes that route.
      const own = `peer-${uniq()}@127.0.0.1`
      peer.send(fromPeer('INVITE', target, own, [], PEER_SDP), adapter.sipPort)
      await until(
        () => peer.requests('INVITE').find((m) => m.callId === own),
        10_000,
        'the transit INVITE back at the peer'
      )
    } finally {
      stranger.close()
    }
  })
})
