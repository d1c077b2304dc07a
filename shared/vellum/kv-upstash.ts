/**
 * @module vellum/kv-upstash
 * The production {@link RegionalKv} on `@upstash/redis`: one database per region, dual-write
 * (architecture §4, Clearwater S4 GR in clearwater-interfaces §9.2).
 *
 * - Writes run on the local and the remote database in parallel (one sequential round trip).
 *   A remote failure is logged and counted, never fatal. A local failure is also survived when
 *   the remote write succeeded (the read path and the resync job repair the local copy later);
 *   only when both fail is the write `Unavailable`.
 * - Reads go local; on a miss or an error they go to the remote database and, when it has the
 *   data, repair the local copy with the same commuting write (guarded script, or SET NX with
 *   the remaining TTL), so a repair can never overwrite something newer.
 * - Each call has a deadline, so a hung region costs a bounded wait, not the request.
 * - A write one database missed is hinted, and the resync starts by itself once both answer
 *   again; while this region's database is marked stale, reads consult the peer
 *   (kv-resync-trigger.ts).
 */
import type { Redis } from '@upstash/redis/cloudflare'
import type { Clock } from '../config/clock'
import type { Logger } from '../log/logger'
import { StoreError, Unavailable } from './errors'
import { KvResyncTrigger, RESYNC_HINTS_KEY, RESYNC_STALE_KEY } from './kv-resync-trigger'
import { HDEL_IF_CSEQ, HSET_IF_NEWER, INCR_WITH_TTL } from './kv-scripts'
import {
  covers,
  DEFAULT_LINGER_SECONDS,
  decodeRecordMap,
  joinRecords,
  MergeContention,
  mergeRecords,
  pruneRecords,
} from './record-map'
import {
  compareRecords,
  encodeRecord,
  type GuardedDeleteOutcome,
  type HashWriteOptions,
  type KvCounters,
  type KvScript,
  parseRecord,
  type RecordMap,
  type RecordMapRead,
  type RecordMapReadOptions,
  type RecordMapWriteOptions,
  type RegionalKv,
  type SetIfNewerOutcome,
  type SetOptions,
  type VersionedRecord,
} from './regional-kv'
import type { RoundTrips, StoreKind } from './round-trips'

export interface UpstashKvOptions {
  /** Deadline of each call to one database (ms). Default 1500. */
  callTimeoutMs?: number
}

const OUTCOME: Record<number, SetIfNewerOutcome> = { 1: 'written', 0: 'same', [-1]: 'stale' }
const DELETE_OUTCOME: Record<number, GuardedDeleteOutcome> = {
  1: 'deleted',
  0: 'kept',
  [-1]: 'absent',
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)
    }),
  ]).finally(() => clearTimeout(t))
}

export class UpstashRegionalKv implements RegionalKv {
  private readonly timeoutMs: number
  /** Hints, recovery and the stale mark (kv-resync-trigger.ts). */
  readonly resync: KvResyncTrigger

  constructor(
    private readonly local: Redis,
    private readonly remote: Redis,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly rt: RoundTrips,
    private readonly counters: KvCounters,
    opts: UpstashKvOptions = {}
  ) {
    this.timeoutMs = opts.callTimeoutMs ?? 1_500
    this.resync = new KvResyncTrigger(local, remote, clock, log)
  }

  /** After a dual write: hints for the database that missed it, or recovery (module header). */
  private async settled(
    key: string,
    l: PromiseSettledResult<unknown>,
    r: PromiseSettledResult<unknown>
  ): Promise<void> {
    if (l.status === 'fulfilled' && r.status === 'fulfilled') return await this.resync.bothReached()
    if (r.status === 'rejected') this.resync.remoteFailed()
    if (l.status === 'rejected') this.resync.localFailed()
    if (l.status === 'fulfilled') await this.resync.missed('remote', key)
    else if (r.status === 'fulfilled') await this.resync.missed('local', key)
  }

