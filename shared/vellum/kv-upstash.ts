/**
 * @module vellum/kv-upstash
 * The production {@link RegionalKv} on `@upstash/redis`: one database per region, dual-write
 * (architecture §4, Clearwater S4 GR in clearwater-interfaces §9.2).
 *
 * - Writes run on the local and the remote database in parallel (one sequential round trip);
 *   a failed half is hinted and survived (kv-dual.ts).
 * - Reads go local, falling back to the remote database on a miss or an error and repairing the
 *   local copy; while this region's database is marked stale they join the peer's copy
 *   (kv-reads.ts).
 * - Each call has a deadline, so a hung region costs a bounded wait, not the request.
 * - A write one database missed is hinted, and the resync starts by itself once both answer
 *   again, or when a region that was cut off or idle finds the peer holding hints for it
 *   (kv-resync-trigger.ts).
 */
import type { Redis } from '@upstash/redis/cloudflare'
import type { Clock } from '../config/clock'
import type { Logger } from '../log/logger'
import { StoreError, Unavailable } from './errors'
import { KvPair, kvError } from './kv-dual'
import { readHash, readRecordMap, readValue } from './kv-reads'
import { DEFAULT_RESYNC_SETTINGS, KvResyncTrigger, type ResyncSettings } from './kv-resync-trigger'
import { HDEL_IF_CSEQ, HSET_IF_NEWER, INCR_WITH_TTL } from './kv-scripts'
import { DEFAULT_LINGER_SECONDS, MergeContention, mergeRecords } from './record-map'
import type {
  GuardedDeleteOutcome,
  HashWriteOptions,
  KvCounters,
  KvScript,
  RecordMap,
  RecordMapRead,
  RecordMapReadOptions,
  RecordMapWriteOptions,
  RegionalKv,
  SetIfNewerOutcome,
  SetOptions,
  VersionedRecord,
} from './regional-kv'
import type { RoundTrips } from './round-trips'

export { withTimeout } from './kv-dual'

export interface UpstashKvOptions {
  /** Deadline of each call to one database (ms). Default 1500. */
  callTimeoutMs?: number
  /** The automatic resync's limits (kv-resync-trigger.ts); default {@link DEFAULT_RESYNC_SETTINGS}. */
  resync?: ResyncSettings
}

const OUTCOME: Record<number, SetIfNewerOutcome> = { 1: 'written', 0: 'same', [-1]: 'stale' }
const DELETE_OUTCOME: Record<number, GuardedDeleteOutcome> = {
  1: 'deleted',
  0: 'kept',
  [-1]: 'absent',
}

export class UpstashRegionalKv implements RegionalKv {
  private readonly p: KvPair
  /** Hints, recovery and the stale mark (kv-resync-trigger.ts). */
  readonly resync: KvResyncTrigger

  constructor(
    local: Redis,
    remote: Redis,
    private readonly clock: Clock,
    log: Logger,
    rt: RoundTrips,
    counters: KvCounters,
    opts: UpstashKvOptions = {}
  ) {
    this.resync = new KvResyncTrigger(
      local,
      remote,
      clock,
      log,
      opts.resync ?? DEFAULT_RESYNC_SETTINGS
    )
    this.p = new KvPair(
      local,
      remote,
      clock,
      log,
      rt,
      counters,
      this.resync,
      opts.callTimeoutMs ?? 1_500
    )
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
    const args = this.p.hsetArgs(records, opts)
    const codes = await this.p.dual('hset-if-newer', key, (r) =>
      r.eval<(string | number)[], number[]>(HSET_IF_NEWER.source, [key], args)
    )
    return Object.fromEntries(fields.map((f, i) => [f, OUTCOME[Number(codes[i])] ?? 'stale']))
  }

  hgetLive<T = unknown>(key: string): Promise<Record<string, VersionedRecord<T>>> {
    return readHash<T>(this.p, key)
  }

  async hdelIfCseq(
    key: string,
    field: string,
    cseq: number,
    opts: { onlyIfExpired?: boolean } = {}
  ): Promise<GuardedDeleteOutcome> {
    const args = [field, cseq, opts.onlyIfExpired ? '1' : '0', this.clock.now()]
    const code = await this.p.dual('hdel-if-cseq', key, (r) =>
      r.eval<(string | number)[], number>(HDEL_IF_CSEQ.source, [key], args)
    )
    return DELETE_OUTCOME[Number(code)] ?? 'kept'
  }

  readMap(key: string, opts: RecordMapReadOptions = {}): Promise<RecordMapRead> {
    return readRecordMap(this.p, key, opts)
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
      mergeRecords(this.p.setGet('local', key), changes, o),
      mergeRecords(this.p.setGet('remote', key), changes, o),
    ])
    const merged = await this.p.outcome('merge-map', key, l, r, (reason) =>
      reason instanceof MergeContention
        ? new Unavailable(reason.message, 'kv')
        : kvError(`merge-map ${key} (both regions failed)`, reason)
    )
    return merged.outcomes
  }

  get<T = unknown>(key: string): Promise<T | undefined> {
    return readValue<T>(this.p, key)
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
    const res = await this.p.dual('set', key, (r) =>
      r.set(key, value, o as { px: number; nx: true })
    )
    return res !== null
  }

  async del(key: string): Promise<void> {
    await this.p.dual('del', key, (r) => r.del(key))
  }

  async incr(key: string, opts: { ttlSeconds?: number } = {}): Promise<number> {
    const ttl = Math.ceil(opts.ttlSeconds ?? 0)
    const n = await this.p.dual('incr', key, (r) =>
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
      return await this.p.call('local', 'eval', (r) =>
        r.eval<(string | number)[], T>(script.source, keys, args)
      )
    } catch (err) {
      throw kvError('eval', err)
    }
  }
}
