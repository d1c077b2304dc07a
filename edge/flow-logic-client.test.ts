/**
 * The flow logic of the edge (client-inbound.ts) against a fake FlowIo: requests from a client
 * (Path and the edge Via, forged headers removed, the unauthenticated flow, size and rate limits,
 * an unreachable core) and, once registered, identity assertion, the preloaded Service-Route,
 * double Record-Route and the end of authentication; no WebSocket or network.
 */
import { describe, expect, it } from 'vitest'
import type { SipRequest, SipResponse } from '../shared/sip'
import { fromClient } from './client-inbound'
import {
  authenticate,
  harness,
  invite,
  parsed,
  register,
  req,
  TOKEN,
} from './test-support/flow-harness'

describe('requests from a client', () => {
  it('forwards REGISTER to the home Sprout with Path (ob), the edge Via, and forged headers removed', async () => {
    const h = harness()
    await fromClient(h.io, register())
    expect(h.toCore).toHaveLength(1)
    expect(h.toCore[0]!.region).toBe('a')
    const fwd = parsed(h.toCore[0]!.text) as SipRequest
    expect(fwd.getRaw('path')).toBe(`<sip:${TOKEN}@edge.edgewater.internal;lr;ob>`)
    expect(fwd.topVia.host).toBe('edge.edgewater.internal')
    expect(fwd.topVia.params.find((p) => p.name === 'flow')?.value).toBe(TOKEN)
    expect(fwd.has('p-asserted-identity')).toBe(false)
    expect(fwd.has('p-charging-vector')).toBe(false)
    expect(fwd.maxForwards).toBe(69)
  })

  it('refuses anything but REGISTER before the flow is authenticated (403)', async () => {
    const h = harness()
    await fromClient(h.io, invite())
    expect(h.toCore).toHaveLength(0)
    const res = parsed(h.toClient[0]!) as SipResponse
    expect(res.status).toBe(403)
    expect(res.callId).toBe('inv-call')
  })

  it('answers OPTIONS addressed to the edge itself', async () => {
    const h = harness()
    await fromClient(
      h.io,
      req([
        'OPTIONS sip:edge.example.net:443 SIP/2.0',
        'Via: SIP/2.0/WSS x.invalid;branch=z9hG4bKo',
        'Max-Forwards: 70',
        'From: <sip:a@example.com>;tag=1',
        'To: <sip:edge.example.net>',
        'Call-ID: o1',
        'CSeq: 1 OPTIONS',
      ])
    )
    expect((parsed(h.toClient[0]!) as SipResponse).status).toBe(200)
    expect(h.toCore).toHaveLength(0)
  })

  it.each([
    ['Max-Forwards 1 → 483', invite().replace('Max-Forwards: 70', 'Max-Forwards: 1'), 483],
    ['Proxy-Require → 420', invite(['Proxy-Require: foo']), 420],
    [
      'unsupported scheme → 416',
      invite().replace('INVITE sip:bob@example.com', 'INVITE http://bob.example.com/'),
      416,
    ],
    [
      'a malformed Via → 400',
      invite().replace(
        'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKinv1',
        'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKinv1, garbage here'
      ),
      400,
    ],
  ])('%s', async (_name, text, status) => {
    const h = harness()
    await authenticate(h)
    h.toClient.length = 0
    await fromClient(h.io, text)
    // The answer echoes the request's own Via (RFC 3261 §8.2.6.2), malformed or not: read its
    // status line rather than parse it.
    expect(h.toClient[0]!.split('\r\n')[0]).toMatch(new RegExp(`^SIP/2\\.0 ${status} `))
    if (status === 400) expect(h.toClient[0]).toMatch(/^SIP\/2\.0 400 Bad Via header/)
    if (status === 420) expect(h.toClient[0]).toContain('\r\nUnsupported: foo\r\n')
    expect(h.toCore).toHaveLength(1) // only the REGISTER that authenticated the flow
  })

  it('answers an oversize request with 513 and drops garbage, keeping the flow usable', async () => {
    const h = harness()
    await fromClient(h.io, invite([`X-Padding: ${'p'.repeat(3000)}`]))
    expect((parsed(h.toClient[0]!) as SipResponse).status).toBe(513)
    await fromClient(h.io, 'this is not SIP at all\r\n\r\n')
    expect(h.toClient).toHaveLength(1)
    await fromClient(h.io, register())
    expect(h.toCore).toHaveLength(1)
  })

  it('rate-limits a flow with 503 and Retry-After', async () => {
    const h = harness()
    for (let i = 0; i < 3; i++) await fromClient(h.io, register())
    await fromClient(h.io, register())
    const res = parsed(h.toClient.at(-1)!) as SipResponse
    expect(res.status).toBe(503)
    expect(res.getRaw('retry-after')).toBe('1')
    h.advance(1000)
    await fromClient(h.io, register())
    expect(h.toCore).toHaveLength(4)
  })

  it('answers the client with the mapped status when the core cannot be reached', async () => {
    const h = harness({
      core: () => ({ ok: false, sipStatus: 503, reason: 'down', transport: true }),
    })
    await fromClient(h.io, register())
    const res = parsed(h.toClient[0]!) as SipResponse
    expect(res.status).toBe(503)
    expect(res.vias).toHaveLength(1)
    expect(res.topVia.branch).toBe('z9hG4bKreg1')
  })
})

