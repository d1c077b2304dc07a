/**
 * The flow logic of the edge against a fake FlowIo: the trust boundary against forged responses
 * and borrowed flow tokens.
 */
import { describe, expect, it } from 'vitest'
import type { SipRequest, SipResponse } from '../shared/sip'
import { fromClient } from './client-inbound'
import { fromCore } from './core-inbound'
import {
  authenticate,
  cfg,
  harness,
  invite,
  parsed,
  register,
  req,
  TOKEN,
} from './test-support/flow-harness'

describe('the trust boundary against forged responses and borrowed tokens', () => {
  const okFor = (vias: string[], extra: string[] = []) =>
    req([
      'SIP/2.0 200 OK',
      ...vias.map((v) => `Via: ${v}`),
      'From: <sip:alice@example.com>;tag=f1',
      'To: <sip:alice@example.com>;tag=t1',
      'Call-ID: reg-call',
      'CSeq: 1 REGISTER',
      'Contact: <sip:a1@df7jal23ls0d.invalid;transport=ws>;+sip.instance="<urn:uuid:00000000-0000-0000-0000-000000000001>";reg-id=1;expires=300',
      ...extra,
    ])

  it('answers an INVITE 100 Trying itself, then hands the client what Sprout answered inline', async () => {
    let answered: string | undefined
    const h = harness({
      core: (_region, text) => {
        const fwd = parsed(text) as SipRequest
        if (fwd.method !== 'INVITE') return { ok: true }
        answered = req([
          'SIP/2.0 486 Busy Here',
          ...fwd.getAllRaw('via').map((v) => `Via: ${v}`),
          'From: <sip:alice@example.com>;tag=i1',
          'To: <sip:bob@example.com>;tag=b9',
          `Call-ID: ${fwd.callId}`,
          'CSeq: 1 INVITE',
        ])
        return { ok: true, messages: [answered] }
      },
    })
    await authenticate(h)
    const before = h.toClient.length
    await fromClient(h.io, invite())
    const sent = h.toClient.slice(before)
    expect(sent.map((m) => m.split('\r\n')[0])).toEqual([
      'SIP/2.0 100 Trying',
      'SIP/2.0 486 Busy Here',
    ])
    // The client's own Via only: the edge's was popped from the inline answer.
    expect(sent[1]).not.toContain('edge.edgewater.internal')
    expect(answered).toContain('edge.edgewater.internal')
  })

  it('drops a provisional response that arrives after its transaction’s final one', async () => {
    const h = harness()
    await authenticate(h)
    const answer = (status: string, branch: string) =>
      req([
        `SIP/2.0 ${status}`,
        `Via: SIP/2.0/HTTP edge.edgewater.internal;branch=${branch};flow=${TOKEN}`,
        'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKinv1',
        'From: <sip:alice@example.com>;tag=f1',
        'To: <sip:bob@example.com>;tag=b1',
        'Call-ID: late-1',
        'CSeq: 1 INVITE',
      ])
    const before = h.toClient.length
    await fromCore(h.io, answer('200 OK', 'z9hG4bKe1'))
    await fromCore(h.io, answer('180 Ringing', 'z9hG4bKe1'))
    await fromCore(h.io, answer('180 Ringing', 'z9hG4bKe2'))
    // A 100 is hop by hop: the edge sent the client its own when it took the INVITE.
    await fromCore(h.io, answer('100 Trying', 'z9hG4bKe3'))
    expect(h.toClient.slice(before).map((m) => m.split('\r\n')[0])).toEqual([
      'SIP/2.0 200 OK',
      'SIP/2.0 180 Ringing',
    ])
    expect(h.toClient.at(-1)).toContain('z9hG4bKinv1')
  })

  it('learns nothing from a REGISTER 2xx whose edge branch this flow did not send', async () => {
    const h = harness()
    await authenticate(h)
    const forged = okFor(
      [`SIP/2.0/HTTP edge.edgewater.internal;branch=z9hG4bKnotours;flow=${TOKEN}`],
      ['P-Associated-URI: <sip:victim@example.com>']
    )
    expect(await fromCore(h.io, forged)).toEqual({ status: 202 })
    expect(h.io.state.identities).toEqual(['sip:alice@example.com', 'tel:+16505550001'])
  })

  it('forgets the +sip.instance of an earlier REGISTER', async () => {
    const h = harness()
    await authenticate(h)
    expect(h.io.state.instance).toBe('<urn:uuid:00000000-0000-0000-0000-000000000001>')
    await fromClient(h.io, register().replace(/;\+sip\.instance="[^"]*";reg-id=1/, ''))
    expect(h.io.state.instance).toBeUndefined()
  })

  const messageFromCore = (callId: string, extra: string[] = []) =>
    req([
      'MESSAGE sip:a1@x.invalid SIP/2.0',
      'Via: SIP/2.0/HTTP sprout.a.edgewater.internal;branch=z9hG4bKs3',
      ...extra,
      'Max-Forwards: 68',
      'From: <sip:bob@example.com>;tag=b1',
      'To: <sip:alice@example.com>',
      `Call-ID: ${callId}`,
      'CSeq: 1 MESSAGE',
    ])

  it('drops a client response that is forged, oversize, or on an unauthenticated flow', async () => {
    const fresh = harness()
    await fromCore(fresh.io, messageFromCore('m2'))
    const delivered = parsed(fresh.toClient[0]!) as SipRequest
    const answer = (vias: readonly string[], pad = '') =>
      req([
        'SIP/2.0 200 OK',
        ...vias.map((v) => `Via: ${v}`),
        'From: <sip:bob@example.com>;tag=b1',
        'To: <sip:alice@example.com>;tag=a9',
        'Call-ID: m2',
        'CSeq: 1 MESSAGE',
        ...(pad ? [`X-Padding: ${pad}`] : []),
      ])
    const genuine = delivered.getAllRaw('via')
    await fromClient(fresh.io, answer(genuine))
    expect(fresh.toUrl).toHaveLength(0) // not authenticated

    const h = harness()
    await authenticate(h)
    await fromCore(h.io, messageFromCore('m2'))
    const vias = (parsed(h.toClient.at(-1)!) as SipRequest).getAllRaw('via')
    await fromClient(h.io, answer(vias, 'p'.repeat(3000)))
    const forgedPair = [
      vias[0]!,
      `SIP/2.0/HTTP edge.edgewater.internal;branch=z9hG4bKx;flow=${TOKEN}`,
    ]
    await fromClient(h.io, answer(forgedPair))
    expect(h.toUrl).toHaveLength(0)
    await fromClient(h.io, answer(vias))
    expect(h.toUrl).toHaveLength(1)
  })

  it('lets an in-dialog request in only through a Record-Route token scoped to its dialog', async () => {
    const h = harness()
    await authenticate(h)
    await fromCore(
      h.io,
      req([
        'INVITE sip:a1@x.invalid SIP/2.0',
        'Via: SIP/2.0/HTTP sprout.a.edgewater.internal;branch=z9hG4bKs4',
        'Max-Forwards: 68',
        'From: <sip:bob@example.com>;tag=b1',
        'To: <sip:alice@example.com>',
        'Call-ID: dlg-1',
        'CSeq: 1 INVITE',
      ])
    )
    const rr = (parsed(h.toClient.at(-1)!) as SipRequest).getAllRaw('record-route')[1]!
    const scoped = /<sip:([^@]+)@/.exec(rr)![1]!
    const inDialog = (callId: string, token: string) =>
      req([
        'BYE sip:a1@x.invalid SIP/2.0',
        'Via: SIP/2.0/HTTP sprout.a.edgewater.internal;branch=z9hG4bKs5',
        `Route: <sip:${token}@edge.edgewater.internal;lr>`,
        'Max-Forwards: 68',
        'From: <sip:bob@example.com>;tag=b1',
        'To: <sip:alice@example.com>;tag=a1',
        `Call-ID: ${callId}`,
        'CSeq: 2 BYE',
      ])
    const before = h.toClient.length
    for (const [callId, token] of [
      ['dlg-1', TOKEN],
      ['dlg-2', scoped],
    ] as const) {
      const out = await fromCore(h.io, inDialog(callId, token))
      expect(out.status).toBe(202)
      // The refusal goes back through the core after the delivery lane is free (core-inbound.ts).
      expect(h.toUrl).toHaveLength(callId === 'dlg-1' ? 0 : 1)
      if (out.status === 202) await out.followUp?.()
      const refusal = parsed(h.toUrl.at(-1)!.text) as SipResponse
      expect(h.toUrl.at(-1)!.url).toBe('http://sprout.a.edgewater.internal/sip')
      expect(refusal.status).toBe(403)
      expect(refusal.callId).toBe(callId)
    }
    expect(h.toClient).toHaveLength(before)
    await fromCore(h.io, inDialog('dlg-1', scoped))
    expect(h.toClient).toHaveLength(before + 1)
    h.advance(cfg.dialogTokenLifetimeMs + 1000)
    h.io.state.authUntil = Number.POSITIVE_INFINITY
    const late = await fromCore(h.io, inDialog('dlg-1', scoped))
    if (late.status === 202) await late.followUp?.()
    expect(h.toClient).toHaveLength(before + 1)
    expect((parsed(h.toUrl.at(-1)!.text) as SipResponse).status).toBe(403)
  })
})