  private call<T>(where: 'local' | 'remote', op: string, fn: (r: Redis) => Promise<T>): Promise<T> {
    const kind: StoreKind = where === 'local' ? 'kv-local' : 'kv-remote'
    const redis = where === 'local' ? this.local : this.remote
    return this.rt.track(kind, op, () =>
      withTimeout(fn(redis), this.timeoutMs, `${where} KV ${op}`)
    )
  }

  /** Runs a write on both databases; see the module header for what a failure means. */
  private async dual<T>(op: string, key: string, fn: (r: Redis) => Promise<T>): Promise<T> {
    const [l, r] = await Promise.allSettled([
      this.call('local', op, fn),
      this.call('remote', op, fn),
    ])
    await this.settled(key, l, r)
    if (r.status === 'rejected') {
      this.counters.remoteWriteFailures++
      this.log.warn('remote KV write failed; the resync job repairs it', {
        op,
        key,
        error: errText(r.reason),
      })
    }
    if (l.status === 'fulfilled') return l.value
    this.counters.localWriteFailures++
    this.log.warn('local KV write failed', { op, key, error: errText(l.reason) })
    if (r.status === 'fulfilled') return r.value
    throw kvError(`${op} ${key} (both regions failed)`, l.reason)
  }

  private hsetArgs(
    records: Record<string, VersionedRecord>,
    opts: HashWriteOptions
  ): (string | number)[] {
    const args: (string | number)[] = [this.clock.now(), opts.graceSeconds ?? 10]
    for (const [field, rec] of Object.entries(records)) {
      if (!Number.isFinite(rec.cseq) || !Number.isFinite(rec.expires))
        throw new StoreError(`record ${field}: cseq and expires must be finite numbers`, 'kv')
      args.push(field, encodeRecord(rec))
    }
    return args
  }

  async hsetIfNewer(
    key: string,
    field: string,
    record: VersionedRecord,
    opts: HashWriteOptions = {}
  ): Promise<SetIfNewerOutcome> {
    return (await this.hsetManyIfNewer(key, { [field]: record }, opts))[field]!
  }

  async hsetManyIfNewer(
    key: string,
    records: Record<string, VersionedRecord>,
    opts: HashWriteOptions = {}
  ): Promise<Record<string, SetIfNewerOutcome>> {
    const fields = Object.keys(records)
    if (fields.length === 0) return {}
    const args = this.hsetArgs(records, opts)
    const codes = await this.dual('hset-if-newer', key, (r) =>
      r.eval<(string | number)[], number[]>(HSET_IF_NEWER.source, [key], args)
    )
    return Object.fromEntries(fields.map((f, i) => [f, OUTCOME[Number(codes[i])] ?? 'stale']))
  }

  async hgetLive<T = unknown>(key: string): Promise<Record<string, VersionedRecord<T>>> {
    let raw: Record<string, unknown> | null = null
    // HGETALL of a missing key answers null: a clean miss, not a failure.
    let localOk = false
    try {
      raw = await this.call('local', 'hgetall', (r) => r.hgetall<Record<string, unknown>>(key))
      localOk = true
    } catch (err) {
      this.counters.localReadFailures++
      this.log.warn('local KV read failed; reading the remote region', { key, error: errText(err) })
    }
    let live = this.liveRecords<T>(raw)
    // While this region's database is marked stale, the peer's records are joined in.
    const consultPeer = localOk && this.resync.localStale && this.resync.peerConsultable()
    if (Object.keys(live).length > 0 && !consultPeer) return live
    let remote: Record<string, unknown> | null
    try {
      remote = await this.call('remote', 'hgetall', (r) => r.hgetall<Record<string, unknown>>(key))
      this.counters.remoteFallbackReads++
    } catch (err) {
      this.resync.remoteFailed()
      if (localOk) return live // a clean local miss; the remote is just unreachable
      throw new Unavailable(`KV hgetall ${key}: both regions failed`, 'kv', { cause: err })
    }
    if (consultPeer) {
      const joined = joinFields(raw ?? {}, remote ?? {})
      if (joined.changed) await this.repairHash(key, remote ?? {})
      return this.liveRecords<T>(joined.fields)
    }
    live = this.liveRecords<T>(remote)
    if (Object.keys(live).length > 0) await this.repairHash(key, remote ?? {})
    return live
  }

