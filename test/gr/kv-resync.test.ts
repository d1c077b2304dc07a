/**
 * Automatic KV resync on the local cloud (shared/vellum/kv-resync-trigger.ts,
 * docs/geo-redundancy.md "KV after a region returns"): each region's dual-writer as that
 * region's functions build it (its own database local, the other's through the cross-region
 * token a partition cuts), against the real Upstash adapters and redis-servers.
 * - A region down: the survivor's writes, deletions and tombstones reach the returned region by
 *   themselves once a write reaches both again; no operator call.
 * - A partition: after the heal, a region's reads join the peer's newer records and take the
 *   peer's deletions while the resync runs, then the marks and hints are gone.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Region } from '../../shared/config/regions'
import { createRedis } from '../../shared/vellum/clients'
import { RESYNC_HINTS_KEY } from '../../shared/vellum/kv-resync-trigger'
import { UpstashRegionalKv } from '../../shared/vellum/kv-upstash'
import { newKvCounters, type VersionedRecord } from '../../shared/vellum/regional-kv'
import { RoundTrips } from '../../shared/vellum/round-trips'
import { CloudClock, quietLog, redis } from '../contracts/cloud-harness'
import { endpoints, regionDown, regionUp } from '../support/cloud'
import { heal, partition, requireMrec } from './support/replication'

let clock: CloudClock
beforeAll(async () => {
  await requireMrec()
  clock = await new CloudClock(endpoints().control).sync()
})
afterEach(async () => {
  await heal()
  await regionUp('a')
  await regionUp('b')
})

/** Region `r`'s dual-writer, built as its functions build theirs. */
function regionKv(r: Region) {
  const e = endpoints()
  const peer: Region = r === 'a' ? 'b' : 'a'
  const counters = newKvCounters()
  const kv = new UpstashRegionalKv(
    createRedis(e.kv[r].url, e.kv[r].token),
    createRedis(e.kv[peer].url, `${e.kv[peer].token}-from-${r}`),
    clock,
    quietLog,
    new RoundTrips(),
    counters,
    { callTimeoutMs: 1_500 }
  )
  return { kv, counters }
}

const prefix = () =>
  `gr-resync-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`
const nowS = () => Math.floor(clock.now() / 1000)
const rec = (cseq: number, inS: number, data: unknown): VersionedRecord => ({
  cseq,
  expires: nowS() + inS,
  data,
})
const live = (records: Record<string, VersionedRecord>) =>
  Object.fromEntries(
    Object.entries(records)
      .filter(([, r]) => r.expires > nowS())
      .map(([k, r]) => [k, r.data])
  )

describe('KV resync after a region returns', () => {
  it('replays the survivor’s writes, deletions and tombstones into a returned region by itself', async () => {
    const p = prefix()
    const { kv: a, counters } = regionKv('a')
    await a.mergeMap(`${p}:aor`, { b1: rec(1, 300, 'old'), b2: rec(1, 300, 'gone') }, { base: {} })
    await a.set(`${p}:profile`, { v: 1 }, { ttlSeconds: 300 })
    await a.set(`${p}:invalidated`, { v: 1 }, { ttlSeconds: 300 })

    await regionDown('b')
    // While b is down: a refresh, a removal (a tombstone), a new value, a deletion.
    const { records: base } = await a.readMap(`${p}:aor`)
    await a.mergeMap(`${p}:aor`, { b1: rec(2, 600, 'refreshed'), b2: rec(2, -1, 'gone') }, { base })
    await a.set(`${p}:profile`, { v: 2 }, { ttlSeconds: 300 })
    await a.del(`${p}:invalidated`)
    expect(counters.remoteWriteFailures).toBe(3)
    expect(await redis(endpoints(), 'a').hget(RESYNC_HINTS_KEY, `${p}:invalidated`)).not.toBeNull()

    await regionUp('b')
    // The next write that reaches both starts the resync: no operator call. Its first step marks
    // b, so b's readers join a's copy from then on, whatever the run has reached.
    await a.set(`${p}:after`, 1, { ttlSeconds: 60 })
    await a.resync.running
    const { kv: b } = regionKv('b')
    expect(live((await b.readMap(`${p}:aor`)).records)).toEqual({ b1: 'refreshed' })

    // Runs continue (one per isolate every 2 s, a bounded batch each) until a has no hint left.
    const ra = redis(endpoints(), 'a')
    const ours = async () =>
      (await ra.hkeys(RESYNC_HINTS_KEY)).filter((k) => String(k).startsWith(p)).length
    for (let i = 0; i < 30 && (await ours()) > 0; i++) {
      await new Promise((r) => setTimeout(r, 2_100))
      await a.resync.start('test: the next trigger')
    }
    expect(await ours()).toBe(0)
    const rb = redis(endpoints(), 'b')
    expect(live((await regionKv('b').kv.readMap(`${p}:aor`)).records)).toEqual({ b1: 'refreshed' })
    expect(await rb.get(`${p}:profile`)).toEqual({ v: 2 })
    expect(await rb.get(`${p}:invalidated`)).toBeNull()
  })

  it('after a partition, reads in a region join the peer’s newer records and deletions while the resync runs', async () => {
    const p = prefix()
    const { kv: a } = regionKv('a')
    const { kv: b } = regionKv('b')
    await b.mergeMap(`${p}:aor`, { b1: rec(1, 300, 'v1') }, { base: {} })
    await b.set(`${p}:cache`, { v: 1 }, { ttlSeconds: 300 })

    await partition()
    // Both regions keep writing, each cut off from the other.
    await a.set(`${p}:a-side`, 1, { ttlSeconds: 300 })
    const { records: base } = await b.readMap(`${p}:aor`)
    await b.mergeMap(`${p}:aor`, { b1: rec(2, 600, 'v2'), s1: rec(1, 600, 'sub') }, { base })
    await b.del(`${p}:cache`)
    // Region a's own copy is the old one.
    const ra = redis(endpoints(), 'a')
    expect(await ra.get(`${p}:cache`)).toEqual({ v: 1 })

    await heal()
    // A fresh reader in region a (another isolate): the mark in a's database makes it join b's
    // copy at once, before any resync has run.
    const { kv: reader } = regionKv('a')
    expect(live((await reader.readMap(`${p}:aor`)).records)).toEqual({ b1: 'v2', s1: 'sub' })
    expect(await reader.get(`${p}:cache`)).toBeUndefined()
    await reader.resync.running
    await b.set(`${p}:after`, 1, { ttlSeconds: 60 })
    await b.resync.running
    await a.set(`${p}:after`, 1, { ttlSeconds: 60 })
    await a.resync.running

    // Runs continue until neither side holds a hint for these keys.
    const rb = redis(endpoints(), 'b')
    const ours = async () => {
      let n = 0
      for (const db of [ra, rb])
        n += (await db.hkeys(RESYNC_HINTS_KEY)).filter((k) => String(k).startsWith(p)).length
      return n
    }
    for (let i = 0; i < 30 && (await ours()) > 0; i++) {
      await new Promise((r) => setTimeout(r, 2_100))
      await a.resync.start('test: the next trigger')
    }
    expect(await ours()).toBe(0)
    expect(await ra.get(`${p}:cache`)).toBeNull()
    expect(await rb.get(`${p}:a-side`)).toBe(1)
    expect(live((await regionKv('a').kv.readMap(`${p}:aor`)).records)).toEqual({
      b1: 'v2',
      s1: 'sub',
    })
  })
})
