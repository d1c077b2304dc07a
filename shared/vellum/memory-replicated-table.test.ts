import { describe, expect, it } from 'vitest'
import { ConditionFailed } from './errors'
import { ReplicatedMemoryTable } from './memory-replicated-table'

function setup(lagMs = 500) {
  let t = 1_000_000
  const clock = { now: () => t, advance: (ms: number) => void (t += ms) }
  return { clock, table: new ReplicatedMemoryTable(clock, lagMs) }
}

const K = { pk: 'X#1', sk: 'X' }

describe('two-replica memory table (MREC model)', () => {
  it('replicates a write only after the lag, with its version', async () => {
    const { clock, table } = setup()
    const written = await table.replicas.a.put({ ...K, v: 1 })
    expect(await table.replicas.b.get(K)).toBeUndefined()
    clock.advance(499)
    expect(await table.replicas.b.get(K)).toBeUndefined()
    clock.advance(1)
    expect(await table.replicas.b.get(K)).toEqual(written)
  })

  it('evaluates conditions on the local replica only: both regions win ifNotExists', async () => {
    const { clock, table } = setup()
    await table.replicas.a.put({ ...K, who: 'a' }, { condition: { ifNotExists: true } })
    clock.advance(1)
    await table.replicas.b.put({ ...K, who: 'b' }, { condition: { ifNotExists: true } })
    clock.advance(1000)
    // Last writer wins everywhere: b wrote later.
    expect((await table.replicas.a.get(K))?.who).toBe('b')
    expect((await table.replicas.b.get(K))?.who).toBe('b')
  })

  it('holds writes during a partition and delivers them after heal; deletes replicate', async () => {
    const { clock, table } = setup()
    await table.replicas.a.put({ ...K, v: 1 })
    clock.advance(600)
    expect(await table.replicas.b.get(K)).toBeDefined()
    table.partition()
    await table.replicas.a.delete(K)
    await table.replicas.a.put({ pk: 'Y', sk: 'Y' })
    clock.advance(10_000)
    expect(await table.replicas.b.get(K)).toBeDefined()
    expect(table.report().pending).toEqual({ aToB: 2, bToA: 0 })
    table.heal()
    clock.advance(1)
    expect(await table.replicas.b.get(K)).toBeUndefined()
    expect(await table.replicas.b.get({ pk: 'Y', sk: 'Y' })).toBeDefined()
    expect(table.report().pending).toEqual({ aToB: 0, bToA: 0 })
  })

  it('replicates the items of a transaction one by one and ignores older writes', async () => {
    const { clock, table } = setup()
    await table.replicas.a.transact([{ put: { pk: 'P', sk: '1' } }, { put: { pk: 'P', sk: '2' } }])
    clock.advance(10)
    await table.replicas.b.put({ pk: 'P', sk: '2', newer: true })
    clock.advance(1000)
    expect((await table.replicas.a.get({ pk: 'P', sk: '2' }))?.newer).toBe(true)
    expect((await table.replicas.b.get({ pk: 'P', sk: '2' }))?.newer).toBe(true)
    await expect(
      table.replicas.b.put({ pk: 'P', sk: '1' }, { condition: { ifNotExists: true } })
    ).rejects.toBeInstanceOf(ConditionFailed)
  })
})
