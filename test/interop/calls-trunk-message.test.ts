/**
 * Live test 89, "Off-net calls - sip: URI" (clearwater-interfaces §10), with a real sip.js phone
 * through the local cloud and the trunk adapter in front of a scripted UDP peer (docs/trunk.md):
 * a MESSAGE to an off-net SIP URI takes the BGCF's route to the trunk, both for a number written as
 * a SIP URI of the home domain (the number route) and for a URI of the carrier's domain (the domain
 * route), and the phone gets the peer's 200.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TrunkAdapter } from '../../infra/trunk/trunk-adapter'
import { endpoints } from '../support/cloud'
import { startLocalTrunk } from '../support/local-trunk'
import { UdpPeer } from '../support/sip/udp-peer'
import { newLine, Phone, until } from './calls-support'

let peer: UdpPeer
let adapter: TrunkAdapter
let a: Phone | undefined

beforeAll(async () => {
  peer = await UdpPeer.open()
  adapter = await startLocalTrunk(peer.port)
})

afterAll(async () => {
  await a?.stop()
  await adapter?.close()
  await peer?.close()
})

describe('MESSAGE off net (live test 89)', () => {
  it('89: a MESSAGE to an off-net sip: URI reaches the peer through the trunk and gets its 200', async () => {
    a = await Phone.start(await newLine())
    const number = `sip:+12125550188@${endpoints().homeDomain}`
    expect((await a.message(number, 'to a number')).status).toBe(200)
    const m1 = await until(
      () => peer.requests('MESSAGE').find((x) => x.body === 'to a number'),
      10_000,
      'the MESSAGE to the number at the peer'
    )
    expect(m1.uriText).toBe(number)
    expect(m1.topVia.transport).toBe('UDP')
    expect(m1.topVia.port).toBe(adapter.sipPort)

    const carrier = 'sip:alice@pstn.example.net'
    expect((await a.message(carrier, 'to the carrier')).status).toBe(200)
    const m2 = await until(
      () => peer.requests('MESSAGE').find((x) => x.body === 'to the carrier'),
      10_000,
      'the MESSAGE to the carrier domain at the peer'
    )
    expect(m2.uriText).toBe(carrier)
  })
})
