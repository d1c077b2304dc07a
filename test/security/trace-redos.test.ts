/**
 * Every message a flow takes from its client is noted for call traces (edge/flow-trace.ts), and a
 * failed exchange is kept: its records are made from the message text (shared/trace/
 * trace-record.ts), reading the identities in From, To and P-Asserted-Identity. A client that
 * has not even registered sends a request whose From is tens of thousands of `<` with no `>`;
 * the edge refuses it, which keeps the trace. Reading an identity out of that From must take
 * linear time: a backtracking search for `<…>` takes quadratic time, tens of seconds of one
 * isolate. Over the real local cloud, another subscriber registers and places a call meanwhile,
 * through the same edge, and both complete.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { established, newLine, Phone, terminated } from '../interop/calls-support'
import { SourceSocket, testAddress } from './register-helpers'

const phones: Phone[] = []
const sockets: SourceSocket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close()
  await Promise.all(phones.splice(0).map((p) => p.stop()))
})

function poisoned(callId: string): string {
  return [
    'MESSAGE sip:nobody@example.com SIP/2.0',
    `Via: SIP/2.0/WSS attacker.invalid;branch=z9hG4bK${crypto.randomUUID().replace(/-/g, '')}`,
    'Max-Forwards: 70',
    `From: ${'<'.repeat(40_000)}`,
    'To: <sip:nobody@example.com>',
    `Call-ID: ${callId}`,
    'CSeq: 1 MESSAGE',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')
}

describe('identities read from a traced message', () => {
  it('take linear time, so a hostile From stalls no edge isolate', async () => {
    const attacker = await SourceSocket.open(testAddress())
    sockets.push(attacker)
    const callId = `redos-${crypto.randomUUID()}`
    const answer = await attacker.request(poisoned(callId))
    expect(Number(/^SIP\/2\.0 (\d{3})/.exec(answer)?.[1])).toBeGreaterThanOrEqual(400)

    // Meanwhile two subscribers register and call each other through the same edge.
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const [a, b] = await Promise.all([Phone.start(la), Phone.start(lb)])
    phones.push(a, b)
    const call = a.call(lb.impu)
    const inc = await b.nextCall()
    await inc.answer()
    expect((await call.final).status).toBe(200)
    await established(call.inviter)
    await call.bye()
    await terminated(call.inviter)
  })
})