describe('after registration', () => {
  it('learns identities and Service-Route, asserts identity, preloads the route and double Record-Routes', async () => {
    const h = harness()
    await authenticate(h)
    const toClient = parsed(h.toClient.at(-1)!) as SipResponse
    expect(toClient.status).toBe(200)
    expect(toClient.vias).toHaveLength(1)
    expect(toClient.has('path')).toBe(false)
    expect(h.io.state.identities).toEqual(['sip:alice@example.com', 'tel:+16505550001'])

    await fromClient(
      h.io,
      invite(['P-Preferred-Identity: <tel:+16505550001>', 'Route: <sip:somewhere.else.example>'])
    )
    const sent = h.toCore.at(-1)!
    expect(sent.region).toBe('b') // the Service-Route names region b's S-CSCF
    const fwd = parsed(sent.text) as SipRequest
    expect(fwd.getRaw('p-asserted-identity')).toBe('<tel:+16505550001>')
    expect(fwd.has('p-preferred-identity')).toBe(false)
    expect(fwd.getAllRaw('route')).toEqual(['<sip:sprout.b.edgewater.internal;lr;orig>'])
    const [core, client] = fwd.getAllRaw('record-route')
    // The token in the Record-Route is scoped to this dialog (Call-ID) with an expiry.
    expect(core).toMatch(
      new RegExp(
        `^<sip:${TOKEN.replace('.', '\\.')}\\.[0-9a-z]+\\.[0-9a-f]{24}@edge\\.edgewater\\.internal;lr>$`
      )
    )
    expect(client).toBe(
      core!.replace('edge.edgewater.internal;lr', 'edge.example.net:443;transport=ws;lr')
    )
    expect(fwd.getRaw('p-charging-vector')).toMatch(
      /^icid-value=0+;icid-generated-at=edge\.example\.net:443;orig-ioi=example\.com$/
    )
  })

  it('refuses a P-Preferred-Identity the flow did not register (403)', async () => {
    const h = harness()
    await authenticate(h)
    await fromClient(h.io, invite(['P-Preferred-Identity: <sip:mallory@example.com>']))
    expect((parsed(h.toClient.at(-1)!) as SipResponse).status).toBe(403)
  })

  it('ends authentication when the registration expires or is removed', async () => {
    const h = harness()
    await authenticate(h)
    h.advance(300_000 + 30_001)
    await fromClient(h.io, invite())
    expect((parsed(h.toClient.at(-1)!) as SipResponse).status).toBe(403)
  })
})
