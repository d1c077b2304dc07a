/**
 * What the built-in Memento adds to an on-net call's store operations (docs/memento.md,
 * docs/performance.md): the same INVITE/100/180/200/ACK/BYE/200 as store-counts.test.ts, between
 * two lines whose iFCs invoke Memento before MMTEL. Memento adds table writes only, no KV command
 * and no function invocation: one PutItem per party at the answer (BEGIN) and one per party at
 * the BYE (END), off the SIP answer path.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { newLine, Phone } from '../interop/calls-support'
import { listOf, mementoIfcs } from '../interop/memento-support'
import { onNetCall } from '../support/on-net-call'
import { counted, fired, totalKv } from '../support/store-counting'

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
    const oneCall = () => onNetCall(a, b, lb.impu)
    await oneCall()
    const s = await counted(oneCall)
    expect(fired(s)).toBe(0)
    // store-counts.test.ts's call (9 KV; for charging PutItem ×2) plus Memento's four.
    expect({
      kv: totalKv(s),
      table: { a: s.regions.a.table.by, b: s.regions.b.table.by },
      functions: s.regions.a.functions.routes.by,
    }).toEqual({
      kv: 9,
      table: { a: { PutItem: 6 }, b: {} },
      functions: { 'sprout POST /sip': 6 },
    })
    // Every call is listed, answered and ended: the warm-up's and the counted one, which
    // `counted` repeats when a stray timer fired during its window (store-counting.ts).
    const calls = await listOf(la, (c) => c.length >= 2 && c.every((x) => x['end-time']))
    expect(calls.length).toBeGreaterThanOrEqual(2)
    expect(calls.every((c) => c.answered === '1')).toBe(true)
  })
})
