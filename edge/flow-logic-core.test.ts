/**
 * The flow logic of the edge (core-inbound.ts) against a fake FlowIo: requests from the core
 * delivered to the client (client-facing Via and Record-Route, no core-private headers) and the
 * client's responses routed back along the next Via; no WebSocket or network.
 */
import { describe, expect, it } from 'vitest'
import type { SipRequest, SipResponse } from '../shared/sip'
import { fromClient } from './client-inbound'
import { fromCore } from './core-inbound'
import { authenticate, harness, parsed, req, TOKEN } from './test-support/flow-harness'

describe('messages from the core', () => {
  it('delivers a request with the client-facing Via and Record-Route and without core-private headers', async () => {
    const h = harness()
    const out = await fromCore(
      h.io,
      req([
        'INVITE sip:a1@df7jal23ls0d.invalid;transport=ws SIP/2.0',
        'Via: SIP/2.0/HTTP sprout.a.edgewater.internal;branch=z9hG4bKs1',
        `Route: <sip:${TOKEN}@edge.edgewater.internal;lr>`,
        'Max-Forwards: 68',
        'From: <sip:bob@example.com>;tag=b1',
        'To: <sip:alice@example.com>',
        'Call-ID: c9',
        'CSeq: 1 INVITE',
        'P-Served-User: <sip:alice@example.com>;sescase=term',
        'P-Charging-Vector: icid-value=1',
      ])
    )
    expect(out).toEqual({ status: 202 })
    const got = parsed(h.toClient[0]!) as SipRequest
    expect(got.has('route')).toBe(false)
    expect(got.has('p-served-user')).toBe(false)
    expect(got.has('p-charging-vector')).toBe(false)
    expect(got.topVia.transport).toBe('WSS')
    expect(got.getAllRaw('record-route')[0]).toMatch(
      new RegExp(
        `^<sip:${TOKEN.replace('.', '\\.')}\\.[0-9a-z]+\\.[0-9a-f]{24}@edge\\.example\\.net:443;transport=ws;lr>$`
      )
    )
  })

  it('routes the client’s response back along the next Via', async () => {
    const h = harness()
    await authenticate(h)
    h.toClient.length = 0
    await fromCore(
      h.io,
      req([
        'MESSAGE sip:a1@x.invalid SIP/2.0',
        'Via: SIP/2.0/HTTP sprout.a.edgewater.internal;branch=z9hG4bKs2',
        'Max-Forwards: 68',
        'From: <sip:bob@example.com>;tag=b1',
        'To: <sip:alice@example.com>',
        'Call-ID: m1',
        'CSeq: 1 MESSAGE',
      ])
    )
    const delivered = parsed(h.toClient[0]!) as SipRequest
    const answer = req([
      'SIP/2.0 200 OK',
      ...delivered.getAllRaw('via').map((v) => `Via: ${v}`),
      'From: <sip:bob@example.com>;tag=b1',
      'To: <sip:alice@example.com>;tag=a9',
      'Call-ID: m1',
      'CSeq: 1 MESSAGE',
    ])
    await fromClient(h.io, answer)
    expect(h.toUrl).toHaveLength(1)
    expect(h.toUrl[0]!.url).toBe('http://sprout.a.edgewater.internal/sip')
    expect((parsed(h.toUrl[0]!.text) as SipResponse).vias.map((v) => v.host)).toEqual([
      'sprout.a.edgewater.internal',
    ])
  })

  it('keeps the client’s 100 Trying at the edge unless the next Via asks for it (lv)', async () => {
    const relayed = async (via: string) => {
      const h = harness()
      await authenticate(h)
      h.toClient.length = 0
      await fromCore(
        h.io,
        req([
          'INVITE sip:a1@x.invalid SIP/2.0',
          `Via: ${via}`,
          'Max-Forwards: 68',
          'From: <sip:bob@example.com>;tag=b1',
          'To: <sip:alice@example.com>',
          'Call-ID: i100',
          'CSeq: 1 INVITE',
          'Contact: <sip:bob@192.0.2.9>',
        ])
      )
      const delivered = parsed(h.toClient[0]!) as SipRequest
      for (const status of ['100 Trying', '180 Ringing'])
        await fromClient(
          h.io,
          req([
            `SIP/2.0 ${status}`,
            ...delivered.getAllRaw('via').map((v) => `Via: ${v}`),
            'From: <sip:bob@example.com>;tag=b1',
            `To: <sip:alice@example.com>${status.startsWith('100') ? '' : ';tag=a9'}`,
            'Call-ID: i100',
            'CSeq: 1 INVITE',
          ])
        )
      return h.toUrl.map((u) => (parsed(u.text) as SipResponse).status)
    }
    expect(await relayed('SIP/2.0/HTTP sprout.a.edgewater.internal;branch=z9hG4bKs3')).toEqual([
      180,
    ])
    expect(await relayed('SIP/2.0/HTTP sprout.a.edgewater.internal;branch=z9hG4bKs4;lv')).toEqual([
      100, 180,
    ])
  })

  it('refuses a response that does not carry this flow’s Via', async () => {
    const h = harness()
    const out = await fromCore(
      h.io,
      req([
        'SIP/2.0 200 OK',
        'Via: SIP/2.0/HTTP edge.edgewater.internal;branch=z9hG4bKx;flow=someone-else',
        'From: <sip:a@example.com>;tag=1',
        'To: <sip:a@example.com>;tag=2',
        'Call-ID: z',
        'CSeq: 1 REGISTER',
      ])
    )
    expect(out.status).toBe(400)
    expect(h.toClient).toHaveLength(0)
  })
})
