/**
 * @module vellum/memory-table
 * An in-memory {@link GlobalTable} with the production adapter's semantics (the same contract
 * suite runs against both): versions stamped per write, conditions, TTL honoured on read,
 * sort-key ranges and cursors on the table and both indexes, all-or-nothing transactions.
 * For unit tests of modules that use the table; one process, no replication.
 */
import type { Clock } from '../config/clock'
import { systemClock } from '../config/clock'
import { ConditionFailed, StoreError } from './errors'
import {
  type Condition,
  type GlobalTable,
  type IndexName,
  type Item,
  isExpired,
  nextVersion,
  type QueryOptions,
  type QueryPage,
  type SkRange,
  type TableKey,
  type TransactOp,
  type UpdateChanges,
  VERSION_ATTRIBUTE,
  type WriteOptions,
} from './global-table'

const keyOf = (k: TableKey) => `${k.pk}\u0000${k.sk}`
const clone = <T>(v: T): T => structuredClone(v)

export function conditionHolds(live: Item | undefined, cond: Condition | undefined): boolean {
  if (!cond) return true
  if ('ifNotExists' in cond) return live === undefined
  if ('ifExists' in cond) return live !== undefined
  return live !== undefined && live[VERSION_ATTRIBUTE] === cond.ifVersion
}

export function skMatches(value: unknown, range: SkRange | undefined): boolean {
  if (!range) return true
  if (typeof value !== 'string') return false
  if ('prefix' in range) return value.startsWith(range.prefix)
  if ('between' in range) return value >= range.between[0] && value <= range.between[1]
  if ('gte' in range) return value >= range.gte
  if ('lte' in range) return value <= range.lte
  if ('gt' in range) return value > range.gt
  if ('lt' in range) return value < range.lt
  return value === range.eq
}

export function applyChanges(base: Item, changes: UpdateChanges, version: number): Item {
  const out: Item = clone(base)
  for (const [k, v] of Object.entries(changes.set ?? {})) if (v !== undefined) out[k] = clone(v)
  for (const k of changes.remove ?? []) delete out[k]
  for (const [k, n] of Object.entries(changes.add ?? {})) {
    const cur = out[k]
    out[k] = (typeof cur === 'number' ? cur : 0) + n
  }
  out[VERSION_ATTRIBUTE] = version
  return out
}

export function validateChanges(key: TableKey, changes: UpdateChanges): void {
  const touched = [
    ...Object.keys(changes.set ?? {}),
    ...(changes.remove ?? []),
    ...Object.keys(changes.add ?? {}),
  ]
  for (const k of touched) {
    if (k === 'pk' || k === 'sk' || k === VERSION_ATTRIBUTE)
      throw new StoreError(`update of ${key.pk}/${key.sk} may not change ${k}`, 'table')
  }
}

export class MemoryGlobalTable implements GlobalTable {
  private readonly items = new Map<string, Item>()

  constructor(private readonly clock: Clock = systemClock) {}

  private live(key: TableKey): Item | undefined {
    const it = this.items.get(keyOf(key))
    return it && !isExpired(it, this.clock.now()) ? it : undefined
  }

  private check(key: TableKey, cond: Condition | undefined, index?: number): Item | undefined {
    const live = this.live(key)
    if (!conditionHolds(live, cond)) {
      throw new ConditionFailed(
        `condition ${JSON.stringify(cond)} failed on ${key.pk}/${key.sk}`,
        'table',
        { current: live ? clone(live) : undefined, index }
      )
    }
    return live
  }

  async get(key: TableKey): Promise<Item | undefined> {
    const it = this.live(key)
    return it ? clone(it) : undefined
  }

  async put(item: Item, opts: WriteOptions = {}): Promise<Item> {
    const live = this.check(item, opts.condition)
    const stored = this.stamp(item, live)
    return clone(stored)
  }

  private stamp(item: Item, live: Item | undefined): Item {
    const prev = live?.[VERSION_ATTRIBUTE]
    const stored: Item = {
      ...clone(item),
      [VERSION_ATTRIBUTE]: nextVersion(
        this.clock.now(),
        typeof prev === 'number' ? prev : undefined
      ),
    }
    this.items.set(keyOf(item), stored)
    return stored
  }

