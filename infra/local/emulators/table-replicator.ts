/**
 * @module table-replicator
 * The local model of a multi-Region eventually consistent (MREC) DynamoDB global table: two
 * DynamoDB Local instances, one per region, and this asynchronous replicator between them.
 *
 * - Per item: each written item (a key, not a request) is copied on its own after the lag; the
 *   items of one TransactWriteItems or BatchWriteItem arrive at the other replica one by one, in
 *   no particular order, as MREC replicates them.
 * - Lag: `lagMs` plus up to `jitterMs` (uniform), counted from the item's first unreplicated
 *   write. Repeated writes to a pending item ride with it: the other replica gets the latest.
 * - Last writer wins: every write committed in a replica is stamped with a write time (one
 *   strictly increasing clock for both replicas, so no two writes tie). The copy is taken from
 *   the source when it is due and applied to the destination only if the destination's own
 *   version is older; so concurrent writes to one item converge on the later one everywhere.
 * - Deletes replicate as deletes (the copy finds the item gone), TTL deletions included: each
 *   replica's TTL process ({@link sweepExpired}) deletes items whose `ttl` has passed by the
 *   cloud's clock, stamped and replicated like any other delete.
 * - Cut off (`POST /partition`, or either region down): nothing is copied; the backlog keeps
 *   every item written meanwhile, and it drains when both sides can talk again.
 *
 * A copy whose table is missing in either replica is dropped after a few attempts, logged once
 * per table and counted in the report; other failed copies are retried until they succeed.
 *
 * Conditions are evaluated against the local replica only, which follows from two instances.
 * The replicator reads and writes the instances directly (not through the counting proxies), so
 * its traffic is never counted as a caller's operation.
 *
 * Callers' writes and copies of the same item are serialised per replica and key ({@link
 * lockWrite}, item-locks.ts) so that a write time always belongs to the version it was stamped
 * on. The report's shape is in replication-report.ts, the TTL process in ttl-sweep.ts.
 */
import { peerOf, REGIONS, type Region } from '../../../shared/config/regions'
import type { ReplicaClient } from './dynamo-wire'
import { type ItemKey, ItemLocks, keyString } from './item-locks'
import { type Direction, dir, type ReplicationReport } from './replication-report'
import { sweepExpired } from './ttl-sweep'

export { type ItemKey, keyString } from './item-locks'
export type { Direction, ReplicationReport } from './replication-report'

export interface ReplicatorOptions {
  /** Each region's DynamoDB Local, reached directly (not through the counting proxy). */
  clients: Record<Region, ReplicaClient>
  lagMs: number
  jitterMs: number
  /** The cloud's clock (epoch ms), for TTL expiry. */
  clockNow: () => number
  /** Wall clock for lag and write times (injectable for tests). */
  now?: () => number
  random?: () => number
  /** Copies in flight at once. */
  concurrency?: number
  /** How often the pump looks for due items. */
  tickMs?: number
  /**
   * Attempts to copy an item whose table is missing in either replica before the copy is
   * dropped (default {@link DEFAULT_MISSING_TABLE_ATTEMPTS}). Other failures are retried until
   * they succeed: they are the instance being slow or restarting.
   */
  missingTableAttempts?: number
  log?: (line: string) => void
}

interface Pending {
  /** The item, with the image of its latest write when the write said what it left. */
  item: ItemKey
  /** First unreplicated write. */
  since: number
  dueAt: number
  /** Failed copies of this item so far. */
  attempts?: number
}

const PRUNE_EVERY_MS = 10_000
/** Attempts before a copy into (or out of) a table missing in a replica is dropped. */
export const DEFAULT_MISSING_TABLE_ATTEMPTS = 5

export class TableReplicator {
  lagMs: number
  jitterMs: number
  private partitioned = false
  private readonly down = new Set<Region>()
  private readonly pending: Record<Region, Map<string, Pending>> = { a: new Map(), b: new Map() }
  /** Write time of the version each replica holds, per item (only items written since start). */
  private readonly written: Record<Region, Map<string, number>> = { a: new Map(), b: new Map() }
  private readonly locks = new ItemLocks()
  private readonly inFlight = new Set<string>()
  private lastStamp = 0
  private readonly applied: Record<Direction, number> = { 'a->b': 0, 'b->a': 0 }
  private superseded = 0
  private ttlDeleted = 0
  private errors = 0
  private dropped = 0
  private readonly missingTables = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private readonly now: () => number
  private readonly random: () => number
  private readonly waiters: Array<() => void> = []

