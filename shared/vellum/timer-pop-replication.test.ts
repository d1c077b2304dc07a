import type { SchedulerClient } from '@aws-sdk/client-scheduler'
import { describe, expect, it } from 'vitest'
import type { FunctionUrls, Region } from '../config/regions'
import { createLogger } from '../log/logger'
import { ReplicatedMemoryTable } from './memory-replicated-table'
import { RoundTrips } from './round-trips'
import { definitionItem, type TimerDefinition } from './timer-definition'
import { handlePop, type PopDeps, popHttpStatus } from './timer-pop'
import type { PopInput } from './timer-schedules'

/**
 * The long tier's pop handler over two replicas of the global table (MREC model): a pop that
 * reaches a region before the timer's definition does is retried, not dropped; a pop delivered
 * in one region is a duplicate for the other region's backup once its record has replicated.
 */
const T0 = Date.UTC(2026, 0, 1, 12)
const URLS = {
  a: { timers: 'http://timers-a.test', sprout: 'http://sprout-a.test' },
  b: { timers: 'http://timers-b.test', sprout: 'http://sprout-b.test' },
} as unknown as FunctionUrls

function setup() {
  let t = T0
  const clock = { now: () => t }
  const table = new ReplicatedMemoryTable(clock, 500)
  const callbacks: string[] = []
  const scheduler = { send: async () => ({}) } as unknown as SchedulerClient
  const deps = (region: Region): PopDeps => ({
    table: table.replicas[region],
    local: { client: scheduler, targetArn: `arn:${region}` } as unknown as PopDeps['local'],
    remote: { client: scheduler, targetArn: 'arn:other' } as unknown as PopDeps['remote'],
    settings: { group: 'g', roleArn: 'arn:role' } as unknown as PopDeps['settings'],
    clock,
    log: createLogger({ component: 'timer-test' }, { level: 'error' }),
    rt: new RoundTrips(),
    region,
    functionUrls: URLS,
    secret: 'unit-test-hop-secret-0123456789',
    fetch: (async (url: string) => {
      callbacks.push(`${region} ${url}`)
      return new Response('', { status: 200 })
    }) as typeof fetch,
  })
  const def = (generation: number): TimerDefinition => ({
    id: '0123456789abcdef-1',
    generation,
    startMs: T0,
    intervalMs: 60_000,
    repeatForMs: 60_000,
    callbackUri: 'http://sprout-a.test/timers/expiry',
    opaque: '{}',
    tier: 'scheduler',
    region: 'a',
  })
  return {
    table,
    callbacks,
    deps,
    def,
    advance: (ms: number) => {
      t += ms
    },
  }
}

const popOf = (id: string, generation: number): PopInput => ({
  kind: 'edgewater-timer-pop',
  id,
  generation,
  seq: 0,
})

describe('timer pops under replication lag (MREC)', () => {
  it('retries a pop whose definition has not reached this replica yet, then delivers it once', async () => {
    const h = setup()
    const d = h.def(T0 * 1000 + 7)
    await h.table.replicas.a.put(definitionItem(d))
    // Region a is partitioned away before its definition replicated; b's backup fires.
    h.table.partition()
    h.advance(60_000)
    const pop = popOf(d.id, d.generation)
    const early = await handlePop(h.deps('b'), pop)
    expect(early.status).toBe('not-replicated')
    expect(popHttpStatus(early)).toBe(503)
    expect(h.callbacks).toEqual([])
    h.table.heal()
    h.advance(1_000)
    const retried = await handlePop(h.deps('b'), pop)
    expect(retried.status).toBe('delivered')
    expect(h.callbacks).toEqual(['b http://sprout-b.test/timers/expiry'])
  })

  it('takes a pop of an older generation than the replica holds as stale, a newer one as behind', async () => {
    const h = setup()
    const older = h.def(T0 * 1000 + 1)
    const newer = h.def((T0 + 5_000) * 1000 + 2)
    await h.table.replicas.a.put(definitionItem(older))
    h.advance(1_000)
    await h.table.replicas.a.put(definitionItem(newer))
    // b has the older generation; the newer one is cut off on its way.
    h.table.partition()
    h.advance(600)
    expect((await handlePop(h.deps('b'), popOf(older.id, newer.generation))).status).toBe(
      'not-replicated'
    )
    h.table.heal()
    h.advance(1_000)
    expect((await handlePop(h.deps('b'), popOf(older.id, older.generation))).status).toBe('stale')
  })

  it('a pop delivered in one region is a duplicate for the other region once replicated', async () => {
    const h = setup()
    const d = h.def(T0 * 1000 + 3)
    await h.table.replicas.a.put(definitionItem(d))
    h.advance(60_000)
    const pop = popOf(d.id, d.generation)
    expect((await handlePop(h.deps('a'), pop)).status).toBe('delivered')
    // The backup fires a Scheduler window later in b: the done record is there.
    h.advance(60_000)
    expect((await handlePop(h.deps('b'), pop)).status).toBe('duplicate')
    expect(h.callbacks).toHaveLength(1)
  })

  it('gives up waiting for a definition after the grace: the pop is stale', async () => {
    const h = setup()
    const d = h.def(T0 * 1000 + 4)
    h.advance(11 * 60_000)
    const out = await handlePop(h.deps('b'), popOf(d.id, d.generation))
    expect(out.status).toBe('stale')
    expect(popHttpStatus(out)).toBe(200)
  })
})
