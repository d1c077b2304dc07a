/**
 * Record maps (record-map.ts): the join's laws, pruning and TTL, the `SET … GET` merge rounds,
 * and the commands the Upstash adapter sends for them, counted on a fake Redis that keeps values
 * as JSON like Upstash does (reads parse them, `SET … GET` answers the replaced value).
 */
import type { Redis } from '@upstash/redis/cloudflare'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../log/logger'
import { UpstashRegionalKv } from './kv-upstash'
import {
  covers,
  decodeRecordMap,
  encodeRecordMap,
  joinRecords,
  MAX_MERGE_ROUNDS,
  MergeContention,
  mergeRecords,
  pruneRecords,
  recordMapTtlMs,
} from './record-map'
import { newKvCounters, type RecordMap, type VersionedRecord } from './regional-kv'
import { RoundTrips } from './round-trips'

const NOW = Date.UTC(2026, 11, 7, 8)
const nowS = NOW / 1000
const rec = (cseq: number, inS: number, data: unknown = { c: cseq }): VersionedRecord => ({
  cseq,
  expires: nowS + inS,
  data,
})

describe('the join', () => {
  const a: RecordMap = { x: rec(2, 60), y: rec(1, 60) }
  const b: RecordMap = { x: rec(1, 300), z: rec(1, 60) }
  const c: RecordMap = { y: rec(1, 60, { other: true }), z: rec(3, 0) }

  it('is commutative, associative and idempotent, keeping the newer record of each name', () => {
    expect(joinRecords(a, b)).toEqual(joinRecords(b, a))
    expect(joinRecords(joinRecords(a, b), c)).toEqual(joinRecords(a, joinRecords(b, c)))
    expect(joinRecords(a, a)).toEqual(a)
    const j = joinRecords(joinRecords(a, b), c)
    expect(j.x?.cseq).toBe(2)
    expect(j.z?.cseq).toBe(3)
    // A full tie on (cseq, expires) is broken on the record's JSON, the same in every region.
    expect(j.y).toEqual(joinRecords(c, a).y)
  })

  it('covers: the written map holds every replaced record at least as new', () => {
    expect(covers(joinRecords(a, b), b)).toBe(true)
    expect(covers(a, b)).toBe(false)
    expect(covers(a, {})).toBe(true)
  })

  it('prunes records expired longer than the linger; the TTL is the newest expiry plus it', () => {
    const m = { live: rec(1, 30), recent: rec(1, -100), old: rec(1, -200) }
    expect(Object.keys(pruneRecords(m, NOW, 180)).sort()).toEqual(['live', 'recent'])
    expect(recordMapTtlMs(m, NOW, 180)).toBe(210_000)
    expect(recordMapTtlMs({ gone: rec(1, -500) }, NOW, 180)).toBe(1)
  })

  it('decodes only tagged maps, from text or parsed JSON, dropping malformed records', () => {
    const stored = encodeRecordMap({ x: rec(1, 60) })
    expect(decodeRecordMap(JSON.stringify(stored))).toEqual({ x: rec(1, 60) })
    expect(decodeRecordMap({ rm: 1, r: { x: rec(1, 60), bad: { cseq: 'no' } } })).toEqual({
      x: rec(1, 60),
    })
    expect(decodeRecordMap({ r: { x: rec(1, 60) } })).toEqual({})
    expect(decodeRecordMap(null)).toEqual({})
  })
})

/** One database: values as JSON text, `SET … GET` answering what it replaced. */
class FakeRedis {
  readonly data = new Map<string, string>()
  readonly commands: string[] = []
  /** Writes made by someone else just before this database's next `SET`. */
  interleave: Array<() => void> = []
  down = false

  private check(cmd: string) {
    this.commands.push(cmd)
    if (this.down) throw new Error('fetch failed')
  }
  private parse(v: string | undefined) {
    return v === undefined ? null : JSON.parse(v)
  }
  async get(key: string) {
    this.check('GET')
    return this.parse(this.data.get(key))
  }
  async exists(...keys: string[]) {
    this.check('EXISTS')
    return keys.filter((k) => this.data.has(k)).length
  }
  async mget(...keys: string[]) {
    this.check('MGET')
    return keys.map((k) => this.parse(this.data.get(k)))
  }
  async set(key: string, value: unknown, opts: { px: number; get?: boolean }) {
    this.check(opts.get ? 'SET GET' : 'SET')
    this.interleave.shift()?.()
    const old = this.data.get(key)
    this.data.set(key, JSON.stringify(value))
    return opts.get ? this.parse(old) : 'OK'
  }
  /** Stores a map directly (another writer, or a region's earlier state). */
  put(key: string, records: RecordMap) {
    this.data.set(key, JSON.stringify(encodeRecordMap(records)))
  }
  records(key: string) {
    return decodeRecordMap(this.data.get(key))
  }
  /**
   * The client's requester, as the lean commands use it (kv-lean.ts): `MGET` and
   * `SET … PX … GET` answered with the values' text, as the REST API answers them.
   */
  readonly client = {
    request: async ({ body }: { body: string[] }) => {
      const [cmd, ...args] = body
      if (cmd === 'mget') {
        this.check('MGET')
        return { result: args.map((k) => this.data.get(k) ?? null) }
      }
      if (cmd === 'set' && args[2] === 'px' && args[4] === 'get') {
        this.check('SET GET')
        this.interleave.shift()?.()
        const old = this.data.get(args[0]!)
        this.data.set(args[0]!, args[1]!)
        return { result: old ?? null }
      }
      return { error: `ERR unknown command ${cmd}` }
    },
  }
}

