/**
 * The flow logic of the edge against a fake FlowIo: one `sip transaction` log line per
 * transaction crossing a flow (docs/operations.md#logs).
 */
import { describe, expect, it } from 'vitest'
import type { SipRequest } from '../shared/sip'
import { fromClient } from './client-inbound'
import { fromCore } from './core-inbound'
import { harness, invite, parsed, register, req } from './test-support/flow-harness'

describe('one log line per transaction (docs/operations.md#logs)', () => {
  const lines = (h: ReturnType<typeof harness>) =>
    h.logged.filter((l) => l.msg === 'sip transaction')

  it('logs the core’s final answer to a client request, with the time since the request', async () => {
    const h = harness()
    await fromClient(h.io, register())
    h.advance(42)
    const fwd = parsed(h.toCore.at(-1)!.text) as SipRequest
    const unauthorized = req([
      'SIP/2.0 401 Unauthorized',
      ...fwd.getAllRaw('via').map((v) => `Via: ${v}`),
      'From: <sip:alice@example.com>;tag=f1',
      'To: <sip:alice@example.com>;tag=t1',
      'Call-ID: reg-call',
      'CSeq: 1 REGISTER',
      'WWW-Authenticate: Digest realm="example.com", nonce="n1"',
    ])
    expect(await fromCore(h.io, unauthorized)).toEqual({ status: 202 })
    expect(lines(h)).toEqual([
      expect.objectContaining({
        component: 'edge',
        callId: 'reg-call',
        cseq: 1,
        method: 'REGISTER',
        status: 401,
        flow: 'flow-1',
        ms: 42,
      }),
    ])
  })

  it('logs the edge’s own final answer, and nothing for a provisional or an ACK', async () => {
    const h = harness()
    await fromClient(h.io, invite())
    expect(lines(h)).toEqual([
      expect.objectContaining({ callId: 'inv-call', method: 'INVITE', status: 403, ms: 0 }),
    ])
    await fromClient(
      h.io,
      req([
        'ACK sip:bob@example.com SIP/2.0',
        'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKinv1',
        'Max-Forwards: 70',
        'From: <sip:alice@example.com>;tag=f2',
        'To: <sip:bob@example.com>;tag=x',
        'Call-ID: inv-call',
        'CSeq: 1 ACK',
      ])
    )
    expect(lines(h)).toHaveLength(1)
  })
})
