/**
 * What call routing and Sprout's charging cost per on-net call (docs/routing.md "Operations per
 * on-net call"), counted by the local cloud (`GET /counters`): the transaction record's KV
 * commands, the call record's table writes, the precise-tier timer requests, and nothing of
 * Ralf's sessions, timers or hops. Only routing's and charging's own operations are asserted;
 * the reads other parts make for the call (subscriber data, MMTEL settings, bindings) are
 * counted in test/integration/store-counts.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { newLine, Phone } from '../interop/calls-support'
import { onNetCall } from '../support/on-net-call'
import { both, counted } from '../support/store-counting'

const phones: Phone[] = []
afterAll(async () => {
  await Promise.all(phones.splice(0).map((p) => p.stop()))
})

describe('routing and charging operations per on-net call', () => {
  it('INVITE/180/200/ACK/BYE/200: the record twice, two call record items, three timer requests, no Ralf', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const [a, b] = await Promise.all([Phone.start(la), Phone.start(lb)])
    phones.push(a, b)
    const oneCall = () => onNetCall(a, b, lb.impu)
    // The first call warms caches and isolates; the second is counted.
    await oneCall()
    // A Scheduler pop of an earlier suite's timer would add its own work: `counted` counts again.
    const s = await counted(oneCall)
    const kv = both(s, (r) => r.kv.commands.by)
    // The transaction record: created at the INVITE, appended at the 2xx, in region a only.
    expect(kv).toMatchObject({ EVAL: 2, RPUSH: 1, EXPIRE: 1, RPUSHX: 1, LRANGE: 1 })
    expect(s.regions.b.kv.commands.by.EVAL ?? 0).toBe(0)
    // No charging session in the KV: no SET, DEL, INCR; no EXISTS in the record's script.
    for (const c of ['SET', 'DEL', 'INCR', 'EXISTS']) expect(kv[c] ?? 0).toBe(0)
    // The call record: its START item put at the answer; at the BYE a STOP item of its own put,
    // without reading the START (the BYE's Route carries Sprout's charging token).
    expect(both(s, (r) => r.table.by)).toEqual({ PutItem: 2 })
    expect(both(s, (r) => r.scheduler.api.by)).toEqual({})
    const routes = both(s, (r) => r.functions.routes.by)
    expect(Object.keys(routes).filter((k) => k.startsWith('dime POST /call-id'))).toEqual([])
    // Timer C at the INVITE, the interim timer taking its id at the answer, deleted at the BYE.
    expect(both(s, (r) => r.edge.requests.by)['POST /internal/timers/*']).toBe(3)
  })
})
