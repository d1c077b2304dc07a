/**
 * The local cloud's model of the global table as MREC (infra/local/emulators/table-replicator.ts)
 * and of a partition between the regions (control API `POST /partition`, `/heal`): items copied
 * one by one after the lag, last writer wins, TTL deletions and a cut-off region's writes
 * replicated, conditions evaluated against the local replica only, the backlog reported, the
 * replicator's own traffic never counted, and a partition cutting KV dual-writes, cross-region
 * function calls and the Schedulers' cross-region paths. Needs `LOCAL_TABLE_MODE=mrec`.
 */
import { ConditionalCheckFailedException, PutItemCommand } from '@aws-sdk/client-dynamodb'
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { settingsFromEnv } from '../../infra/local/contract'
import {
  awsAccessKeyOf,
  functionUrlsFrom,
  kvTokenFrom,
  SCHEDULER_GROUP,
} from '../../infra/local/function-bindings'
import { signRequest } from '../../shared/hop/signature'
import { endpoints } from '../support/cloud'
import {
  deleteItem,
  drained,
  getItem,
  heal,
  key,
  partition,
  putItem,
  replica,
  replication,
  requireMrec,
  setLag,
  sweepExpired,
  TABLE,
  transactPut,
  uniquePk,
} from './support/replication'

const settings = settingsFromEnv()
let defaultLag = { lagMs: 500, jitterMs: 100 }

beforeAll(async () => {
  await requireMrec()
  const r = await replication()
  defaultLag = { lagMs: r.lagMs, jitterMs: r.jitterMs }
})
afterEach(async () => {
  await heal()
  await setLag(defaultLag.lagMs, defaultLag.jitterMs)
})
afterAll(() => drained())

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('per-item replication with lag', () => {
  it('copies an item to the other replica after the lag, not before', async () => {
    await setLag(1_500, 0)
    const pk = uniquePk('lag')
    await putItem('a', { ...key(pk), v: { S: 'one' } })
    expect(await getItem('a', pk)).toBeDefined()
    expect(await getItem('b', pk)).toBeUndefined()
    await drained()
    expect((await getItem('b', pk))?.v).toEqual({ S: 'one' })
  })

  it('queues the items of one transaction one by one and delivers each of them', async () => {
    await partition()
    const pk = uniquePk('txn')
    const before = (await replication()).pending['b->a']
    await transactPut(
      'b',
      ['1', '2', '3'].map((sk) => ({ ...key(pk, sk), v: { S: sk } }))
    )
    expect((await replication()).pending['b->a']).toBe(before + 3)
    for (const sk of ['1', '2', '3']) expect(await getItem('a', pk, sk)).toBeUndefined()
    await heal()
    await drained()
    for (const sk of ['1', '2', '3']) expect((await getItem('a', pk, sk))?.v).toEqual({ S: sk })
  })

  it('replicates a delete', async () => {
    const pk = uniquePk('delete')
    await putItem('a', { ...key(pk), v: { S: 'x' } })
    await drained()
    expect(await getItem('b', pk)).toBeDefined()
    await deleteItem('a', pk)
    await drained()
    expect(await getItem('b', pk)).toBeUndefined()
  })

  it('does not count the replicator’s reads and writes as callers’ operations', async () => {
    await drained()
    await fetch(`${endpoints().control}/counters/reset`, { method: 'POST' })
    const pk = uniquePk('count')
    await putItem('a', { ...key(pk), v: { S: 'x' } })
    await drained()
    expect((await getItem('b', pk))?.v).toEqual({ S: 'x' })
    const c = (await (await fetch(`${endpoints().control}/counters`)).json()) as {
      regions: Record<'a' | 'b', { table: { by: Record<string, number>; total: number } }>
    }
    // The test's own PutItem (region a) and GetItem (region b); no copy of the item.
    expect(c.regions.a.table.by.PutItem).toBe(1)
    expect(c.regions.b.table.by.PutItem ?? 0).toBe(0)
    expect(c.regions.b.table.by.GetItem).toBe(1)
  })
})