  private liveRecords<T>(raw: Record<string, unknown> | null): Record<string, VersionedRecord<T>> {
    const out: Record<string, VersionedRecord<T>> = {}
    if (!raw) return out
    const nowS = this.clock.now() / 1000
    for (const [field, v] of Object.entries(raw)) {
      const rec = parseRecord(v)
      if (rec && rec.expires > nowS) out[field] = rec as VersionedRecord<T>
    }
    return out
  }

  private async repairHash(key: string, raw: Record<string, unknown>): Promise<void> {
    const records: Record<string, VersionedRecord> = {}
    for (const [field, v] of Object.entries(raw)) {
      const rec = parseRecord(v)
      if (rec) records[field] = rec
    }
    try {
      await this.call('local', 'repair-hash', (r) =>
        r.eval(HSET_IF_NEWER.source, [key], this.hsetArgs(records, {}))
      )
      this.counters.localRepairs++
    } catch (err) {
      this.log.warn('local KV repair failed', { key, error: errText(err) })
    }
  }

  async hdelIfCseq(
    key: string,
    field: string,
    cseq: number,
    opts: { onlyIfExpired?: boolean } = {}
  ): Promise<GuardedDeleteOutcome> {
    const args = [field, cseq, opts.onlyIfExpired ? '1' : '0', this.clock.now()]
    const code = await this.dual('hdel-if-cseq', key, (r) =>
      r.eval<(string | number)[], number>(HDEL_IF_CSEQ.source, [key], args)
    )
    return DELETE_OUTCOME[Number(code)] ?? 'kept'
  }

  async readMap(key: string, opts: RecordMapReadOptions = {}): Promise<RecordMapRead> {
    const linger = opts.lingerSeconds ?? DEFAULT_LINGER_SECONDS
    const extra = opts.localKeys ?? []
    // The stale mark rides in the same MGET (kv-resync-trigger.ts): no extra command.
    const keys = [key, ...extra, RESYNC_STALE_KEY]
    const mget = (where: 'local' | 'remote') =>
      this.call(where, 'mget', (r) => r.mget<unknown[]>(...keys))
    let got: unknown[] | undefined
    try {
      got = await mget('local')
    } catch (err) {
      this.counters.localReadFailures++
      this.resync.localFailed()
      this.log.warn('local KV read failed; reading the remote region', { key, error: errText(err) })
    }
    const values = (v: unknown[]) =>
      v.slice(1, 1 + extra.length).map((x) => (x === null ? undefined : x))
    const now = this.clock.now()
    let local: RecordMap = {}
    let consultPeer = false
    if (got) {
      local = pruneRecords(decodeRecordMap(got[0]), now, linger)
      const mark = got[keys.length - 1]
      const marked = mark !== null && mark !== undefined
      await this.resync.sawLocalMark(marked)
      // This read's copy was taken under the mark: joined with the peer's even if the run that
      // the mark started has repaired the database since.
      consultPeer = marked && this.resync.peerConsultable()
      if (Object.keys(local).length > 0 && !consultPeer)
        return { records: local, values: values(got), nowMs: now }
    }
    // A miss, a failed local region, or a local copy marked stale: the remote region's copy,
    // joined with the local one, which it repairs.
    let remote: unknown[]
    try {
      remote = got
        ? [await this.call('remote', 'get', (r) => r.get<unknown>(key))]
        : await mget('remote')
      this.counters.remoteFallbackReads++
    } catch (err) {
      this.resync.remoteFailed()
      if (got) return { records: local, values: values(got), nowMs: now }
      throw new Unavailable(`KV get ${key}: both regions failed`, 'kv', { cause: err })
    }
    const theirs = pruneRecords(decodeRecordMap(remote[0]), now, linger)
    if (got && !covers(local, theirs)) {
      try {
        await mergeRecords(this.setGet('local', key), theirs, {
          base: local,
          nowMs: now,
          lingerSeconds: linger,
        })
        this.counters.localRepairs++
      } catch (err) {
        this.log.warn('local KV repair failed', { key, error: errText(err) })
      }
    }
    return { records: joinRecords(local, theirs), values: values(got ?? remote), nowMs: now }
  }

