/**
 * @module vellum/kv-dual
 * One region's pair of Upstash databases, its own (local) and the other region's (remote), as
 * the production regional KV uses them (kv-upstash.ts): each call with a deadline and counted
 * as a round trip, the dual write and what a failed half of it means, and the local repairs the
 * reads make (kv-reads.ts).
 *
 * - A write runs on both databases in parallel (one sequential round trip). A remote failure is
 *   logged and counted, never fatal. A local failure is also survived when the remote write
 *   succeeded (reads and the resync repair the local copy later); only when both fail is the
 *   write `Unavailable`.
 * - A write one database missed is hinted, and once both answer again the resync starts by
 *   itself (kv-resync-trigger.ts).
 */
import type { Redis } from '@upstash/redis/cloudflare'
import type { Clock } from '../config/clock'
import type { Logger } from '../log/logger'
import { StoreError, Unavailable } from './errors'
import { leanSetGet } from './kv-lean'
import type { KvResyncTrigger } from './kv-resync-trigger'
import { HSET_IF_NEWER } from './kv-scripts'
import {
  encodeRecord,
  type HashWriteOptions,
  type KvCounters,
  parseRecord,
  type VersionedRecord,
} from './regional-kv'
import type { RoundTrips, StoreKind } from './round-trips'

export type KvSide = 'local' | 'remote'

/** `p`, or a rejection once `ms` pass first; the timer is cleared as soon as `p` settles. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)
    p.then(
      (v) => {
        clearTimeout(t)
        resolve(v)
      },
      (err: unknown) => {
        clearTimeout(t)
        reject(err)
      }
    )
  })
}

export class KvPair {
  constructor(
    readonly local: Redis,
    readonly remote: Redis,
    readonly clock: Clock,
    readonly log: Logger,
    readonly rt: RoundTrips,
    readonly counters: KvCounters,
    readonly resync: KvResyncTrigger,
    /** Deadline of each call to one database (ms). */
    readonly timeoutMs: number
  ) {}

  /** One call to one database, with its deadline, counted as a round trip. */
  call<T>(where: KvSide, op: string, fn: (r: Redis) => Promise<T>): Promise<T> {
    const kind: StoreKind = where === 'local' ? 'kv-local' : 'kv-remote'
    const redis = where === 'local' ? this.local : this.remote
    return this.rt.track(kind, op, () =>
      withTimeout(fn(redis), this.timeoutMs, `${where} KV ${op}`)
    )
  }

  /** Runs a write on both databases; see the module header for what a failure means. */
  async dual<T>(op: string, key: string, fn: (r: Redis) => Promise<T>): Promise<T> {
    const [l, r] = await Promise.allSettled([
      this.call('local', op, fn),
      this.call('remote', op, fn),
    ])
    return this.outcome(op, key, l, r, (reason) =>
      kvError(`${op} ${key} (both regions failed)`, reason)
    )
  }

  /**
   * The result of a write both databases were given: hints or recovery first, then the local
   * result, else the remote one, else `bothFailed` of the local failure.
   */
  async outcome<T>(
    op: string,
    key: string,
    l: PromiseSettledResult<T>,
    r: PromiseSettledResult<T>,
    bothFailed: (reason: unknown) => Error
  ): Promise<T> {
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
    throw bothFailed(l.reason)
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

  /**
   * `SET key value PX … GET` on one database: a record map's compare-and-swap step. Sent lean
   * (kv-lean.ts): the replaced value comes back as its JSON text.
   */
  setGet(where: KvSide, key: string) {
    return (value: unknown, pxMs: number) =>
      this.call(where, 'set-get', (r) => leanSetGet(r, key, JSON.stringify(value), pxMs))
  }

  /** The arguments of {@link HSET_IF_NEWER} for these records. */
  hsetArgs(records: Record<string, VersionedRecord>, opts: HashWriteOptions): (string | number)[] {
    const args: (string | number)[] = [this.clock.now(), opts.graceSeconds ?? 10]
    for (const [field, rec] of Object.entries(records)) {
      if (!Number.isFinite(rec.cseq) || !Number.isFinite(rec.expires))
        throw new StoreError(`record ${field}: cseq and expires must be finite numbers`, 'kv')
      args.push(field, encodeRecord(rec))
    }
    return args
  }

  /** Writes a raw hash's records into the local database where they are newer. */
  async repairHash(key: string, raw: Record<string, unknown>): Promise<void> {
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

  /** Writes a plain value into the local database: `value` with `pttl`, or its deletion. */
  async repairValue(key: string, value: unknown, pttl: number, nx: boolean): Promise<void> {
    try {
      if (value === null || value === undefined || pttl === -2)
        await this.call('local', 'repair-del', (r) => r.del(key))
      else
        await this.call('local', 'repair-value', (r) =>
          r.set(key, value, {
            ...(pttl > 0 ? { px: pttl } : {}),
            ...(nx ? { nx: true as const } : {}),
          } as { px: number; nx: true })
        )
      this.counters.localRepairs++
    } catch (err) {
      this.log.warn('local KV repair failed', { key, error: errText(err) })
    }
  }
}

export function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** A Redis error reply is a caller bug (StoreError); anything else is the region failing. */
export function kvError(op: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err
  const msg = errText(err)
  if (err instanceof Error && err.name === 'UpstashError' && !/timed out|fetch/i.test(msg))
    return new StoreError(`KV ${op}: ${msg}`, 'kv', { cause: err })
  return new Unavailable(`KV ${op}: ${msg}`, 'kv', { cause: err })
}
