/**
 * A region back from being down starts its own KV resync (shared/vellum/kv-resync-trigger.ts,
 * the quiet check; docs/geo-redundancy.md "KV after a region returns"), on the local cloud with
 * the control API's `POST /regions/b/down` and `/up`, against the real Upstash adapters and
 * redis-servers. Region a writes while b is down and then does nothing more, so only b's own
 * reads can notice what b missed:
 * - an isolate of b that was busy before the outage (quiet since, as the region had no
 *   requests) and a new isolate of b both read the survivor's refreshed binding, tombstone,
 *   rewritten value and the value read with the map at their first read;
 * - the resync run that read starts replays a's hints into b by itself.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Region } from '../../shared/config/regions'
import { createRedis } from '../../shared/vellum/clients'
import {
  DEFAULT_RESYNC_SETTINGS,
  RESYNC_HINTS_KEY,
  type ResyncSettings,
} from '../../shared/vellum/kv-resync-trigger'
import { UpstashRegionalKv } from '../../shared/vellum/kv-upstash'
import { newKvCounters, type VersionedRecord } from '../../shared/vellum/regional-kv'
import { RoundTrips } from '../../shared/vellum/round-trips'
import { CloudClock, quietLog, redis } from '../contracts/cloud-harness'
import { endpoints, regionDown, regionUp } from '../support/cloud'
import { requireMrec } from './support/replication'

/** The quiet time of these isolates (the default is 10 s; shorter keeps the suite short). */
const QUIET_MS = 1_000

let clock: CloudClock
beforeAll(async () => {
  await requireMrec()
  clock = await new CloudClock(endpoints().control).sync()
})
afterEach(async () => {
  await regionUp('a')
  await regionUp('b')
})

/** A new isolate's dual-writer of region `r`, built as its functions build theirs. */
function regionKv(r: Region, resync: Partial<ResyncSettings> = {}) {
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
    { callTimeoutMs: 1_500, resync: { ...DEFAULT_RESYNC_SETTINGS, ...resync } }
  )
  return { kv, counters }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const prefix = () =>
  `gr-return-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`
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

/** Seeds keys through region a, then takes b down while a refreshes, removes and rewrites. */
async function outage(p: string) {
  const { kv: a, counters } = regionKv('a')
  await a.mergeMap(`${p}:aor`, { b1: rec(1, 300, 'old'), b2: rec(1, 300, 'gone') }, { base: {} })
  await a.set(`${p}:profile`, { v: 1 }, { ttlSeconds: 300 })
  await a.set(`${p}:cached`, { v: 1 }, { ttlSeconds: 300 })
  return {
    a,
    down: async () => {
      await regionDown('b')
      const { records: base } = await a.readMap(`${p}:aor`)
      await a.mergeMap(
        `${p}:aor`,
        { b1: rec(2, 600, 'refreshed'), b2: rec(2, -1, 'gone') },
        { base }
      )
      await a.set(`${p}:profile`, { v: 2 }, { ttlSeconds: 300 })
      await a.set(`${p}:cached`, { v: 2 }, { ttlSeconds: 300 })
      expect(counters.remoteWriteFailures).toBe(3)
      // The outage lasts longer than the quiet time, as a region's outage does.
      await sleep(QUIET_MS + 100)
      await regionUp('b')
    },
  }
}

describe('a region back from being down resyncs by itself', () => {
  it('an isolate busy before the outage reads the survivor’s writes at its first read, and its run replays them', async () => {
    const p = prefix()
    const { a, down } = await outage(p)
    const { kv: b } = regionKv('b', { quietCheckMs: QUIET_MS })
    expect(live((await b.readMap(`${p}:aor`)).records)).toEqual({ b1: 'old', b2: 'gone' })
    expect(await b.get(`${p}:profile`)).toEqual({ v: 1 })
    await b.resync.running

    await down()
    // Region a does nothing from here on: no write of a reaches b to mark it.
    const read = await b.readMap(`${p}:aor`, { localKeys: [`${p}:cached`] })
    expect(live(read.records)).toEqual({ b1: 'refreshed' })
    expect(read.values).toEqual([{ v: 2 }])
    expect(await b.get(`${p}:profile`)).toEqual({ v: 2 })
    expect(b.resync.running).toBeDefined()
    expect(a.resync.running).toBeUndefined()

    // b's runs (one per isolate every 2 s) continue until a holds no hint of these keys.
    const ra = redis(endpoints(), 'a')
    const ours = async () =>
      (await ra.hkeys(RESYNC_HINTS_KEY)).filter((k) => String(k).startsWith(p)).length
    await b.resync.running
    for (let i = 0; i < 30 && (await ours()) > 0; i++) {
      await sleep(2_100)
      await b.resync.start('test: the next trigger')
    }
    expect(await ours()).toBe(0)
    const rb = redis(endpoints(), 'b')
    expect(await rb.get(`${p}:profile`)).toEqual({ v: 2 })
    expect(await rb.get(`${p}:cached`)).toEqual({ v: 2 })
    const raw = await regionKv('b').kv.readMap(`${p}:aor`)
    expect(live(raw.records)).toEqual({ b1: 'refreshed' })
  })

  it('a new isolate of the returned region reads the survivor’s writes at its first read', async () => {
    const p = prefix()
    const { a, down } = await outage(p)
    await down()
    const { kv: b } = regionKv('b')
    expect(live((await b.readMap(`${p}:aor`)).records)).toEqual({ b1: 'refreshed' })
    expect(await b.get(`${p}:profile`)).toEqual({ v: 2 })
    expect(a.resync.running).toBeUndefined()
    await b.resync.running
  })
})
