/**
 * The client's retransmitted INVITE 2xx (RFC 3261 §13.3.1.4) at its flow
 * (edge/retransmitted-2xx.ts): once Sprout's hop has taken the first copy, later copies stay at
 * the edge and nothing answers them; a copy whose hop failed is not noted, so the next goes
 * through; a 2xx with another To tag is another response; the caller's ACK still reaches the
 * client; the note survives the attachment's serialisation (hibernation).
 */
import { describe, expect, it } from 'vitest'
import type { HopResult } from '../shared/hop/sip-over-http'
import type { SipRequest, SipResponse } from '../shared/sip'
import { fromClient } from './client-inbound'
import { fromCore } from './core-inbound'
import { MAX_RELAYED_2XX } from './retransmitted-2xx'
import { authenticate, harness, parsed, req } from './test-support/flow-harness'

const SPROUT_VIA = 'SIP/2.0/HTTP sprout.a.edgewater.internal;branch=z9hG4bKRk1.0.0'

/** An INVITE from the core to this flow's client, as delivered (the edge's Via on top). */
async function inviteToClient(h: ReturnType<typeof harness>, callId = 'c1', via = SPROUT_VIA) {
  await fromCore(
    h.io,
    req([
      'INVITE sip:a1@x.invalid SIP/2.0',
      `Via: ${via}`,
      'Max-Forwards: 68',
      'From: <sip:bob@example.com>;tag=b1',
      'To: <sip:alice@example.com>',
      `Call-ID: ${callId}`,
      'CSeq: 1 INVITE',
      'Contact: <sip:bob@192.0.2.9>',
    ])
  )
  return parsed(h.toClient.at(-1)!) as SipRequest
}

/** The client's answer to `inv` (what sip.js sends for each copy). */
const answer = (inv: SipRequest, status = '200 OK', toTag = 'a9', method = 'INVITE') =>
  req([
    `SIP/2.0 ${status}`,
    ...inv.getAllRaw('via').map((v) => `Via: ${v}`),
    'From: <sip:bob@example.com>;tag=b1',
    `To: <sip:alice@example.com>;tag=${toTag}`,
    `Call-ID: ${inv.callId}`,
    `CSeq: 1 ${method}`,
    'Contact: <sip:a1@x.invalid>',
  ])

/** The client sends `text` (a second later: the flow's rate limit is not what is tested here). */
async function send(h: ReturnType<typeof harness>, text: string) {
  h.advance(1000)
  await fromClient(h.io, text)
}

const relayedStatuses = (h: ReturnType<typeof harness>) =>
  h.toUrl.map((u) => (parsed(u.text) as SipResponse).status)

describe('a client’s retransmitted INVITE 2xx', () => {
  it('is relayed once; later copies stay at the edge and nothing answers them', async () => {
    const h = harness()
    await authenticate(h)
    const inv = await inviteToClient(h)
    h.toClient.length = 0
    await send(h, answer(inv, '180 Ringing'))
    for (let i = 0; i < 4; i++) await send(h, answer(inv))
    expect(relayedStatuses(h)).toEqual([180, 200])
    expect(h.toUrl[1]!.url).toBe('http://sprout.a.edgewater.internal/sip')
    expect(h.toClient).toEqual([])
  })

  it('lets the next copy through when the first one’s hop failed', async () => {
    let failures = 1
    const failing: HopResult = {
      ok: false,
      sipStatus: 503,
      reason: 'not relayed',
      transport: false,
    }
    const h = harness({ url: () => (failures-- > 0 ? failing : { ok: true }) })
    await authenticate(h)
    const inv = await inviteToClient(h)
    for (let i = 0; i < 3; i++) await send(h, answer(inv))
    expect(relayedStatuses(h)).toEqual([200, 200])
  })

  it('relays a 2xx with another To tag, another INVITE’s 2xx, and a repeated non-INVITE 2xx', async () => {
    const h = harness()
    await authenticate(h)
    const inv = await inviteToClient(h)
    const other = await inviteToClient(
      h,
      'c2',
      'SIP/2.0/HTTP sprout.a.edgewater.internal;branch=z9hG4bKRk2.0.0'
    )
    await send(h, answer(inv))
    await send(h, answer(inv, '200 OK', 'a10'))
    await send(h, answer(other))
    await send(h, answer(other))
    expect(relayedStatuses(h)).toEqual([200, 200, 200])
    const msg = await inviteToClient(
      h,
      'c3',
      'SIP/2.0/HTTP sprout.a.edgewater.internal;branch=z9hG4bKRk3.0.0'
    )
    await send(h, answer(msg, '200 OK', 'a9', 'MESSAGE'))
    await send(h, answer(msg, '200 OK', 'a9', 'MESSAGE'))
    expect(relayedStatuses(h)).toEqual([200, 200, 200, 200, 200])
  })

  it('still delivers the caller’s ACK to the client', async () => {
    const h = harness()
    await authenticate(h)
    const inv = await inviteToClient(h)
    const rr = inv.getAllRaw('record-route')
    await send(h, answer(inv))
    await send(h, answer(inv))
    h.toClient.length = 0
    const scoped = /<sip:([^@]+)@edge\.edgewater\.internal;lr>/.exec(rr.join(','))![1]!
    const out = await fromCore(
      h.io,
      req([
        'ACK sip:a1@x.invalid SIP/2.0',
        'Via: SIP/2.0/HTTP sprout.a.edgewater.internal;branch=z9hG4bKSack',
        `Route: <sip:${scoped}@edge.edgewater.internal;lr>`,
        'Max-Forwards: 68',
        'From: <sip:bob@example.com>;tag=b1',
        'To: <sip:alice@example.com>;tag=a9',
        'Call-ID: c1',
        'CSeq: 1 ACK',
      ])
    )
    expect(out.status).toBe(202)
    expect(h.toClient.map((t) => (parsed(t) as SipRequest).method)).toEqual(['ACK'])
  })

  it('is remembered across the attachment’s serialisation, for the last few 2xx only', async () => {
    const h = harness()
    await authenticate(h)
    const first = await inviteToClient(h)
    await send(h, answer(first))
    h.io.state = JSON.parse(JSON.stringify(h.io.state))
    await send(h, answer(first))
    expect(relayedStatuses(h)).toEqual([200])
    for (let i = 0; i < MAX_RELAYED_2XX; i++) {
      const inv = await inviteToClient(
        h,
        `n${i}`,
        `SIP/2.0/HTTP sprout.a.edgewater.internal;branch=z9hG4bKRn${i}.0.0`
      )
      await send(h, answer(inv))
    }
    expect(h.io.state.relayed2xx).toHaveLength(MAX_RELAYED_2XX)
    await send(h, answer(first))
    expect(h.toUrl).toHaveLength(MAX_RELAYED_2XX + 2)
  })
})