describe('last writer wins', () => {
  for (const [first, second] of [
    ['a', 'b'],
    ['b', 'a'],
  ] as const) {
    it(`converges on ${second}'s later write when ${first} and ${second} write one item apart`, async () => {
      await partition()
      const pk = uniquePk('lww')
      await putItem(first, { ...key(pk), v: { S: first } })
      await sleep(5)
      await putItem(second, { ...key(pk), v: { S: second } })
      const superseded = (await replication()).superseded
      await heal()
      await drained()
      expect((await getItem('a', pk))?.v).toEqual({ S: second })
      expect((await getItem('b', pk))?.v).toEqual({ S: second })
      expect((await replication()).superseded).toBe(superseded + 1)
    })
  }

  it('evaluates conditions against the local replica only: both sides may create one item', async () => {
    await partition()
    const pk = uniquePk('cond')
    const create = (r: 'a' | 'b') =>
      replica(r).send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { ...key(pk), owner: { S: r } },
          ConditionExpression: 'attribute_not_exists(pk)',
        })
      )
    await create('a')
    await create('b')
    // Each replica now refuses a second creation, against its own copy.
    await expect(create('a')).rejects.toBeInstanceOf(ConditionalCheckFailedException)
    await heal()
    await drained()
    expect((await getItem('a', pk))?.owner).toEqual({ S: 'b' })
    expect((await getItem('b', pk))?.owner).toEqual({ S: 'b' })
  })
})

describe('TTL deletions', () => {
  it('replicates the delete made by one replica’s TTL process', async () => {
    const pk = uniquePk('ttl')
    const past = Math.floor(Date.now() / 1000) - 60
    await putItem('a', { ...key(pk), ttl: { N: String(past) } })
    await drained()
    expect(await getItem('b', pk)).toBeDefined()
    const applied = (await replication()).applied['a->b']
    expect(await sweepExpired('a')).toBeGreaterThanOrEqual(1)
    expect(await getItem('a', pk)).toBeUndefined()
    await drained()
    expect(await getItem('b', pk)).toBeUndefined()
    expect((await replication()).applied['a->b']).toBeGreaterThan(applied)
  })
})

describe('partition', () => {
  it('holds a cut-off region’s writes in the backlog and replicates them after heal', async () => {
    await setLag(50, 0)
    const state = await partition()
    expect(state.partitioned).toBe(true)
    const pk = uniquePk('cut')
    await putItem('a', { ...key(pk), v: { S: 'during' } })
    await sleep(300)
    const r = await replication()
    expect(r.partitioned).toBe(true)
    expect(r.pending['a->b']).toBeGreaterThanOrEqual(1)
    expect(r.oldestAgeMs['a->b']).toBeGreaterThan(0)
    expect(await getItem('b', pk)).toBeUndefined()
    expect((await heal()).partitioned).toBe(false)
    await drained()
    expect((await getItem('b', pk))?.v).toEqual({ S: 'during' })
  })

  it('cuts the other region’s KV dual-writes only', async () => {
    const kv = endpoints().kv.b
    const call = (token: string) =>
      fetch(kv.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify(['PING']),
      })
    const fromA = kvTokenFrom(settings, 'a', 'b')
    expect((await call(fromA)).status).toBe(200)
    await partition()
    await expect(call(fromA)).rejects.toThrow()
    expect((await call(kv.token)).status).toBe(200)
    await heal()
    expect((await call(fromA)).status).toBe(200)
  })

  it('cuts cross-region function calls, not a region’s own', async () => {
    const secret = endpoints().hopSecret
    const signedGet = async (url: string) =>
      fetch(url, { headers: await signRequest(secret, 'GET', url, '') })
    const crossRegion = `${functionUrlsFrom(settings, 'a').b.timers}/admin/kv-stats`
    const local = `${endpoints().functions.b.timers}/admin/kv-stats`
    expect((await signedGet(crossRegion)).status).toBe(200)
    await partition()
    await expect(signedGet(crossRegion)).rejects.toThrow()
    expect((await signedGet(local)).status).toBe(200)
    await heal()
    expect((await signedGet(crossRegion)).status).toBe(200)
  })

  it('cuts the other region’s calls to a Scheduler', async () => {
    const client = (caller: 'a' | 'b') =>
      new SchedulerClient({
        endpoint: endpoints().scheduler.b,
        region: 'local-b',
        credentials: { accessKeyId: awsAccessKeyOf(caller), secretAccessKey: 'local' },
        maxAttempts: 1,
      })
    const create = (caller: 'a' | 'b', name: string) =>
      client(caller).send(
        new CreateScheduleCommand({
          Name: name,
          GroupName: SCHEDULER_GROUP,
          ScheduleExpression: 'at(2099-01-01T00:00:00)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: { Arn: 'arn:aws:lambda:local-b:000000000000:function:x', RoleArn: 'arn:r' },
        })
      )
    const name = `gr-${Date.now()}`
    await partition()
    await expect(create('a', `${name}-a`)).rejects.toThrow()
    await create('b', `${name}-b`)
    await heal()
    await create('a', `${name}-a`)
    for (const n of [`${name}-a`, `${name}-b`])
      await client('b').send(new DeleteScheduleCommand({ Name: n, GroupName: SCHEDULER_GROUP }))
  })
})