function twoRegions() {
  const local = new FakeRedis()
  const remote = new FakeRedis()
  const log = createLogger({ component: 'test' }, { level: 'error', sink: () => undefined })
  const counters = newKvCounters()
  const kv = new UpstashRegionalKv(
    local as unknown as Redis,
    remote as unknown as Redis,
    { now: () => NOW },
    log,
    new RoundTrips(),
    counters
  )
  return { local, remote, kv, counters }
}

/**
 * Two regions whose isolate has read before: its first read also asks the peer for resync hints
 * (the quiet check, kv-resync-trigger.ts), which is not the steady state these tests count.
 */
async function warmRegions() {
  const r = twoRegions()
  await r.kv.get('warm-up')
  r.local.commands.length = 0
  r.remote.commands.length = 0
  return r
}

describe('record maps on the Upstash adapter', () => {
  it('a read with other keys is one MGET; a write one SET … GET per region', async () => {
    const { local, remote, kv } = await warmRegions()
    local.put('aor', { b: rec(1, 60) })
    remote.put('aor', { b: rec(1, 60) })
    local.data.set('n', '3')
    const read = await kv.readMap('aor', { localKeys: ['n', 'none'] })
    expect(read.records).toEqual({ b: rec(1, 60) })
    expect(read.values).toEqual([3, undefined])
    expect(await kv.mergeMap('aor', { b: rec(2, 60) }, { base: read.records })).toEqual({
      b: 'written',
    })
    expect(local.commands).toEqual(['MGET', 'SET GET'])
    expect(remote.commands).toEqual(['SET GET'])
    expect(local.records('aor')).toEqual({ b: rec(2, 60) })
    expect(remote.records('aor')).toEqual({ b: rec(2, 60) })
  })

  it('a concurrent writer costs one more round, and neither write is lost', async () => {
    const { local, remote, kv } = await warmRegions()
    local.put('aor', { b: rec(1, 60) })
    remote.put('aor', { b: rec(1, 60) })
    // Between this writer's read and its SET, another writer adds c in the local region.
    local.interleave.push(() => local.put('aor', { b: rec(1, 60), c: rec(1, 60) }))
    const out = await kv.mergeMap('aor', { b: rec(2, 60) }, { base: { b: rec(1, 60) } })
    expect(out).toEqual({ b: 'written' })
    expect(local.commands).toEqual(['SET GET', 'SET GET'])
    expect(remote.commands).toEqual(['SET GET'])
    expect(local.records('aor')).toEqual({ b: rec(2, 60), c: rec(1, 60) })
  })

  it('a newer record already there makes the change stale and is kept', async () => {
    const { local, remote, kv } = await warmRegions()
    local.put('aor', { b: rec(5, 60) })
    remote.put('aor', { b: rec(5, 60) })
    expect(await kv.mergeMap('aor', { b: rec(2, 300) }, { base: {} })).toEqual({ b: 'stale' })
    expect(local.records('aor')).toEqual({ b: rec(5, 60) })
    expect(remote.records('aor')).toEqual({ b: rec(5, 60) })
  })

  it('a local miss reads the remote region and repairs the local copy', async () => {
    const { local, remote, kv, counters } = await warmRegions()
    remote.put('aor', { b: rec(1, 60) })
    const read = await kv.readMap('aor', { localKeys: ['n'] })
    expect(read.records).toEqual({ b: rec(1, 60) })
    expect(local.commands).toEqual(['MGET', 'SET GET'])
    expect(remote.commands).toEqual(['GET'])
    expect(local.records('aor')).toEqual({ b: rec(1, 60) })
    expect(counters).toMatchObject({ remoteFallbackReads: 1, localRepairs: 1 })
  })

  it('survives a region: a local outage reads everything remotely, a remote one only logs', async () => {
    const { local, remote, kv, counters } = await warmRegions()
    remote.put('aor', { b: rec(1, 60) })
    remote.data.set('n', '7')
    local.down = true
    const read = await kv.readMap('aor', { localKeys: ['n'] })
    expect(read).toMatchObject({ records: { b: rec(1, 60) }, values: [7] })
    expect(remote.commands).toEqual(['MGET'])
    expect(await kv.mergeMap('aor', { c: rec(1, 60) }, { base: read.records })).toEqual({
      c: 'written',
    })
    local.down = false
    remote.down = true
    expect(await kv.mergeMap('aor', { d: rec(1, 60) }, { base: {} })).toEqual({ d: 'written' })
    expect(counters.localWriteFailures).toBe(1)
    expect(counters.remoteWriteFailures).toBe(1)
  })
})

describe('mergeRecords', () => {
  it('gives up after MAX_MERGE_ROUNDS when every round finds a newer value', async () => {
    let n = 0
    const setGet = async () => encodeRecordMap({ [`other${n++}`]: rec(1, 60) })
    await expect(
      mergeRecords(setGet, { b: rec(1, 60) }, { base: {}, nowMs: NOW, lingerSeconds: 180 })
    ).rejects.toBeInstanceOf(MergeContention)
    expect(n).toBe(MAX_MERGE_ROUNDS)
  })
})
