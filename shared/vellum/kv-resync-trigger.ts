/**
 * @module vellum/kv-resync-trigger
 * Automatic KV resync (architecture §5, docs/geo-redundancy.md "KV after a region returns"). The
 * dual-writer (kv-upstash.ts) tells this module what happened to each write:
 *
 * - **A write one database missed** (the other took it): a *hint* is recorded in the database
 *   that has the write, in the hash {@link RESYNC_HINTS_KEY} (field = the key, value = the time
 *   of the write), one `EVAL` on the failure path only. When the remote write failed, this
 *   region's own database is also marked *stale* ({@link RESYNC_STALE_KEY}): a region that cannot
 *   reach its peer cannot tell a dead peer from a partition, in which the peer is writing too.
 * - **Recovery**: the first write of this isolate that reaches both databases after a failure
 *   runs a resync, with no operator call. So does a read that finds this region's database
 *   marked stale, and a read that finds the peer holding hints for this database: an isolate's
 *   first read, and its first after {@link ResyncSettings.quietCheckMs} without a read, ask the
 *   peer (one `EXISTS` of its hints, beside the local read). A region that was down had no
 *   requests while it was down (its ingress was gone), so its isolates are new or have been quiet
 *   at least that long when it returns: their first reads find the peer's hints and resync,
 *   before the peer's first write reaches them. The run is part of that one request (a serverless function has no background
 *   once it has answered), so it is small: {@link ResyncSettings.batch} hints per direction,
 *   waited for at most {@link ResyncSettings.runTimeoutMs}, and at most one run per isolate per
 *   {@link ResyncSettings.runIntervalMs}. Whatever a run leaves, the next trigger takes up: the
 *   target stays marked until its source has no hint left, and every read there that sees the
 *   mark is a trigger. Per direction (source → target): the target is
 *   marked stale, the source's hints are replayed into it (kv-resync.ts {@link replayHints}:
 *   guarded records merged newest-wins, tombstones included; plain values copied, or deleted where
 *   the source deleted them, unless the target's own hint is later), and once the source holds no
 *   hint the target's mark is removed.
 * - **Reads while a database is marked stale** (kv-upstash.ts): a record map, found by the same
 *   `MGET` that reads the AoR (no extra command), is joined with the peer's copy and the local
 *   one repaired; a guarded hash likewise; a plain value the peer holds a hint for is taken
 *   from the peer (its value, or its deletion). So a region that comes back serves the peer's
 *   newer bindings, subscriptions and cached profiles, never its own stale ones, while the resync
 *   runs. After a failure the peer is not consulted again for {@link ResyncSettings.retryMs}, so a
 *   region cut off does not pay a failed call on every read.
 *
 * In steady state none of this adds a command: the marker rides in the AoR's `MGET`, hints are
 * written only when a write fails, and the resync runs only after one did.
 */
import type { Redis } from '@upstash/redis/cloudflare'
import type { Clock } from '../config/clock'
import type { Logger } from '../log/logger'
import { replayHints } from './kv-resync'
import { RESYNC_HINT } from './kv-scripts'
import { RoundTrips } from './round-trips'

/** The hash of keys the other region's database missed (field: key, value: write time, ms). */
export const RESYNC_HINTS_KEY = 'kv:resync:hints'
/** Present while this database may lack writes the other region's database holds. */
export const RESYNC_STALE_KEY = 'kv:resync:stale'

export interface ResyncSettings {
  /** How long hints and the stale mark are kept (ms); past it, an operator's full resync. */
  hintsTtlMs: number
  /** After a failed call to the peer, how long reads do not consult it again (ms). */
  retryMs: number
  /** Hints replayed per direction per resync run (the next run continues). */
  batch: number
  /** Longest a run may take (ms); the request that runs it waits no longer. */
  runTimeoutMs: number
  /** Least time between two runs started in one isolate (ms). */
  runIntervalMs: number
  /**
   * An isolate's first read after this long without one (ms, wall clock) asks the peer whether
   * it holds hints for this database; so does its first read ever. An outage shorter than this
   * is caught by the peer's next write or read instead.
   */
  quietCheckMs: number
}

export const DEFAULT_RESYNC_SETTINGS: ResyncSettings = {
  hintsTtlMs: 24 * 3600 * 1000,
  retryMs: 2_000,
  batch: 25,
  runTimeoutMs: 500,
  runIntervalMs: 2_000,
  quietCheckMs: 10_000,
}

/** What one isolate knows about its databases (per pair of clients). */
interface IsolateResync {
  /** When a call to either database last failed, until a resync run started. */
  failedAtMs: number | undefined
  /** When a call to the remote database last failed. */
  remoteFailedAtMs: number | undefined
  /** The local database carried the stale mark at the last read that could see it. */
  localStale: boolean
  /** When the last run in this isolate started. */
  runningSinceMs: number | undefined
  /** Wall-clock time of this isolate's last read (undefined before the first). */
  readAtMs: number | undefined
  /** The last run started in this isolate (awaited only by the request that started it). */
  last: Promise<void> | undefined
  runs: number
}

const states = new WeakMap<object, IsolateResync>()