  constructor(private readonly opts: ReplicatorOptions) {
    this.lagMs = opts.lagMs
    this.jitterMs = opts.jitterMs
    this.now = opts.now ?? Date.now
    this.random = opts.random ?? Math.random
  }

  start(): void {
    this.timer ??= setInterval(() => this.pump(), this.opts.tickMs ?? 20)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  setPartitioned(on: boolean): void {
    this.partitioned = on
  }

  setRegionUp(region: Region, up: boolean): void {
    if (up) this.down.delete(region)
    else this.down.add(region)
  }

  get isPartitioned(): boolean {
    return this.partitioned
  }

  private get cut(): boolean {
    return this.partitioned || this.down.size > 0
  }

  /** A write time later than every one given so far (ms, fractional when two share a ms). */
  private stamp(): number {
    const t = Math.max(this.now(), this.lastStamp + 0.001)
    this.lastStamp = t
    return t
  }

  /** Locks items of one replica (item-locks.ts); resolves with the function that releases them. */
  lockWrite(region: Region, keys: readonly string[]): Promise<() => void> {
    return this.locks.lock(region, keys)
  }

  /** Records writes committed in `region`'s replica (call while holding their locks). */
  committed(region: Region, items: readonly ItemKey[]): void {
    const now = this.now()
    for (const item of items) {
      const k = keyString(item)
      this.written[region].set(k, this.stamp())
      const p = this.pending[region].get(k)
      // A later write rides with the pending copy: its image (or the lack of one) replaces the
      // earlier write's, so the copy carries the latest version.
      if (p) p.item = item
      else
        this.pending[region].set(k, {
          item,
          since: now,
          dueAt: now + this.lagMs + this.random() * this.jitterMs,
        })
    }
  }

  report(): ReplicationReport {
    const now = this.now()
    const oldest = (r: Region) => {
      let min = Number.POSITIVE_INFINITY
      for (const p of this.pending[r].values()) if (p.since < min) min = p.since
      return Number.isFinite(min) ? Math.max(0, Math.round(now - min)) : 0
    }
    return {
      lagMs: this.lagMs,
      jitterMs: this.jitterMs,
      partitioned: this.partitioned,
      paused: this.down.size > 0,
      pending: { 'a->b': this.pending.a.size, 'b->a': this.pending.b.size },
      oldestAgeMs: { 'a->b': oldest('a'), 'b->a': oldest('b') },
      applied: { ...this.applied },
      superseded: this.superseded,
      ttlDeleted: this.ttlDeleted,
      errors: this.errors,
      dropped: this.dropped,
      missingTables: [...this.missingTables],
    }
  }

  /** Resolves when nothing is pending in either direction (or after `timeoutMs`: false). */
  drained(timeoutMs: number): Promise<boolean> {
    if (this.pending.a.size + this.pending.b.size === 0) return Promise.resolve(true)
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        const i = this.waiters.indexOf(done)
        if (i >= 0) this.waiters.splice(i, 1)
        resolve(false)
      }, timeoutMs)
      const done = () => {
        clearTimeout(t)
        resolve(true)
      }
      this.waiters.push(done)
    })
  }

  private pump(): void {
    if (this.cut) return
    const now = this.now()
    if (now - this.prunedAt > PRUNE_EVERY_MS) this.prune(now)
    const max = this.opts.concurrency ?? 16
    for (const from of REGIONS) {
      for (const [k, p] of this.pending[from]) {
        if (this.inFlight.size >= max) return
        const flightKey = `${from}${k}`
        if (p.dueAt > now || this.inFlight.has(flightKey)) continue
        this.inFlight.add(flightKey)
        void this.copy(from, k, p).finally(() => {
          this.inFlight.delete(flightKey)
          if (this.pending.a.size + this.pending.b.size === 0)
            for (const w of this.waiters.splice(0)) w()
        })
      }
    }
  }

  /**
   * Forgets write times no pending copy can be compared with: every pending copy's write time is
   * at or after its item's first unreplicated write, so an older time would lose to it anyway.
   */
  private prune(now: number): void {
    this.prunedAt = now
    let horizon = now
    for (const r of REGIONS)
      for (const p of this.pending[r].values()) horizon = Math.min(horizon, p.since)
    horizon -= PRUNE_EVERY_MS
    for (const r of REGIONS)
      for (const [k, t] of this.written[r]) if (t < horizon) this.written[r].delete(k)
  }
  private prunedAt = 0

  /** Copies one item from `from` to the other replica, unless the other holds a later write. */
  private async copy(from: Region, k: string, p: Pending): Promise<void> {
    const to = peerOf(from)
    // Both replicas' locks, always region a's first.
    const releaseA = await this.lockWrite('a', [k])
    const releaseB = await this.lockWrite('b', [k])
    try {
      if (this.cut) return
      // The entry may have been replaced (a retry) while this copy waited for the locks.
      if (this.pending[from].get(k) !== p) return
      const stamp = this.written[from].get(k) ?? 0
      const theirs = this.written[to].get(k) ?? Number.NEGATIVE_INFINITY
      if (theirs > stamp) {
        // The destination holds a later write, which travels the other way.
        this.superseded++
      } else {
        const { table, key } = p.item
        // The latest write's image when it said what it left (a put or a delete, under this
        // lock, so nothing wrote the item since); otherwise the source replica's version.
        const item =
          p.item.image !== undefined
            ? p.item.image
            : ((
                await this.opts.clients[from].send('GetItem', {
                  TableName: table,
                  Key: key,
                  ConsistentRead: true,
                })
              ).Item as ItemKey['key'] | undefined)
        if (item) await this.opts.clients[to].send('PutItem', { TableName: table, Item: item })
        else await this.opts.clients[to].send('DeleteItem', { TableName: table, Key: key })
        this.written[to].set(k, stamp)
        this.applied[dir(from)]++
        // The destination's own unreplicated write of this item was older: it is gone.
        if (this.pending[to].delete(k)) this.superseded++
      }
      // Pending until done, so that an empty backlog means both replicas agree.
      this.pending[from].delete(k)
    } catch (err) {
      this.errors++
      this.failed(from, k, p, err)
    } finally {
      releaseB()
      releaseA()
    }
  }

  /**
   * A copy failed. A table missing in either replica (DynamoDB's ResourceNotFoundException)
   * does not appear by retrying: the copy is dropped after `missingTableAttempts`, logged once
   * per table and counted (`dropped`, `missingTables`), so the backlog can drain. Anything else
   * is retried after the lag (at least 100 ms).
   */
  private failed(from: Region, k: string, p: Pending, err: unknown): void {
    const attempts = (p.attempts ?? 0) + 1
    const missing = (err as { name?: string }).name === 'ResourceNotFoundException'
    const max = this.opts.missingTableAttempts ?? DEFAULT_MISSING_TABLE_ATTEMPTS
    if (missing && attempts >= max) {
      this.pending[from].delete(k)
      this.dropped++
      const where = `${p.item.table} (${dir(from)})`
      if (!this.missingTables.has(where)) {
        this.missingTables.add(where)
        this.opts.log?.(
          `table ${p.item.table} is missing in a replica (${String(err)}): copies ${dir(from)} of its items are dropped after ${attempts} attempts; create the table in both regions' instances`
        )
      }
      return
    }
    this.pending[from].set(k, {
      ...p,
      attempts,
      dueAt: this.now() + Math.max(100, this.lagMs),
    })
    if (!missing || attempts === 1)
      this.opts.log?.(`copy ${dir(from)} ${k} failed (attempt ${attempts}): ${String(err)}`)
  }

  /**
   * One replica's TTL process (ttl-sweep.ts): deletes the items of `table` whose `ttl` has
   * passed by the cloud's clock, each stamped and replicated as a delete. Returns how many.
   */
  async sweepExpired(region: Region, table: string): Promise<number> {
    const deleted = await sweepExpired(this.opts.clients[region], table, this.opts.clockNow(), {
      lock: (keys) => this.lockWrite(region, keys),
      committed: (items) => this.committed(region, items),
    })
    this.ttlDeleted += deleted
    return deleted
  }
}
