import { describe, expect, it } from 'vitest'
import type { Region } from '../../../shared/config/regions'
import type { ReplicaClient } from './dynamo-wire'
import { type ItemKey, keyString, TableReplicator } from './table-replicator'

type Item = Record<string, { S: string }>

/** One replica as a map, answering the three operations the replicator sends; counts them. */
function fakeReplica(): {
  items: Map<string, Item>
  client: ReplicaClient
  ops: Record<string, number>
} {
  const items = new Map<string, Item>()
  const ops: Record<string, number> = {}
  const id = (k: Record<string, unknown>) => JSON.stringify([k.pk, k.sk])
  const client: ReplicaClient = {
    send: async (op, input) => {
      ops[op] = (ops[op] ?? 0) + 1
      if (op === 'GetItem') return { Item: items.get(id(input.Key as Item)) }
      if (op === 'PutItem') items.set(id(input.Item as Item), input.Item as Item)
      else if (op === 'DeleteItem') items.delete(id(input.Key as Item))
      return {}
    },
  }
  return { items, client, ops }
}

function setUp(lagMs = 100) {
  const replicas = { a: fakeReplica(), b: fakeReplica() }
  let now = 1_000
  const rep = new TableReplicator({
    clients: { a: replicas.a.client, b: replicas.b.client },
    lagMs,
    jitterMs: 0,
    clockNow: () => now,
    now: () => now,
    random: () => 0,
  })
  const k: ItemKey = { table: 't', key: { pk: { S: 'P' }, sk: { S: 'S' } } }
  const id = JSON.stringify([k.key.pk, k.key.sk])
  /**
   * A caller's write to one replica, as the proxy reports it: with what it left (a put's item, a
   * delete's `null`) when `withImage`, as a put or delete request says, else without (an update).
   */
  const write = async (r: Region, v: string | undefined, withImage = false) => {
    const release = await rep.lockWrite(r, [keyString(k)])
    const item = v === undefined ? undefined : { ...(k.key as Item), v: { S: v } }
    if (item) replicas[r].items.set(id, item)
    else replicas[r].items.delete(id)
    rep.committed(r, [withImage ? { ...k, image: item ?? null } : k])
    release()
  }
  const value = (r: Region) => replicas[r].items.get(id)?.v?.S
  const settle = async () => {
    rep.start()
    expect(await rep.drained(2_000)).toBe(true)
    rep.stop()
  }
  return {
    rep,
    replicas,
    write,
    value,
    settle,
    advance: (ms: number) => {
      now += ms
    },
  }
}

