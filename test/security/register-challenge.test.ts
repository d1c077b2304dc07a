/**
 * Issue 14 finding 6: an unauthenticated REGISTER is cheap. The 401 is a stateless challenge (an
 * HMAC-signed nonce) that the edge answers itself (edge/register-challenge.ts), so a flood of
 * REGISTERs without credentials (for real subscribers or made-up ones) invokes no function and
 * costs no store call, no timer and no HSS lookup; Sprout checks the answer when it arrives, a
 * replayed answer is refused, and a tampered nonce is stale. Drives the real local cloud over
 * WebSocket SIP, reads its counters and Sprout's per-transaction records (admin API).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { costs, subscriber } from '../integration/registrar-helpers'
import { endpoints } from '../support/cloud'
import { counted, shape } from '../support/store-counting'
import { answerAs, register, SourceSocket, statusOf } from './register-helpers'

const sockets: SourceSocket[] = []
afterEach(() => {
  for (const s of sockets.splice(0)) s.close()
})

describe('unauthenticated REGISTERs are cheap (finding 6)', () => {
  it('challenges with no store call, for known and unknown identities, and still checks answers', async () => {
    const sub = await subscriber('cheap')
    const ws = await SourceSocket.open()
    sockets.push(ws)
    const domain = endpoints().homeDomain
    const callIds: string[] = []
    const flood = await counted(async () => {
      for (let i = 0; i < 10; i++) {
        const callId = `flood-${Date.now()}-${i}`
        callIds.push(callId)
        // Half for a real subscriber, half for identities nobody provisioned.
        const to = i % 2 === 0 ? sub.impu : `sip:flood${Date.now()}${i}@${domain}`
        const ch = await ws.request(register({ to, callId, cseq: 1, contact: '<sip:f@x.invalid>' }))
        // Unknown and known identities look the same before credentials (no enumeration).
        expect(statusOf(ch)).toBe(401)
      }
    })
    // Answered at the edge: no function invoked, no store operation in either region.
    for (const r of ['a', 'b'] as const)
      expect(shape(flood)[r]).toEqual({ kv: {}, table: {}, scheduler: {}, functions: {}, edge: {} })
    for (const callId of callIds) expect(await costs(callId), callId).toEqual([])

    // The answer is still checked when it arrives: accepted once, while its replay and a nonce
    // Sprout did not sign (one character changed) are stale.
    const callId = `rp-${Date.now()}`
    const contact = '<sip:rp@x.invalid;transport=ws>'
    const ch = await ws.request(register({ to: sub.impu, callId, cseq: 1, contact }))
    expect(statusOf(ch)).toBe(401)
    const auth = answerAs(ch, sub)
    const ok = await ws.request(
      register({ to: sub.impu, callId, cseq: 2, contact, authorization: auth })
    )
    expect(statusOf(ok)).toBe(200)
    const replay = await ws.request(
      register({ to: sub.impu, callId, cseq: 3, contact, authorization: auth })
    )
    expect(statusOf(replay)).toBe(401)
    expect(replay).toContain('stale=true')
    const nonce = /nonce="([^"]+)"/.exec(auth)![1]!
    const flipped = nonce.slice(0, -1) + (nonce.endsWith('A') ? 'B' : 'A')
    const forged = await ws.request(
      register({
        to: sub.impu,
        callId,
        cseq: 4,
        contact,
        authorization: auth.replace(nonce, flipped),
      })
    )
    expect(statusOf(forged)).toBe(401)
    expect(forged).toContain('stale=true')
  })
})