  private setGet(where: 'local' | 'remote', key: string) {
    return (value: unknown, pxMs: number) =>
      this.call(where, 'set-get', (r) => r.set(key, value, { px: pxMs, get: true }))
  }

  async mergeMap(
    key: string,
    changes: RecordMap,
    opts: RecordMapWriteOptions
  ): Promise<Record<string, SetIfNewerOutcome>> {
    for (const [name, rec] of Object.entries(changes))
      if (!Number.isFinite(rec.cseq) || !Number.isFinite(rec.expires))
        throw new StoreError(`record ${name}: cseq and expires must be finite numbers`, 'kv')
    if (Object.keys(changes).length === 0) return {}
    const o = {
      base: opts.base,
      nowMs: this.clock.now(),
      lingerSeconds: opts.lingerSeconds ?? DEFAULT_LINGER_SECONDS,
    }
    const [l, r] = await Promise.allSettled([
      mergeRecords(this.setGet('local', key), changes, o),
      mergeRecords(this.setGet('remote', key), changes, o),
    ])
    await this.settled(key, l, r)
    if (r.status === 'rejected') {
      this.counters.remoteWriteFailures++
      this.log.warn('remote KV write failed; the resync job repairs it', {
        op: 'merge-map',
        key,
        error: errText(r.reason),
      })
    }
    if (l.status === 'fulfilled') return l.value.outcomes
    this.counters.localWriteFailures++
    this.log.warn('local KV write failed', { op: 'merge-map', key, error: errText(l.reason) })
    if (r.status === 'fulfilled') return r.value.outcomes
    if (l.reason instanceof MergeContention) throw new Unavailable(l.reason.message, 'kv')
    throw kvError(`merge-map ${key} (both regions failed)`, l.reason)
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    if (this.resync.localStale && this.resync.peerConsultable()) {
      const peer = await this.peerHinted<T>(key)
      if (peer) return peer.value
    }
    let localOk = false
    try {
      const v = await this.call('local', 'get', (r) => r.get<T>(key))
      localOk = true
      if (v !== null && v !== undefined) return v
    } catch (err) {
      this.counters.localReadFailures++
      this.log.warn('local KV read failed; reading the remote region', { key, error: errText(err) })
    }
    let value: unknown
    let pttl: number
    try {
      ;[value, pttl] = await this.call('remote', 'get+pttl', (r) =>
        r.pipeline().get(key).pttl(key).exec<[unknown, number]>()
      )
      this.counters.remoteFallbackReads++
    } catch (err) {
      if (localOk) return undefined
      throw new Unavailable(`KV get ${key}: both regions failed`, 'kv', { cause: err })
    }
    if (value === null || value === undefined) return undefined
    if (pttl !== -2) {
      try {
        await this.call('local', 'repair-value', (r) =>
          r.set(key, value, pttl > 0 ? { px: pttl, nx: true } : { nx: true })
        )
        this.counters.localRepairs++
      } catch (err) {
        this.log.warn('local KV repair failed', { key, error: errText(err) })
      }
    }
    return value as T
  }

