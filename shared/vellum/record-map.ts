/**
 * @module vellum/record-map
 * A record map: one plain KV value holding named {@link VersionedRecord}s (an AoR's bindings,
 * subscriptions and nonce uses), merged record by record, newest wins by `(cseq, expires, JSON)`
 * ({@link compareRecords}). The merge is a join (commutative, associative, idempotent: a
 * last-writer-wins map, a state-based CRDT), so two regions that received the same writes in any
 * order hold the same records.
 *
 * A write is one `SET key value PX ttl GET` (Redis ≥ 6.2): the writer stores the join of what it
 * read (its base) and its changes, and gets back the value it replaced. When that value holds a
 * record the written one lacks or has older (a concurrent writer, or a base read from the other
 * region), the writer stores the join of both and repeats; every round keeps whatever the
 * replaced value held, so the last value written holds every writer's records. Removal is a
 * tombstone (a record whose expiry has passed, carrying a higher version), never an absence, so
 * a join cannot bring a removed record back. Records, tombstones included, are dropped once
 * their expiry is `lingerSeconds` in the past; the value's TTL is its newest expiry plus the
 * linger, so a map of only expired records disappears by itself.
 */
import {
  compareRecords,
  type RecordMap,
  type SetIfNewerOutcome,
  type VersionedRecord,
} from './regional-kv'

/** The stored shape: tagged so the resync job can tell a record map from any other value. */
export interface StoredRecordMap {
  rm: 1
  r: RecordMap
}

/** Most write rounds one merge makes before it gives up (each round is one `SET … GET`). */
export const MAX_MERGE_ROUNDS = 16

/** Seconds an expired record (tombstone) is kept when the caller names none. */
export const DEFAULT_LINGER_SECONDS = 180

export function isStoredRecordMap(v: unknown): v is StoredRecordMap {
  if (typeof v === 'string') return v.startsWith('{"rm":1')
  return !!v && typeof v === 'object' && (v as { rm?: unknown }).rm === 1
}

/** The records of a stored value (the client may have parsed the JSON already); {} if none. */
export function decodeRecordMap(v: unknown): RecordMap {
  let o = v
  if (typeof o === 'string') {
    try {
      o = JSON.parse(o)
    } catch {
      return {}
    }
  }
  if (!isStoredRecordMap(o) || !o.r || typeof o.r !== 'object') return {}
  const out: RecordMap = {}
  for (const [name, r] of Object.entries(o.r)) {
    if (!r || typeof r !== 'object') continue
    const rec = r as Partial<VersionedRecord>
    if (typeof rec.cseq !== 'number' || typeof rec.expires !== 'number') continue
    out[name] = { cseq: rec.cseq, expires: rec.expires, data: rec.data }
  }
  return out
}

export function encodeRecordMap(records: RecordMap): StoredRecordMap {
  return { rm: 1, r: records }
}

/** Per record, the newer of the two (the join). */
export function joinRecords(a: RecordMap, b: RecordMap): RecordMap {
  const out: RecordMap = { ...a }
  for (const [name, rec] of Object.entries(b)) {
    const cur = out[name]
    if (!cur || compareRecords(rec, cur) > 0) out[name] = rec
  }
  return out
}

/** Drops records whose expiry is more than `lingerSeconds` past. */
export function pruneRecords(m: RecordMap, nowMs: number, lingerSeconds: number): RecordMap {
  const out: RecordMap = {}
  for (const [name, rec] of Object.entries(m))
    if (rec.expires * 1000 + lingerSeconds * 1000 > nowMs) out[name] = rec
  return out
}

/** Records whose expiry has not passed. */
export function liveRecords<T = unknown>(
  m: RecordMap,
  nowMs: number
): Record<string, VersionedRecord<T>> {
  const out: Record<string, VersionedRecord<T>> = {}
  for (const [name, rec] of Object.entries(m))
    if (rec.expires * 1000 > nowMs) out[name] = rec as VersionedRecord<T>
  return out
}

/** The value's TTL (ms, ≥ 1): its newest expiry plus the linger. */
export function recordMapTtlMs(m: RecordMap, nowMs: number, lingerSeconds: number): number {
  let newest = 0
  for (const rec of Object.values(m)) newest = Math.max(newest, rec.expires)
  return Math.max(1, Math.ceil(newest * 1000 + lingerSeconds * 1000 - nowMs))
}

/** True when `written` holds every record of `replaced` at least as new. */
export function covers(written: RecordMap, replaced: RecordMap): boolean {
  for (const [name, rec] of Object.entries(replaced)) {
    const w = written[name]
    if (!w || compareRecords(w, rec) < 0) return false
  }
  return true
}

export interface MergeOptions {
  /** What the writer read (joined with its changes for the first round); {} if nothing. */
  base: RecordMap
  nowMs: number
  lingerSeconds: number
}

/** One `SET key value PX ttl GET` on one database: returns the replaced value (null if none). */
export type SetGet = (value: StoredRecordMap, pxMs: number) => Promise<unknown>

export interface MergeResult {
  outcomes: Record<string, SetIfNewerOutcome>
  /** The last value written. */
  records: RecordMap
  rounds: number
}

/** Thrown when {@link MAX_MERGE_ROUNDS} rounds could not settle the value. */
export class MergeContention extends Error {}

/**
 * Writes `changes` into one database's record map by `SET … GET` rounds (module header).
 * Outcome per change: `written` when it is in the value and nothing at least as new was there
 * before, `same` when an identical record was, `stale` when a newer one was (or came meanwhile).
 */
export async function mergeRecords(
  setGet: SetGet,
  changes: RecordMap,
  o: MergeOptions
): Promise<MergeResult> {
  const prune = (m: RecordMap) => pruneRecords(m, o.nowMs, o.lingerSeconds)
  let value = prune(joinRecords(o.base, changes))
  let before: RecordMap | undefined
  for (let round = 1; round <= MAX_MERGE_ROUNDS; round++) {
    const replaced = prune(
      decodeRecordMap(
        await setGet(encodeRecordMap(value), recordMapTtlMs(value, o.nowMs, o.lingerSeconds))
      )
    )
    before ??= joinRecords(o.base, replaced)
    if (covers(value, replaced)) {
      const outcomes: Record<string, SetIfNewerOutcome> = {}
      for (const [name, rec] of Object.entries(changes)) {
        const kept = value[name]
        const prior = before[name]
        if (kept && compareRecords(kept, rec) > 0) outcomes[name] = 'stale'
        else if (prior && compareRecords(prior, rec) >= 0)
          outcomes[name] = compareRecords(prior, rec) === 0 ? 'same' : 'stale'
        else outcomes[name] = 'written'
      }
      return { outcomes, records: value, rounds: round }
    }
    value = prune(joinRecords(value, replaced))
  }
  throw new MergeContention(`record map did not settle in ${MAX_MERGE_ROUNDS} rounds`)
}