describe('TableReplicator', () => {
  it('copies nothing before the lag has passed, then the item', async () => {
    const t = setUp(100)
    await t.write('a', 'one')
    t.rep.start()
    await new Promise((r) => setTimeout(r, 60))
    expect(t.value('b')).toBeUndefined()
    expect(t.rep.report().pending['a->b']).toBe(1)
    t.advance(100)
    await t.settle()
    expect(t.value('b')).toBe('one')
  })

  it('lets the later of two concurrent writes win in both replicas, whichever copy runs first', async () => {
    const t = setUp(0)
    t.rep.setPartitioned(true)
    await t.write('b', 'early')
    t.advance(1)
    await t.write('a', 'late')
    t.rep.setPartitioned(false)
    await t.settle()
    expect([t.value('a'), t.value('b')]).toEqual(['late', 'late'])
    expect(t.rep.report().superseded).toBe(1)
  })

  it('stamps two writes in the same millisecond apart, the second winning', async () => {
    const t = setUp(0)
    t.rep.setPartitioned(true)
    await t.write('a', 'first')
    await t.write('b', 'second')
    t.rep.setPartitioned(false)
    await t.settle()
    expect([t.value('a'), t.value('b')]).toEqual(['second', 'second'])
  })

  it('replicates a delete, and a delete loses to a later write', async () => {
    const t = setUp(0)
    await t.write('a', 'x')
    await t.settle()
    t.rep.setPartitioned(true)
    await t.write('a', undefined)
    t.advance(1)
    await t.write('b', 'revived')
    t.rep.setPartitioned(false)
    await t.settle()
    expect([t.value('a'), t.value('b')]).toEqual(['revived', 'revived'])
    await t.write('b', undefined)
    await t.settle()
    expect([t.value('a'), t.value('b')]).toEqual([undefined, undefined])
  })

  it('copies a write that said what it left without reading it back, the latest of those riding together', async () => {
    const t = setUp(0)
    t.rep.setPartitioned(true)
    await t.write('a', 'put-1', true)
    await t.write('a', 'put-2', true)
    t.rep.setPartitioned(false)
    await t.settle()
    expect(t.value('b')).toBe('put-2')
    expect(t.replicas.a.ops.GetItem).toBeUndefined()
    expect(t.replicas.b.ops).toEqual({ PutItem: 1 })
    await t.write('a', undefined, true)
    await t.settle()
    expect(t.value('b')).toBeUndefined()
    expect(t.replicas.a.ops.GetItem).toBeUndefined()
    expect(t.replicas.b.ops).toEqual({ PutItem: 1, DeleteItem: 1 })
  })

  it('reads the source when the latest write did not say what it left (an update after a put)', async () => {
    const t = setUp(0)
    t.rep.setPartitioned(true)
    await t.write('a', 'put', true)
    await t.write('a', 'updated')
    t.rep.setPartitioned(false)
    await t.settle()
    expect(t.value('b')).toBe('updated')
    expect(t.replicas.a.ops.GetItem).toBe(1)
  })

  it('holds writes while a region is down and copies them when it is back', async () => {
    const t = setUp(0)
    t.rep.setRegionUp('b', false)
    await t.write('a', 'while-down')
    t.rep.start()
    await new Promise((r) => setTimeout(r, 60))
    expect(t.value('b')).toBeUndefined()
    expect(t.rep.report()).toMatchObject({ paused: true, pending: { 'a->b': 1 } })
    t.rep.setRegionUp('b', true)
    await t.settle()
    expect(t.value('b')).toBe('while-down')
  })
})

describe('TableReplicator with a table missing in one replica', () => {
  it('drops that table’s copies after the attempts, logs the table once, and copies the rest', async () => {
    const a = fakeReplica()
    const b = fakeReplica()
    // Region b's instance has no table "only-a": every command naming it fails as DynamoDB's does.
    const send = b.client.send.bind(b.client)
    b.client.send = async (op, input) => {
      if (input.TableName === 'only-a') {
        const err = new Error('Cannot do operations on a non-existent table')
        err.name = 'ResourceNotFoundException'
        throw err
      }
      return send(op, input)
    }
    const log: string[] = []
    const rep = new TableReplicator({
      clients: { a: a.client, b: b.client },
      lagMs: 0,
      jitterMs: 0,
      clockNow: () => Date.now(),
      tickMs: 5,
      missingTableAttempts: 3,
      log: (line) => log.push(line),
    })
    const item = (table: string, pk: string): ItemKey => ({
      table,
      key: { pk: { S: pk }, sk: { S: 'S' } },
    })
    const orphans = [item('only-a', 'P1'), item('only-a', 'P2')]
    const ok = item('both', 'P3')
    for (const k of [...orphans, ok]) {
      a.items.set(JSON.stringify([k.key.pk, k.key.sk]), { ...(k.key as Item), v: { S: 'x' } })
      rep.committed('a', [k])
    }
    rep.start()
    expect(await rep.drained(5_000)).toBe(true)
    rep.stop()
    expect(b.items.get(JSON.stringify([ok.key.pk, ok.key.sk]))?.v?.S).toBe('x')
    expect(rep.report()).toMatchObject({
      pending: { 'a->b': 0, 'b->a': 0 },
      dropped: 2,
      errors: 6,
      missingTables: ['only-a (a->b)'],
    })
    const dropped = log.filter((l) => l.includes('is missing in a replica'))
    expect(dropped).toHaveLength(1)
    expect(dropped[0]).toContain('table only-a')
    // The first failure of each item is logged; the retries are not.
    expect(log.filter((l) => l.includes('(attempt 1)'))).toHaveLength(2)
    expect(log.filter((l) => l.includes('(attempt 2)'))).toHaveLength(0)
  })
})