  async delete(key: TableKey, opts: WriteOptions = {}): Promise<Item | undefined> {
    const live = this.check(key, opts.condition)
    this.items.delete(keyOf(key))
    return live ? clone(live) : undefined
  }

  async update(key: TableKey, changes: UpdateChanges, opts: WriteOptions = {}): Promise<Item> {
    validateChanges(key, changes)
    const live = this.check(key, opts.condition)
    const prev = live?.[VERSION_ATTRIBUTE]
    const next = applyChanges(
      live ?? { pk: key.pk, sk: key.sk },
      changes,
      nextVersion(this.clock.now(), typeof prev === 'number' ? prev : undefined)
    )
    this.items.set(keyOf(key), next)
    return clone(next)
  }

  async query(opts: QueryOptions): Promise<QueryPage> {
    const [pkAttr, skAttr] = attrsFor(opts.index)
    const now = this.clock.now()
    const order = (it: Item) => [String(it[skAttr]), it.pk, it.sk] as const
    const cmp = (a: readonly string[], b: readonly string[]) => {
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1
      return 0
    }
    let all = [...this.items.values()]
      .filter((it) => it[pkAttr] === opts.pk && typeof it[skAttr] === 'string')
      .filter((it) => skMatches(it[skAttr], opts.sk))
      .sort((a, b) => cmp(order(a), order(b)))
    if (opts.reverse) all = all.reverse()
    if (opts.cursor) {
      const after = decodeMemoryCursor(opts.cursor)
      all = all.filter((it) => (opts.reverse ? -1 : 1) * cmp(order(it), after) > 0)
    }
    const limit = opts.limit ?? 100
    const page = all.slice(0, limit)
    const last = page[page.length - 1]
    const items = page.filter((it) => !isExpired(it, now)).map(clone)
    return all.length > limit && last
      ? { items, cursor: encodeMemoryCursor(order(last)) }
      : { items }
  }

  async transact(ops: TransactOp[]): Promise<void> {
    if (ops.length === 0) return
    if (ops.length > 100)
      throw new StoreError('a transaction holds at most 100 operations', 'table')
    const seen = new Set<string>()
    ops.forEach((op) => {
      const k = keyOf(opKey(op))
      if (seen.has(k)) throw new StoreError(`transaction touches ${k} twice`, 'table')
      seen.add(k)
    })
    const lives = ops.map((op, i) => this.check(opKey(op), op.condition, i))
    ops.forEach((op, i) => {
      const live = lives[i]
      if ('put' in op) this.stamp(op.put, live)
      else if ('delete' in op) this.items.delete(keyOf(op.delete))
      else if ('update' in op) {
        validateChanges(op.update, op.changes)
        const prev = live?.[VERSION_ATTRIBUTE]
        this.items.set(
          keyOf(op.update),
          applyChanges(
            live ?? { pk: op.update.pk, sk: op.update.sk },
            op.changes,
            nextVersion(this.clock.now(), typeof prev === 'number' ? prev : undefined)
          )
        )
      }
    })
  }

  /**
   * Replication hook (memory-replicated-table.ts): stores `item` exactly as another replica wrote
   * it, version included, or removes the key when `item` is undefined. No condition, no stamp.
   */
  replicate(key: TableKey, item: Item | undefined): void {
    if (item) this.items.set(keyOf(key), clone(item))
    else this.items.delete(keyOf(key))
  }

  /** Test helper: the raw stored item, expired or not. */
  raw(key: TableKey): Item | undefined {
    const it = this.items.get(keyOf(key))
    return it ? clone(it) : undefined
  }
}

export function opKey(op: TransactOp): TableKey {
  if ('put' in op) return op.put
  if ('delete' in op) return op.delete
  if ('update' in op) return op.update
  return op.conditionCheck
}

export function attrsFor(index: IndexName | undefined): [string, string] {
  return index ? [`${index}pk`, `${index}sk`] : ['pk', 'sk']
}

function encodeMemoryCursor(v: readonly string[]): string {
  return btoa(unescape(encodeURIComponent(JSON.stringify(v))))
}

function decodeMemoryCursor(c: string): string[] {
  try {
    const v = JSON.parse(decodeURIComponent(escape(atob(c)))) as unknown
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[]
  } catch {
    // fall through
  }
  throw new StoreError('query cursor is not one this table issued', 'table')
}
