/**
 * Vellum under faults, driven through the local cloud's control API:
 * - remote KV down during writes: the local write succeeds, the failure is counted, and after
 *   the region is back the resync job (`POST /admin/resync` on the timers function) repairs it
 *   without replacing anything newer;
 * - local KV down: reads are served from the remote region, writes land there, and once the
 *   region is back a read repairs the local copy;
 * - a region's Scheduler down: the backup schedule in the other region pops the timer once, and
 *   the primary, firing late when its region returns, has no effect;
 * - DynamoDB conditional conflicts between concurrent transactions surface as typed errors.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Region } from '../../shared/config/regions'
import { signRequest } from '../../shared/hop/signature'
import { ConditionFailed } from '../../shared/vellum'
import { timerDefinitionKey } from '../../shared/vellum/keys'
import { HSET_IF_NEWER } from '../../shared/vellum/kv-scripts'
import { encodeRecord } from '../../shared/vellum/regional-kv'
import { scheduleName } from '../../shared/vellum/timer-schedules'
import {
  CallbackServer,
  CloudClock,
  kvFrom,
  redis,
  table,
  timerService,
} from '../contracts/cloud-harness'
import { endpoints, invocations, regionDown, regionUp } from '../support/cloud'
import { waitForReplication } from '../support/replication'

let server: CallbackServer
let clock: CloudClock
beforeAll(async () => {
  server = await new CallbackServer(endpoints().hopSecret).start()
  clock = await new CloudClock(endpoints().control).sync()
})
afterAll(() => server.close())
afterEach(async () => {
  await regionUp('a')
  await regionUp('b')
})

const prefix = () => `fault-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`
const rec = (cseq: number, inS: number, data: unknown = { uri: `sip:ue@10.0.0.${cseq}` }) => ({
  cseq,
  expires: Math.floor(clock.now() / 1000) + inS,
  data,
})

async function resync(via: Region, from: Region, to: Region, match: string) {
  const url = `${endpoints().functions[via].timers}/admin/resync`
  const body = JSON.stringify({ from, to, match })
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(await signRequest(endpoints().hopSecret, 'POST', url, body)),
    },
    body,
  })
  expect(res.status).toBe(200)
  return (await res.json()) as {
    scanned: number
    fieldsWritten: number
    valuesCopied: number
    errors: number
  }
}

describe('remote KV down during writes', () => {
  it('writes locally, counts the remote failure, and the resync repairs the remote', async () => {
    const p = prefix()
    const { kv, counters } = kvFrom(endpoints(), 'a', clock)
    const b1 = rec(5, 300)
    await regionDown('b')
    expect(await kv.hsetManyIfNewer(`${p}:reg`, { b1, b2: rec(1, 300) })).toEqual({
      b1: 'written',
      b2: 'written',
    })
    expect(await kv.set(`${p}:nonce`, { realm: 'example.com' }, { ttlSeconds: 40 })).toBe(true)
    expect(counters.remoteWriteFailures).toBe(2)
    expect(counters.localWriteFailures).toBe(0)
    expect(Object.keys(await kv.hgetLive(`${p}:reg`)).sort()).toEqual(['b1', 'b2'])
    await regionUp('b')
    const b = redis(endpoints(), 'b')
    expect(await b.hgetall(`${p}:reg`)).toBeNull()
    // Meanwhile region b got a newer b2 of its own (say, a re-REGISTER routed there).
    const newer = rec(9, 600, { uri: 'sip:ue@b' })
    await b.eval(HSET_IF_NEWER.source, [`${p}:reg`], [clock.now(), 10, 'b2', encodeRecord(newer)])
    const report = await resync('a', 'a', 'b', `${p}:*`)
    expect(report).toMatchObject({ scanned: 2, fieldsWritten: 1, valuesCopied: 1, errors: 0 })
    const repaired = (await b.hgetall<Record<string, unknown>>(`${p}:reg`)) ?? {}
    expect(repaired.b1).toEqual(b1)
    expect(repaired.b2).toEqual(newer)
    expect(await b.get(`${p}:nonce`)).toEqual({ realm: 'example.com' })
    const ttl = await b.ttl(`${p}:nonce`)
    expect(ttl).toBeGreaterThan(30)
    expect(ttl).toBeLessThanOrEqual(40)
  })
})

describe('record maps (an AoR) across a region outage', () => {
  it('a write while the remote KV is down is merged into it by the resync, keeping its newer records', async () => {
    const p = prefix()
    const key = `${p}:aor`
    const { kv, counters } = kvFrom(endpoints(), 'a', clock)
    const b1 = rec(5, 300)
    await regionDown('b')
    expect(await kv.mergeMap(key, { b1, b2: rec(1, 300) }, { base: {} })).toEqual({
      b1: 'written',
      b2: 'written',
    })
    expect(counters.remoteWriteFailures).toBe(1)
    await regionUp('b')
    const b = redis(endpoints(), 'b')
    expect(await b.get(key)).toBeNull()
    // Meanwhile region b got a newer b2 of its own (a re-REGISTER routed there).
    const newer = rec(9, 600, { uri: 'sip:ue@b' })
    await b.set(key, { rm: 1, r: { b2: newer } }, { ex: 600 })
    const report = await resync('a', 'a', 'b', `${p}:*`)
    expect(report).toMatchObject({ scanned: 1, fieldsWritten: 1, errors: 0 })
    const { kv: fromB } = kvFrom(endpoints(), 'b', clock)
    const repaired = (await fromB.readMap(key)).records
    expect(repaired.b1).toEqual(b1)
    expect(repaired.b2).toEqual(newer)
  })

  it('reads and writes go to the remote KV while the local one is down; a read repairs it after', async () => {
    const p = prefix()
    const key = `${p}:aor`
    const b = redis(endpoints(), 'b')
    const b1 = rec(3, 300)
    await b.set(key, { rm: 1, r: { b1 } }, { ex: 600 })
    await b.set(`${p}:count`, 4, { ex: 60 })
    const { kv, counters } = kvFrom(endpoints(), 'a', clock)
    await regionDown('a')
    const read = await kv.readMap(key, { localKeys: [`${p}:count`] })
    expect(read.records.b1).toEqual(b1)
    expect(read.values).toEqual([4])
    expect(await kv.mergeMap(key, { b2: rec(1, 300) }, { base: read.records })).toEqual({
      b2: 'written',
    })
    expect(counters.localWriteFailures).toBe(1)
    await regionUp('a')
    const a = redis(endpoints(), 'a')
    expect(await a.get(key)).toBeNull()
    expect(Object.keys((await kv.readMap(key)).records).sort()).toEqual(['b1', 'b2'])
    expect(counters.localRepairs).toBe(1)
    const local = (await a.get<{ r: Record<string, unknown> }>(key))?.r ?? {}
    expect(Object.keys(local).sort()).toEqual(['b1', 'b2'])
  })
})

describe('remote KV down during reads', () => {
  it('a key that exists nowhere reads as absent, not as a store failure', async () => {
    const p = prefix()
    const { kv } = kvFrom(endpoints(), 'a', clock)
    await regionDown('b')
    // A first REGISTER for a new AoR while the other region is lost must not fail.
    expect(await kv.hgetLive(`${p}:new-aor`)).toEqual({})
    expect(await kv.get(`${p}:new-key`)).toBeUndefined()
  })
})

describe('local KV down', () => {
  it('serves reads from the remote region and repairs the local copy once it is back', async () => {
    const p = prefix()
    // Region b alone has the data (as after writes made while region a's KV was down).
    const b = redis(endpoints(), 'b')
    const b1 = rec(3, 300)
    await b.eval(HSET_IF_NEWER.source, [`${p}:reg`], [clock.now(), 10, 'b1', encodeRecord(b1)])
    await b.set(`${p}:challenge`, 'nonce-1', { ex: 40 })
    const { kv, counters } = kvFrom(endpoints(), 'a', clock)
    await regionDown('a')
    expect((await kv.hgetLive(`${p}:reg`)).b1).toEqual(b1)
    expect(await kv.get(`${p}:challenge`)).toBe('nonce-1')
    expect(counters.localReadFailures).toBe(2)
    expect(counters.remoteFallbackReads).toBe(2)
    // A write while the local database is down lands in the remote one.
    expect(await kv.hsetIfNewer(`${p}:reg`, 'b2', rec(1, 300))).toBe('written')
    expect(counters.localWriteFailures).toBe(1)
    await regionUp('a')
    const a = redis(endpoints(), 'a')
    expect(await a.hgetall(`${p}:reg`)).toBeNull()
    expect(Object.keys(await kv.hgetLive(`${p}:reg`)).sort()).toEqual(['b1', 'b2'])
    expect(await kv.get(`${p}:challenge`)).toBe('nonce-1')
    expect(counters.localRepairs).toBe(2)
    expect(Object.keys((await a.hgetall(`${p}:reg`)) ?? {}).sort()).toEqual(['b1', 'b2'])
    expect(await a.get(`${p}:challenge`)).toBe('nonce-1')
    expect(await a.ttl(`${p}:challenge`)).toBeGreaterThan(30)
  })
})

describe("a region's Scheduler down", () => {
  it('the backup region pops the timer once; the late primary has no effect', async () => {
    const tag = prefix()
    const timers = timerService(endpoints(), 'a', clock)
    const id = await timers.set({
      intervalMs: 60_000,
      callbackUri: server.uri(tag),
      opaque: `{"aor_id":"${tag}"}`,
    })
    const def = await table(endpoints(), clock).get(timerDefinitionKey(id), { consistent: true })
    const name = scheduleName(id, def!.generation as number, 0)
    // The timer was set before the outage: its definition has reached region b's replica (one
    // set less than the replication delay before a region fails is delivered once that region
    // returns, docs/geo-redundancy.md "Timer pops").
    await waitForReplication()
    await regionDown('a')
    await clock.advance(60_000) // due: region a's Scheduler is down and fires nothing
    await server.settle(600, 5_000)
    expect(server.for(tag)).toHaveLength(0)
    await clock.advance(60_000) // the backup's margin has passed: region b pops it
    await server.settle(600, 8_000)
    expect(server.for(tag)).toHaveLength(1)
    expect((await invocations('b')).filter((i) => i.name === name && i.ok)).toHaveLength(1)
    await regionUp('a') // a's Scheduler fires its overdue primary now
    const late = async () => (await invocations('a')).filter((i) => i.name === name)
    for (let i = 0; i < 40 && (await late()).length === 0; i++)
      await new Promise((r) => setTimeout(r, 250))
    await server.settle(800, 5_000)
    expect((await late()).length).toBeGreaterThanOrEqual(1)
    expect(server.for(tag)).toHaveLength(1)
    expect(server.for(tag)[0]).toMatchObject({ seq: 0, signed: true })
  })
})

describe('global table conflicts', () => {
  it('two concurrent transactions claiming the same number: one commits, the other gets ConditionFailed', async () => {
    const t = table(endpoints(), clock)
    const p = prefix()
    const number = { pk: `${p}#NUMBER#sip:6505550001@example.com`, sk: 'NUMBER' }
    const free = await t.put({ ...number, owner: null })
    const claim = (email: string) =>
      t.transact([
        {
          update: number,
          changes: { set: { owner: email } },
          condition: { ifVersion: free.version as number },
        },
        {
          put: { pk: `${p}#ACCOUNT#${email}`, sk: `NUMBER#6505550001`, owned: true },
          condition: { ifNotExists: true },
        },
      ])
    const results = await Promise.allSettled([claim('x@example.com'), claim('y@example.com')])
    const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[]
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect(failed).toHaveLength(1)
    expect(failed[0]!.reason).toBeInstanceOf(ConditionFailed)
    expect((failed[0]!.reason as ConditionFailed).details.index).toBe(0)
    const owner = (await t.get(number, { consistent: true }))?.owner as string
    expect(['x@example.com', 'y@example.com']).toContain(owner)
    const loser = owner === 'x@example.com' ? 'y@example.com' : 'x@example.com'
    expect(await t.get({ pk: `${p}#ACCOUNT#${loser}`, sk: 'NUMBER#6505550001' })).toBeUndefined()
  })
})
