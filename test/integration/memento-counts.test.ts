/**
 * What the built-in Memento adds to an on-net call's store operations (docs/memento.md,
 * docs/performance.md): the same INVITE/100/180/200/ACK/BYE/200 as store-counts.test.ts, between
 * two lines whose iFCs invoke Memento before MMTEL. Memento adds table writes only, no KV command
 * and no function invocation: one PutItem per party at the answer (BEGIN) and one per party at
 * the BYE (END), off the SIP answer path.
 */
import { afterAll, describe, expect, it } from 'vitest'
import type { CountersSnapshot } from '../../infra/local/counters'
import { established, newLine, Phone, terminated, until } from '../interop/calls-support'
import { listOf, mementoIfcs } from '../interop/memento-support'
import { endpoints } from '../support/cloud'

async function control(path: string, method = 'GET'): Promise<CountersSnapshot> {
  const r = await fetch(`${endpoints().control}${path}`, { method })
  if (!r.ok) throw new Error(`${path}: ${r.status}`)
  return (await r.json()) as CountersSnapshot
}

const shape = (s: CountersSnapshot) =>
  JSON.stringify(
    (['a', 'b'] as const).map((r) => [
      s.regions[r].kv.commands.by,
      s.regions[r].table.by,
      s.regions[r].functions.routes.by,
    ])
  )

/** Counters once nothing more arrives for three reads in a row (deferred writes have landed). */
async function settled(): Promise<CountersSnapshot> {
  let last = shape(await control('/counters'))
  let same = 0
  for (;;) {
    await new Promise((r) => setTimeout(r, 500))
    const now = await control('/counters')
    const text = shape(now)
    same = text === last ? same + 1 : 0
    if (same >= 3) return now
    last = text
  }
}

const fired = (s: CountersSnapshot) => s.regions.a.scheduler.fired + s.regions.b.scheduler.fired

async function counted(run: () => Promise<void>): Promise<CountersSnapshot> {
  for (let attempt = 0; ; attempt++) {
    await settled()
    await control('/counters/reset', 'POST')
    await run()
    const s = await settled()
    if (fired(s) === 0 || attempt >= 4) return s
  }
}

const phones: Phone[] = []
afterAll(async () => {
  await Promise.all(phones.splice(0).map((p) => p.stop()))
})

describe('store operations of a call with Memento on both sides', () => {
  it('adds four table PutItems (BEGIN and END per party) and nothing else', async () => {
    const [la, lb] = await Promise.all([
      newLine({ ifcs: mementoIfcs() }),
      newLine({ ifcs: mementoIfcs() }),
    ])
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
    await oneCall()
    const s = await counted(oneCall)
    expect(fired(s)).toBe(0)
    // store-counts.test.ts's call (9 KV, PutItem + UpdateItem for charging) plus Memento's four.
    expect({
      kv: s.regions.a.kv.commands.total + s.regions.b.kv.commands.total,
      table: { a: s.regions.a.table.by, b: s.regions.b.table.by },
      functions: s.regions.a.functions.routes.by,
    }).toEqual({
      kv: 9,
      table: { a: { PutItem: 5, UpdateItem: 1 }, b: {} },
      functions: { 'sprout POST /sip': 7 },
    })
    // Both calls are listed, answered and ended.
    const calls = await listOf(la, (c) => c.length === 2 && c.every((x) => x['end-time']))
    expect(calls.map((c) => c.answered)).toEqual(['1', '1'])
  })
})