function stateOf(local: Redis): IsolateResync {
  let s = states.get(local)
  if (!s) {
    s = {
      failedAtMs: undefined,
      remoteFailedAtMs: undefined,
      localStale: false,
      runningSinceMs: undefined,
      readAtMs: undefined,
      last: undefined,
      runs: 0,
    }
    states.set(local, s)
  }
  return s
}

export class KvResyncTrigger {
  private readonly s: IsolateResync

  constructor(
    private readonly local: Redis,
    private readonly remote: Redis,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly settings: ResyncSettings = DEFAULT_RESYNC_SETTINGS,
    /** Wall clock for the quiet check (ms): a test's jump of the shared clock is not quiet. */
    private readonly wallNow: () => number = () => Date.now()
  ) {
    this.s = stateOf(local)
  }

  /**
   * Called at the start of each read: whether it should ask the peer for hints (this isolate's
   * first read, or its first after `quietCheckMs` without one, while the peer is consultable).
   */
  quietCheckDue(): boolean {
    const now = this.wallNow()
    const last = this.s.readAtMs
    this.s.readAtMs = now
    const quiet = last === undefined || now - last >= this.settings.quietCheckMs
    return quiet && !this.s.localStale && this.peerConsultable()
  }

  /** True while the local database is known to be marked stale. */
  get localStale(): boolean {
    return this.s.localStale
  }

  /** Whether a read may consult the peer now (it has not failed within `retryMs`). */
  peerConsultable(): boolean {
    const at = this.s.remoteFailedAtMs
    return at === undefined || this.clock.now() - at >= this.settings.retryMs
  }

  /** A call to the remote database failed (a read or a write). */
  remoteFailed(): void {
    const now = this.clock.now()
    this.s.remoteFailedAtMs = now
    this.s.failedAtMs = now
  }

  /** A call to the local database failed. */
  localFailed(): void {
    this.s.failedAtMs = this.clock.now()
  }

  /**
   * The database `where` missed a write of `key` that the other took: records the hint in the
   * other. When the remote missed it, the local database is marked stale too (module header).
   */
  async missed(where: 'local' | 'remote', key: string): Promise<void> {
    const holder = where === 'remote' ? this.local : this.remote
    const now = this.clock.now()
    try {
      await holder.eval(
        RESYNC_HINT.source,
        [RESYNC_HINTS_KEY, RESYNC_STALE_KEY],
        [key, now, this.settings.hintsTtlMs, where === 'remote' ? '1' : '0']
      )
      if (where === 'remote') this.s.localStale = true
    } catch (err) {
      this.log.warn('KV resync hint not recorded; an operator resync repairs the key', {
        key,
        error: err instanceof Error ? err.message : String(err),
      })
    }
  }

  /** A write reached both databases: if one failed before in this isolate, resync now. */
  async bothReached(): Promise<void> {
    if (this.s.failedAtMs === undefined) return
    this.s.failedAtMs = undefined
    this.s.remoteFailedAtMs = undefined
    await this.start('both databases answer again')
  }

  /**
   * A read saw whether the local database carries the stale mark, or (the quiet check) that the
   * peer holds hints for it; either way, resync now.
   */
  async sawLocalMark(marked: boolean, why = 'the local database is marked stale'): Promise<void> {
    this.s.localStale = marked
    if (marked && this.peerConsultable()) await this.start(why)
  }

  /** The last run this isolate started (for tests). */
  get running(): Promise<void> | undefined {
    return this.s.last
  }

  /** Runs a resync now unless this isolate started one within `runIntervalMs`. */
  async start(why: string): Promise<void> {
    const now = this.clock.now()
    const since = this.s.runningSinceMs
    if (since !== undefined && now - since < this.settings.runIntervalMs) return
    this.s.runningSinceMs = now
    this.s.runs++
    this.log.info('KV resync started', { why })
    const run = within(this.run(), this.settings.runTimeoutMs).catch((err) => {
      this.log.warn('KV resync run left work for the next trigger', {
        error: err instanceof Error ? err.message : String(err),
      })
    })
    this.s.last = run
    await run
  }

  /** Both directions: each source's hints into the other database (module header). */
  async run(): Promise<void> {
    const rt = new RoundTrips()
    const ttl = { px: this.settings.hintsTtlMs }
    for (const [from, to, toName] of [
      [this.local, this.remote, 'remote'],
      [this.remote, this.local, 'local'],
    ] as const) {
      if ((await from.hlen(RESYNC_HINTS_KEY)) > 0) {
        await to.set(RESYNC_STALE_KEY, this.clock.now(), ttl)
        const report = await replayHints(from, to, this.clock, rt, {
          maxKeys: this.settings.batch,
        })
        this.log.info('KV resync replayed hints', { into: toName, ...report })
        // The target stays marked: its readers keep consulting this side, and start the next run.
        if (report.remaining > 0) continue
      }
      await to.del(RESYNC_STALE_KEY)
      if (toName === 'local') this.s.localStale = false
    }
  }
}

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error(`KV resync run took longer than ${ms} ms`)), ms)
    }),
  ]).finally(() => clearTimeout(t))
}
