import { describe, expect, it } from 'vitest'
import type { TraceRecord } from '../trace/trace-record'
import { MemoryGlobalTable } from './memory-table'
import { memoryTraceStore } from './memory-trace-store'
import { TableTraceStore } from './trace-store'

const rec = (callId: string, at: number, impus: string[], extra: Partial<TraceRecord> = {}) =>
  ({
    traceId: 'e'.repeat(32),
    spanId: 'f'.repeat(16),
    callId,
    at,
    component: 'edge',
    region: 'a',
    direction: 'in',
    from: 'ua:x',
    to: 'edge',
    kind: 'sip',
    summary: 'INVITE sip:b@example.com SIP/2.0',
    method: 'INVITE',
    impus,
    message: 'INVITE sip:b@example.com SIP/2.0\r\n\r\n',
    ...extra,
  }) as TraceRecord

const clock = { now: () => 1_800_000_000_000 }
const A = 'sip:alice@example.com'
const B = 'sip:bob@example.com'

describe('the trace store', () => {
  it('writes a hop’s batch in one table operation and reads a call back in time order', async () => {
    const table = new MemoryGlobalTable(clock)
    let writes = 0
    const counting = new Proxy(table, {
      get(t, p, r) {
        const v = Reflect.get(t, p, r)
        if (typeof v === 'function' && ['put', 'transact', 'update'].includes(String(p)))
          return (...a: unknown[]) => {
            writes++
            return (v as (...x: unknown[]) => unknown).apply(t, a)
          }
        return typeof v === 'function' ? v.bind(t) : v
      },
    })
    const s = new TableTraceStore(counting, clock)
    await s.write([rec('c1', 30, [A, B]), rec('c1', 10, [A, B], { summary: 'first' })], 3600)
    expect(writes).toBe(1)
    await s.write([rec('c1', 20, [A, B], { component: 'sprout', summary: 'middle' })], 3600)
    await s.write([], 3600)
    expect(writes).toBe(2)
    const all = await s.byCallId('c1')
    expect(all.map((r) => r.at)).toEqual([10, 20, 30])
    expect(await s.byCallId('other')).toEqual([])
    // A batch of two calls is still one operation (a transaction).
    await s.write([rec('c2', 40, [A]), rec('c3', 41, [B])], 3600)
    expect(writes).toBe(3)
    expect(await s.byCallId('c3')).toHaveLength(1)
  })

  it('finds the calls of an IMPU as caller or callee within a time range, newest first', async () => {
    const s = memoryTraceStore(clock)
    await s.write([rec('old', 1_000, [A, B])], 3600)
    await s.write([rec('mid', 5_000, [B, A])], 3600)
    await s.write([rec('new', 9_000, [A, 'sip:carol@example.com'])], 3600)
    const ofA = await s.byImpu(A, 2_000, 10_000)
    expect(ofA.map((c) => c.callId)).toEqual(['new', 'mid'])
    expect(ofA[1]).toMatchObject({ at: 5_000, traceId: 'e'.repeat(32) })
    expect((await s.byImpu(B, 0, 10_000)).map((c) => c.callId)).toEqual(['mid', 'old'])
    expect(await s.byImpu('sip:nobody@example.com', 0, 10_000)).toEqual([])
  })

  it('keeps a trace for its TTL only', async () => {
    let now = 1_800_000_000_000
    const c = { now: () => now }
    const s = memoryTraceStore(c)
    await s.write([rec('c1', 1, [A])], 60)
    expect(await s.byCallId('c1')).toHaveLength(1)
    now += 61_000
    expect(await s.byCallId('c1')).toEqual([])
  })

  it('cuts the longest messages of a batch that would pass the item limit', async () => {
    const s = memoryTraceStore(clock)
    const big = 'x'.repeat(200_000)
    await s.write([rec('big', 1, [A], { message: big }), rec('big', 2, [A], { message: big })], 60)
    const back = await s.byCallId('big')
    expect(back).toHaveLength(2)
    expect(back.every((r) => r.message.endsWith('[cut to fit the trace item]'))).toBe(true)
    expect(back.reduce((n, r) => n + r.message.length, 0)).toBeLessThan(300_000)
  })

  it('sets, lists and clears per-IMPU flags; an expired flag is not listed', async () => {
    let now = 1_800_000_000_000
    const s = memoryTraceStore({ now: () => now })
    await s.setFlag(A, now + 3_600_000)
    await s.setFlag(B, now + 120_000)
    expect((await s.flags()).map((f) => f.impu).sort()).toEqual([A, B])
    await s.clearFlag(A)
    expect((await s.flags()).map((f) => f.impu)).toEqual([B])
    now += 121_000
    expect(await s.flags()).toEqual([])
  })
})
