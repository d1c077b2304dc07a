/**
 * Call traces across the hops of real calls (docs/operations.md#traces): sip.js phones on the
 * local cloud, the ops API through the edge. One trace id spans every hop of a call (the edge,
 * Sprout, the other region's edge and Sprout); a subscriber on full tracing has every call
 * recorded; a failed call is recorded without any flag; an unflagged successful call leaves
 * nothing in the store.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { callIdOf, established, newLine, Phone, terminated, until } from '../interop/calls-support'
import { onNetCall } from '../support/on-net-call'
import { waitForReplication } from '../support/replication'
import { arrowsOf, flag, ops, traceOf, unflagAll } from './trace-support'

const phones: Phone[] = []
afterAll(async () => {
  await Promise.all(phones.splice(0).map((p) => p.stop()))
  await unflagAll()
})

const has = (arrows: string[], ...wanted: string[]) => wanted.every((w) => arrows.includes(w))

describe('call traces', () => {
  it('one trace id spans every hop of an on-net call of a flagged subscriber', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    await flag(la.impu)
    const [a, b] = await Promise.all([Phone.start(la), Phone.start(lb)])
    phones.push(a, b)
    const call = await onNetCall(a, b, lb.impu)
    const callId = callIdOf(call)
    const ua = `ua:${la.impu}`
    const ub = `ua:${lb.impu}`
    // Every hop of the INVITE, both ways, and the dialog's ACK and BYE. Each hop writes its own
    // batch off the response path, so the trace is read until all of them have landed.
    const expected = [
      `${ua}>edge INVITE`,
      'edge>sprout-a INVITE',
      'sprout-a>edge INVITE',
      `edge>${ub} INVITE`,
      `${ub}>edge 180 Ringing`,
      'edge>sprout-a 180 Ringing',
      'sprout-a>edge 180 Ringing',
      `edge>${ua} 180 Ringing`,
      `${ub}>edge 200 OK`,
      `edge>${ua} 200 OK`,
      `${ua}>edge ACK`,
      `edge>${ub} ACK`,
      `${ua}>edge BYE`,
      `edge>${ub} BYE`,
      `${ub}>edge 200 OK`,
    ]
    const t = await traceOf(callId, (x) => has(arrowsOf(x), ...expected))
    expect(t).toBeDefined()
    const arrows = arrowsOf(t!)
    expect(t!.traceIds).toHaveLength(1)
    expect(new Set(t!.records.map((r) => r.traceId))).toEqual(new Set(t!.traceIds))
    expect(arrows).toEqual(expect.arrayContaining(expected))
    expect(new Set(t!.records.map((r) => r.component))).toEqual(new Set(['edge', 'sprout']))
    // Each message is recorded once, by its sender (or, from a client, by the edge that took
    // it), never by both ends of a hop: a repeat is a retransmission, at another time.
    const keys = t!.records.map((r) => `${r.at} ${r.from}>${r.to} ${r.summary} ${r.cseq}`)
    expect(new Set(keys).size).toBe(keys.length)
    // The INVITE crosses each hop once. Records are in time order; two hops in different
    // components within one millisecond have no order between them, so the path is compared as
    // a set, with the times never going back.
    const inviteHop = t!.records.filter((r) => r.method === 'INVITE' && r.status === undefined)
    expect(new Set(inviteHop.map((r) => `${r.from}>${r.to}`))).toEqual(
      new Set([`${ua}>edge`, 'edge>sprout-a', 'sprout-a>edge', `edge>${ub}`])
    )
    expect(inviteHop).toHaveLength(4)
    const times = t!.records.map((r) => r.at)
    expect(times).toEqual([...times].sort((x, y) => x - y))
    // The default body policy keeps headers, not the SDP.
    const invite = t!.records.find((r) => r.from === ua && r.method === 'INVITE')!
    expect(invite.message).toMatch(/^INVITE sip:/)
    expect(invite.message).toMatch(/\[body of \d+ characters not kept\]$/)
    expect(invite.impus).toEqual(expect.arrayContaining([la.impu, lb.impu]))
    // Found by IMPU in the last hour, as caller and as callee.
    for (const impu of [la.impu, lb.impu]) {
      const r = await ops(`/traces?impu=${encodeURIComponent(impu)}&since=1h`)
      expect(r.status).toBe(200)
      const calls = (r.body as { calls: Array<{ callId: string }> }).calls
      expect(calls.map((c) => c.callId)).toContain(callId)
    }
  })

  it('keeps one trace id across regions: caller on edge a, callee homed in region b', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine({ region: 'b' })])
    await flag(lb.impu)
    // The line's subscriber records are written in its owner region; region b reads its replica.
    await waitForReplication()
    const a = await Phone.start(la, { region: 'a' })
    const b = await Phone.start(lb, { region: 'b' })
    phones.push(a, b)
    const call = a.call(lb.impu)
    const inc = await until(() => b.incoming.at(-1), 10_000, 'no INVITE at the callee')
    await inc.answer()
    expect((await call.final).status).toBe(200)
    await established(inc.invitation)
    await inc.invitation.bye()
    await terminated(call.inviter)
    const callId = callIdOf(call)
    const ua = `ua:${la.impu}`
    const ub = `ua:${lb.impu}`
    const t = await traceOf(callId, (x) => has(arrowsOf(x), `${ub}>edge BYE`, `edge>${ua} BYE`))
    expect(t).toBeDefined()
    expect(t!.traceIds).toHaveLength(1)
    const arrows = arrowsOf(t!)
    expect(arrows).toEqual(
      expect.arrayContaining([`${ua}>edge INVITE`, `edge>${ub} INVITE`, `${ub}>edge BYE`])
    )
    // Both regions recorded hops of the call, under the one trace id.
    expect(new Set(t!.records.map((r) => r.region))).toEqual(new Set(['a', 'b']))
    expect(t!.records.some((r) => r.component === 'sprout')).toBe(true)
  })

  it('records a failed call without any flag, and nothing of an unflagged successful one', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const [a, b] = await Promise.all([Phone.start(la), Phone.start(lb)])
    phones.push(a, b)
    const failed = a.call(lb.impu)
    const inc = await until(() => b.incoming.at(-1), 10_000, 'no INVITE at the callee')
    b.incoming.length = 0
    await inc.reject(486)
    expect((await failed.final).status).toBe(486)
    const ua = `ua:${la.impu}`
    const ub = `ua:${lb.impu}`
    const t = await traceOf(callIdOf(failed), (x) =>
      has(arrowsOf(x), `${ub}>edge 486 Busy Here`, `edge>${ua} 486 Busy Here`)
    )
    expect(t).toBeDefined()
    // The hops held the INVITE until the failure told them to keep the call.
    expect(arrowsOf(t!)).toEqual(
      expect.arrayContaining([`${ua}>edge INVITE`, 'edge>sprout-a INVITE', `edge>${ub} INVITE`])
    )
    expect(t!.ladder.arrows.filter((x) => x.failure).length).toBeGreaterThan(0)

    const ok = a.call(lb.impu)
    const inc2 = await until(() => b.incoming.at(-1), 10_000, 'no second INVITE')
    await inc2.answer()
    expect((await ok.final).status).toBe(200)
    await established(ok.inviter)
    await ok.bye()
    await terminated(inc2.invitation)
    // Nothing to wait for: let whatever would be written land, then look.
    await new Promise((r) => setTimeout(r, 1500))
    expect((await ops(`/traces/${encodeURIComponent(callIdOf(ok))}`)).status).toBe(404)
  })
})
