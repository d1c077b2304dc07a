/**
 * What call routing and Sprout's charging cost per on-net call (docs/routing.md "Operations per
 * on-net call"), counted by the local cloud (`GET /counters`): the transaction record's KV
 * commands, the call record's table writes, the precise-tier timer requests, and nothing of
 * Ralf's sessions, timers or hops. Only routing's and charging's own operations are asserted;
 * the reads other parts make for the call (subscriber data, MMTEL settings, bindings) are
 * counted in test/integration/store-counts.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest'
import type { CountersSnapshot } from '../../infra/local/counters'
import { established, newLine, Phone, terminated, until } from '../interop/calls-support'
import { endpoints } from '../support/cloud'

async function control(path: string, method = 'GET'): Promise<CountersSnapshot> {
  const r = await fetch(`${endpoints().control}${path}`, { method })
  if (!r.ok) throw new Error(`${path}: ${r.status}`)
  return (await r.json()) as CountersSnapshot
}

/** Counters once nothing more arrives for three reads in a row (deferred work has landed). */
async function settled(): Promise<CountersSnapshot> {
  let last = ''
  let same = 0
  for (;;) {
    const now = await control('/counters')
    const text = JSON.stringify(now.regions)
    same = text === last ? same + 1 : 0
    if (same >= 3) return now
    last = text
    await new Promise((r) => setTimeout(r, 400))
  }
}

const both = (
  s: CountersSnapshot,
  pick: (r: CountersSnapshot['regions']['a']) => Record<string, number>
) => {
  const out: Record<string, number> = {}
  for (const r of [s.regions.a, s.regions.b])
    for (const [k, v] of Object.entries(pick(r))) out[k] = (out[k] ?? 0) + v
  return out
}

const phones: Phone[] = []
afterAll(async () => {
  await Promise.all(phones.splice(0).map((p) => p.stop()))
})

describe('routing and charging operations per on-net call', () => {
  it('INVITE/180/200/ACK/BYE/200: the record twice, one call item, three timer requests, no Ralf', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const [a, b] = await Promise.all([Phone.start(la), Phone.start(lb)])
    phones.push(a, b)
    const oneCall = async () => {
      const call = a.call(lb.impu)
      const inc = await until(() => b.incoming.at(-1), 10_000, 'no INVITE at the callee')
      b.incoming.length = 0
      await inc.answer()
      expect((await call.final).status).toBe(200)
      await established(call.inviter)
      await established(inc.invitation)
      await call.bye()
      await terminated(inc.invitation)
      await terminated(call.inviter)
    }
    // The first call warms caches and isolates; the second is counted.
    await oneCall()
    let s: CountersSnapshot
    for (let attempt = 0; ; attempt++) {
      await settled()
      await control('/counters/reset', 'POST')
      await oneCall()
      s = await settled()
      // A Scheduler pop of an earlier suite's timer would add its own work: count again.
      if (s.regions.a.scheduler.fired + s.regions.b.scheduler.fired === 0 || attempt >= 4) break
    }
    const kv = both(s, (r) => r.kv.commands.by)
    // The transaction record: created at the INVITE, appended at the 2xx, in region a only.
    expect(kv).toMatchObject({ EVAL: 2, RPUSH: 1, EXPIRE: 1, RPUSHX: 1, LRANGE: 1 })
    expect(s.regions.b.kv.commands.by.EVAL ?? 0).toBe(0)
    // No charging session in the KV: no SET, DEL, INCR; no EXISTS in the record's script.
    for (const c of ['SET', 'DEL', 'INCR', 'EXISTS']) expect(kv[c] ?? 0).toBe(0)
    // The call record: one PutItem at the answer, one UpdateItem at the BYE.
    expect(both(s, (r) => r.table.by)).toEqual({ PutItem: 1, UpdateItem: 1 })
    expect(both(s, (r) => r.scheduler.api.by)).toEqual({})
    const routes = both(s, (r) => r.functions.routes.by)
    expect(Object.keys(routes).filter((k) => k.startsWith('dime POST /call-id'))).toEqual([])
    // Timer C at the INVITE, the interim timer taking its id at the answer, deleted at the BYE.
    expect(both(s, (r) => r.edge.requests.by)['POST /internal/timers/*']).toBe(3)
  })
})