  /**
   * While this region's database is marked stale: when the peer holds a hint for `key` (it took
   * a write of the key this database missed), the peer's state of the key (its value, or its
   * absence), which also repairs the local copy; undefined when the local copy stands.
   */
  private async peerHinted<T>(key: string): Promise<{ value: T | undefined } | undefined> {
    let value: unknown
    let pttl: number
    let hint: unknown
    try {
      ;[value, pttl, hint] = await this.call('remote', 'get+pttl+hint', (r) =>
        r
          .pipeline()
          .get(key)
          .pttl(key)
          .hget(RESYNC_HINTS_KEY, key)
          .exec<[unknown, number, unknown]>()
      )
    } catch {
      this.resync.remoteFailed()
      return undefined
    }
    if (hint === null || hint === undefined) return undefined
    this.counters.remoteFallbackReads++
    try {
      if (value === null || value === undefined || pttl === -2)
        await this.call('local', 'repair-del', (r) => r.del(key))
      else
        await this.call('local', 'repair-value', (r) =>
          r.set(key, value, pttl > 0 ? { px: pttl } : undefined)
        )
      this.counters.localRepairs++
    } catch (err) {
      this.log.warn('local KV repair failed', { key, error: errText(err) })
    }
    return { value: value === null || value === undefined ? undefined : (value as T) }
  }

  async set(key: string, value: unknown, opts: SetOptions = {}): Promise<boolean> {
    if (value === undefined) throw new StoreError(`KV set ${key}: value is undefined`, 'kv')
    const ttl = opts.ttlSeconds
    if (ttl !== undefined && !(ttl > 0))
      throw new StoreError(`KV set ${key}: ttlSeconds must be > 0`, 'kv')
    const o = {
      ...(ttl !== undefined ? { px: Math.ceil(ttl * 1000) } : {}),
      ...(opts.nx ? { nx: true as const } : {}),
    }
    const res = await this.dual('set', key, (r) => r.set(key, value, o as { px: number; nx: true }))
    return res !== null
  }

  async del(key: string): Promise<void> {
    await this.dual('del', key, (r) => r.del(key))
  }

  async incr(key: string, opts: { ttlSeconds?: number } = {}): Promise<number> {
    const ttl = Math.ceil(opts.ttlSeconds ?? 0)
    const n = await this.dual('incr', key, (r) =>
      r.eval<(string | number)[], number>(INCR_WITH_TTL.source, [key], [ttl])
    )
    return Number(n)
  }

  async evalLocal<T = unknown>(
    script: KvScript,
    keys: string[],
    args: (string | number)[]
  ): Promise<T> {
    try {
      return await this.call('local', 'eval', (r) =>
        r.eval<(string | number)[], T>(script.source, keys, args)
      )
    } catch (err) {
      throw kvError('eval', err)
    }
  }
}

/** Per field, the newer of two raw hashes' records; `changed` when the second had a newer one. */
function joinFields(
  mine: Record<string, unknown>,
  theirs: Record<string, unknown>
): { fields: Record<string, VersionedRecord>; changed: boolean } {
  const fields: Record<string, VersionedRecord> = {}
  for (const [f, v] of Object.entries(mine)) {
    const rec = parseRecord(v)
    if (rec) fields[f] = rec
  }
  let changed = false
  for (const [f, v] of Object.entries(theirs)) {
    const rec = parseRecord(v)
    const cur = fields[f]
    if (rec && (!cur || compareRecords(rec, cur) > 0)) {
      fields[f] = rec
      changed = true
    }
  }
  return { fields, changed }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** A Redis error reply is a caller bug (StoreError); anything else is the region failing. */
function kvError(op: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err
  const msg = errText(err)
  if (err instanceof Error && err.name === 'UpstashError' && !/timed out|fetch/i.test(msg))
    return new StoreError(`KV ${op}: ${msg}`, 'kv', { cause: err })
  return new Unavailable(`KV ${op}: ${msg}`, 'kv', { cause: err })
}
