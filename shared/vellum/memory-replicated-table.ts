/**
 * @module vellum/memory-replicated-table
 * Two in-memory replicas of the global table joined by an asynchronous replicator that behaves
 * as a DynamoDB global table in its default mode (multi-Region eventual consistency, MREC), for
 * unit tests of code that must stay correct under replication lag and partitions
 * (docs/geo-redundancy.md):
 * - each region reads and writes its own replica; conditions are evaluated only there;
 * - every written item is replicated on its own (the items of one transaction are not kept
 *   together), `lagMs` after the write, carrying the item as the source wrote it;
 * - concurrent writes to one item converge last-writer-wins by write time (ties: region `b`
 *   after `a`, so both replicas pick the same winner); a delete replicates as a tombstone;
 * - while partitioned nothing crosses; on heal the backlog is delivered in write order.
 * Replication happens when a test calls {@link ReplicatedMemoryTable.pump} (or `settle`), and
 * also before every call on either replica, so driving the shared clock forward lets it flow.
 */
import type { Clock } from '../config/clock'
import { systemClock } from '../config/clock'
import type { Region } from '../config/regions'
import type {
  GlobalTable,
  Item,
  QueryOptions,
  QueryPage,
  TableKey,
  TransactOp,
  UpdateChanges,
  WriteOptions,
} from './global-table'
import { MemoryGlobalTable, opKey } from './memory-table'

const keyOf = (k: TableKey) => `${k.pk}\u0000${k.sk}`
const other = (r: Region): Region => (r === 'a' ? 'b' : 'a')

/** One replicated write: the item as written (undefined = deleted) and its write time. */
interface Pending {
  from: Region
  key: TableKey
  item: Item | undefined
  writtenMs: number
  seq: number
}

/** LWW stamp: write time, then region, then the writer's sequence. */
interface Stamp {
  ms: number
  region: Region
  seq: number
}

function newer(a: Stamp, b: Stamp | undefined): boolean {
  if (!b) return true
  if (a.ms !== b.ms) return a.ms > b.ms
  if (a.region !== b.region) return a.region > b.region
  return a.seq > b.seq
}

export interface ReplicationReport {
  lagMs: number
  partitioned: boolean
  /** Writes not yet applied to the other replica, per direction. */
  pending: Record<'aToB' | 'bToA', number>
}

export class ReplicatedMemoryTable {
  private readonly stores: Record<Region, MemoryGlobalTable>
  private readonly stamps: Record<Region, Map<string, Stamp>> = { a: new Map(), b: new Map() }
  private readonly queue: Pending[] = []
  private seq = 0
  private partitioned = false
  /** One {@link GlobalTable} per region: its replica. */
  readonly replicas: Record<Region, GlobalTable>

  constructor(
    private readonly clock: Clock = systemClock,
    public lagMs = 500
  ) {
    this.stores = { a: new MemoryGlobalTable(clock), b: new MemoryGlobalTable(clock) }
    this.replicas = { a: this.view('a'), b: this.view('b') }
  }

  /** Cuts replication both ways (the replicas keep serving their own region). */
  partition(): void {
    // What was due before the cut has crossed already.
    this.pump()
    this.partitioned = true
  }

  /** Restores replication; the backlog flows at the next pump once its lag has passed. */
  heal(): void {
    this.partitioned = false
  }

  report(): ReplicationReport {
    return {
      lagMs: this.lagMs,
      partitioned: this.partitioned,
      pending: {
        aToB: this.queue.filter((p) => p.from === 'a').length,
        bToA: this.queue.filter((p) => p.from === 'b').length,
      },
    }
  }

  /** Delivers every write whose lag has passed (nothing while partitioned). */
  pump(): number {
    if (this.partitioned) return 0
    const now = this.clock.now()
    let applied = 0
    for (let i = 0; i < this.queue.length; ) {
      const p = this.queue[i]!
      if (p.writtenMs + this.lagMs > now) {
        i++
        continue
      }
      this.queue.splice(i, 1)
      this.apply(p)
      applied++
    }
    return applied
  }

  /** Delivers the whole backlog now, whatever the lag (not while partitioned). */
  settle(): number {
    if (this.partitioned) return 0
    const n = this.queue.length
    for (const p of this.queue.splice(0)) this.apply(p)
    return n
  }

  /** The raw item in one replica (test helper). */
  raw(region: Region, key: TableKey): Item | undefined {
    return this.stores[region].raw(key)
  }

  private apply(p: Pending): void {
    const to = other(p.from)
    const stamp: Stamp = { ms: p.writtenMs, region: p.from, seq: p.seq }
    const k = keyOf(p.key)
    if (!newer(stamp, this.stamps[to].get(k))) return
    this.stamps[to].set(k, stamp)
    this.stores[to].replicate(p.key, p.item)
  }

  private written(region: Region, keys: TableKey[]): void {
    const ms = this.clock.now()
    for (const key of keys) {
      const seq = ++this.seq
      this.stamps[region].set(keyOf(key), { ms, region, seq })
      this.queue.push({ from: region, key, item: this.stores[region].raw(key), writtenMs: ms, seq })
    }
  }

  private view(region: Region): GlobalTable {
    const store = this.stores[region]
    const before = () => void this.pump()
    return {
      // A strongly consistent read is consistent within the replica only (as in MREC).
      get: async (key: TableKey) => {
        before()
        return store.get(key)
      },
      query: async (opts: QueryOptions): Promise<QueryPage> => {
        before()
        return store.query(opts)
      },
      put: async (item: Item, opts?: WriteOptions) => {
        before()
        const out = await store.put(item, opts)
        this.written(region, [item])
        return out
      },
      delete: async (key: TableKey, opts?: WriteOptions) => {
        before()
        const out = await store.delete(key, opts)
        this.written(region, [key])
        return out
      },
      update: async (key: TableKey, changes: UpdateChanges, opts?: WriteOptions) => {
        before()
        const out = await store.update(key, changes, opts)
        this.written(region, [key])
        return out
      },
      transact: async (ops: TransactOp[]) => {
        before()
        await store.transact(ops)
        this.written(region, ops.filter((op) => !('conditionCheck' in op)).map(opKey))
      },
    }
  }
}
