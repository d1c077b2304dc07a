import { describe, expect, it } from 'vitest'
import type { CallFragment } from '../ims/call-list'
import { TableCallListStore } from './call-list-store'
import { MemoryGlobalTable } from './memory-table'

const ALICE = 'sip:6505550001@example.com'
const party = { uri: 'sip:6505550002@example.com', name: 'Bob' }
const WEEK = 604_800

function setup() {
  let t = Date.UTC(2026, 11, 7)
  const table = new MemoryGlobalTable({ now: () => t })
  return {
    table,
    store: new TableCallListStore(table),
    now: () => t,
    advance: (ms: number) => {
      t += ms
    },
  }
}

const rejected = (callId: string, startMs: number): CallFragment => ({
  kind: 'REJECTED',
  callId,
  startMs,
  outgoing: true,
  from: party,
  to: party,
})

describe('call-list store on the global table', () => {
  it('keeps each fragment as one item and reads them back newest first', async () => {
    const s = setup()
    const t = s.now()
    await s.store.write(ALICE, rejected('c1', t), t, WEEK)
    await s.store.write(
      ALICE,
      { ...rejected('c2', t + 10), kind: 'BEGIN', answerMs: t + 20 },
      t,
      WEEK
    )
    await s.store.write(
      ALICE,
      { kind: 'END', callId: 'c2', startMs: t + 10, endMs: t + 99 },
      t,
      WEEK
    )
    const page = await s.store.read(ALICE, { maxFragments: 100 })
    expect(page.fragments.map((f) => [f.callId, f.kind])).toEqual([
      ['c2', 'END'],
      ['c2', 'BEGIN'],
      ['c1', 'REJECTED'],
    ])
    expect(page.fragments[1]).toEqual({
      kind: 'BEGIN',
      callId: 'c2',
      startMs: t + 10,
      outgoing: true,
      from: party,
      to: party,
      answerMs: t + 20,
    })
    expect(page.beyond).toEqual([])
    expect(await s.store.read('sip:other@example.com', { maxFragments: 100 })).toEqual({
      fragments: [],
      beyond: [],
    })
  })

  it('an entry lives for the TTL it was written with (1 week by default), then is gone', async () => {
    const s = setup()
    await s.store.write(ALICE, rejected('c1', s.now()), s.now(), WEEK)
    s.advance(WEEK * 1000 - 1000)
    expect((await s.store.read(ALICE, { maxFragments: 10 })).fragments).toHaveLength(1)
    s.advance(2000)
    expect((await s.store.read(ALICE, { maxFragments: 10 })).fragments).toHaveLength(0)
  })

  it('with maxCalls, fragments of older calls are returned for trimming, and trim deletes them', async () => {
    const s = setup()
    const t = s.now()
    for (let i = 0; i < 5; i++) await s.store.write(ALICE, rejected(`c${i}`, t + i), t, WEEK)
    const page = await s.store.read(ALICE, { maxCalls: 2, maxFragments: 100 })
    expect(page.fragments.map((f) => f.callId)).toEqual(['c4', 'c3'])
    expect(page.beyond).toHaveLength(3)
    await s.store.trim(page.beyond)
    const after = await s.store.read(ALICE, { maxFragments: 100 })
    expect(after.fragments.map((f) => f.callId)).toEqual(['c4', 'c3'])
  })

  it('a read looks at no more than maxFragments items', async () => {
    const s = setup()
    const t = s.now()
    for (let i = 0; i < 30; i++) await s.store.write(ALICE, rejected(`c${i}`, t + i), t, WEEK)
    const page = await s.store.read(ALICE, { maxFragments: 12 })
    expect(page.fragments).toHaveLength(12)
    expect(page.fragments[0]!.callId).toBe('c29')
  })
})
