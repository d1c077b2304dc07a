/**
 * @module vellum/global-table
 * The global table (architecture §4): durable subscriber data, simservs, accounts, shard
 * ownership, timer definitions and pops, CDRs and call lists, in one single-table design whose
 * key formats live in `keys.ts` and docs/global-table.md. Items are plain JSON objects with a
 * `pk` and `sk`; `gsi1pk/gsi1sk` and `gsi2pk/gsi2sk` place them in the two secondary indexes.
 *
 * Three attributes are the table's own:
 * - `version`: stamped by the store on every write (opaque number, unique per write and
 *   increasing for a given item). A write with `{ ifVersion: v }` succeeds only if the item
 *   still has version `v`: optimistic concurrency without locks.
 * - `ttl`: epoch seconds after which the item is dead. DynamoDB deletes expired items lazily
 *   (hours to days), so every read filters them and `ifNotExists` treats them as absent.
 * - `pk`/`sk`: the primary key.
 *
 * Replication between regions is last-writer-wins (DynamoDB global tables); data that needs a
 * conflict-free read-modify-write across regions goes through shard ownership (architecture §5).
 */

/** A JSON-compatible attribute value. */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [k: string]: AttrValue }

export interface TableKey {
  pk: string
  sk: string
}

/** An item: its key plus any JSON attributes. */
export interface Item extends TableKey {
  [attr: string]: AttrValue | undefined
}

/** Attributes the store manages itself. */
export const VERSION_ATTRIBUTE = 'version'
export const TTL_ATTRIBUTE = 'ttl'

/**
 * A write condition:
 * - `ifNotExists`: the key holds no live item (uniqueness; an expired item counts as absent);
 * - `ifExists`: the key holds a live item;
 * - `ifVersion`: the live item has exactly this `version` (optimistic versioning).
 */
export type Condition = { ifNotExists: true } | { ifExists: true } | { ifVersion: number }

export interface WriteOptions {
  condition?: Condition
}

/** Changes for {@link GlobalTable.update}: top-level attribute names only. */
export interface UpdateChanges {
  /** Attributes to set (an `undefined` value is ignored). */
  set?: Record<string, AttrValue | undefined>
  /** Attributes to remove. */
  remove?: string[]
  /** Atomic counters: attribute += n (a missing attribute counts as 0). */
  add?: Record<string, number>
}

export type SkRange =
  | { prefix: string }
  | { between: [string, string] }
  | { gte: string }
  | { lte: string }
  | { gt: string }
  | { lt: string }
  | { eq: string }

export type IndexName = 'gsi1' | 'gsi2'

export interface QueryOptions {
  /** Partition to read: `pk` on the table, `gsi1pk`/`gsi2pk` on an index. */
  pk: string
  /** Query an index instead of the table. */
  index?: IndexName
  /** Sort-key condition (on `sk`, or on `gsi1sk`/`gsi2sk` for an index). */
  sk?: SkRange
  /** Page size (before expired items are dropped). Default 100. */
  limit?: number
  /** Opaque cursor from the previous page. */
  cursor?: string
  /** Descending sort-key order. */
  reverse?: boolean
  /** Strongly consistent read (table only; indexes are eventually consistent). */
  consistent?: boolean
}

export interface QueryPage {
  items: Item[]
  /** Present when there may be more items: pass it back as `cursor`. */
  cursor?: string
}

export type TransactOp =
  | { put: Item; condition?: Condition }
  | { delete: TableKey; condition?: Condition }
  | { conditionCheck: TableKey; condition: Condition }
  | { update: TableKey; changes: UpdateChanges; condition?: Condition }

export interface GlobalTable {
  /** The live item, or undefined (absent or expired). */
  get(key: TableKey, opts?: { consistent?: boolean }): Promise<Item | undefined>
  /**
   * Writes the whole item (replacing any previous one) and returns it with its new `version`.
   * Throws `ConditionFailed` (with `details.current` when known) if the condition does not hold.
   */
  put(item: Item, opts?: WriteOptions): Promise<Item>
  /**
   * Deletes the item; returns the item that was deleted, if any. Deleting an absent item is not
   * an error unless a condition says so.
   */
  delete(key: TableKey, opts?: WriteOptions): Promise<Item | undefined>
  /**
   * Changes some attributes and returns the item after the change. Without a condition it
   * creates the item if absent (like DynamoDB UpdateItem); use `{ ifExists: true }` to refuse.
   */
  update(key: TableKey, changes: UpdateChanges, opts?: WriteOptions): Promise<Item>
  /** One page of a partition, in sort-key order, expired items dropped. */
  query(opts: QueryOptions): Promise<QueryPage>
  /**
   * All-or-nothing writes (up to 100 operations, each on a distinct key). If any condition
   * fails, nothing is written and `ConditionFailed` names the failing operation's index.
   */
  transact(ops: TransactOp[]): Promise<void>
}

/** Epoch seconds, as the `ttl` attribute holds them. */
export function ttlFromNow(nowMs: number, seconds: number): number {
  return Math.floor(nowMs / 1000) + Math.ceil(seconds)
}

/** Whether an item is expired at `nowMs` by its `ttl` attribute. */
export function isExpired(item: Record<string, unknown>, nowMs: number): boolean {
  const ttl = item[TTL_ATTRIBUTE]
  return typeof ttl === 'number' && ttl * 1000 <= nowMs
}

/**
 * A fresh version for a write: unique per write with overwhelming probability and larger than
 * `previous` (when known), so versions increase along an item's history.
 */
export function nextVersion(
  nowMs: number,
  previous?: number,
  random: () => number = Math.random
): number {
  const fresh = Math.floor(nowMs) * 1000 + Math.floor(random() * 1000)
  return previous !== undefined && previous >= fresh ? previous + 1 : fresh
}
