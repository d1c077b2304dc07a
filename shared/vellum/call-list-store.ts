/**
 * @module vellum/call-list-store
 * Memento's call lists in the global table (clearwater-interfaces §8; Clearwater kept them in
 * Cassandra on Vellum, one cluster across both sites, as the global table is here). One item per
 * fragment, `CALLS#<impu>` / `<start ms>#<call id>#<kind>` (keys.ts, docs/global-table.md), with
 * the list's `ttl`:
 *
 * - writing a fragment is one PutItem, with no read first: a BEGIN, its END and a REJECTED of the
 *   same call are distinct items, merged when the list is read (shared/ims/call-list.ts);
 * - reading a list is a reverse Query of the user's partition, page by page, until the newest
 *   `maxCalls` calls are complete or `maxFragments` items were read;
 * - `trim` deletes fragments of calls beyond `maxCalls` (Memento's `max_call_list_length`).
 *
 * It runs on any {@link GlobalTable}: DynamoDB in production, the in-memory table in unit tests.
 */
import {
  type CallFragment,
  type CallParty,
  FRAGMENT_KINDS,
  type FragmentKind,
} from '../ims/call-list'
import type { GlobalTable, Item, TableKey } from './global-table'
import { ttlFromNow } from './global-table'
import { callListKey, callListPk } from './keys'

export interface CallListReadLimits {
  /** Newest calls to return; all when absent. */
  maxCalls?: number
  /** Most items one read looks at (bounds its cost). */
  maxFragments: number
}

export interface CallListPage {
  fragments: CallFragment[]
  /** Keys of fragments of calls older than the newest `maxCalls` (for {@link CallListStore.trim}). */
  beyond: TableKey[]
}

export interface CallListStore {
  /** Stores one fragment of `impu`'s list, living `ttlS` seconds from `nowMs`. */
  write(impu: string, fragment: CallFragment, nowMs: number, ttlS: number): Promise<void>
  /** The newest fragments of `impu`'s list. */
  read(impu: string, limits: CallListReadLimits): Promise<CallListPage>
  /** Deletes the given fragments (best effort: each delete is independent). */
  trim(keys: readonly TableKey[]): Promise<void>
}

const PAGE = 100

function party(v: unknown): CallParty | undefined {
  if (!v || typeof v !== 'object') return undefined
  const p = v as Record<string, unknown>
  return typeof p.uri === 'string'
    ? { uri: p.uri, name: typeof p.name === 'string' ? p.name : '' }
    : undefined
}

/** The fragment an item holds, or undefined for an item that is not one. */
export function fragmentOfItem(item: Item): CallFragment | undefined {
  const kind = item.kind
  if (typeof kind !== 'string' || !FRAGMENT_KINDS.includes(kind as FragmentKind)) return undefined
  if (typeof item.call_id !== 'string' || typeof item.start_ms !== 'number') return undefined
  const from = party(item.from)
  const to = party(item.to)
  return {
    kind: kind as FragmentKind,
    callId: item.call_id,
    startMs: item.start_ms,
    ...(typeof item.outgoing === 'boolean' ? { outgoing: item.outgoing } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(typeof item.answer_ms === 'number' ? { answerMs: item.answer_ms } : {}),
    ...(typeof item.end_ms === 'number' ? { endMs: item.end_ms } : {}),
  }
}

export function itemOfFragment(impu: string, f: CallFragment, ttl: number): Item {
  return {
    ...callListKey(impu, f.startMs, f.callId, f.kind),
    kind: f.kind,
    call_id: f.callId,
    start_ms: f.startMs,
    ...(f.outgoing !== undefined ? { outgoing: f.outgoing } : {}),
    ...(f.from ? { from: { uri: f.from.uri, name: f.from.name } } : {}),
    ...(f.to ? { to: { uri: f.to.uri, name: f.to.name } } : {}),
    ...(f.answerMs !== undefined ? { answer_ms: f.answerMs } : {}),
    ...(f.endMs !== undefined ? { end_ms: f.endMs } : {}),
    ttl,
  }
}

export class TableCallListStore implements CallListStore {
  constructor(private readonly table: GlobalTable) {}

  async write(impu: string, fragment: CallFragment, nowMs: number, ttlS: number): Promise<void> {
    await this.table.put(itemOfFragment(impu, fragment, ttlFromNow(nowMs, ttlS)))
  }

  async read(impu: string, limits: CallListReadLimits): Promise<CallListPage> {
    const fragments: CallFragment[] = []
    const beyond: TableKey[] = []
    const calls = new Set<string>()
    let cursor: string | undefined
    let seen = 0
    do {
      const page = await this.table.query({
        pk: callListPk(impu),
        reverse: true,
        limit: Math.min(PAGE, limits.maxFragments - seen),
        ...(cursor ? { cursor } : {}),
      })
      seen += page.items.length
      for (const item of page.items) {
        const f = fragmentOfItem(item)
        if (!f) continue
        const call = `${f.startMs}#${f.callId}`
        // Newest first: a call not yet seen once `maxCalls` calls are listed is beyond the list.
        if (limits.maxCalls !== undefined && !calls.has(call) && calls.size >= limits.maxCalls) {
          beyond.push({ pk: item.pk, sk: item.sk })
          continue
        }
        calls.add(call)
        fragments.push(f)
      }
      cursor = page.cursor
    } while (cursor && seen < limits.maxFragments)
    return { fragments, beyond }
  }

  async trim(keys: readonly TableKey[]): Promise<void> {
    await Promise.allSettled(keys.map((k) => this.table.delete(k)))
  }
}
