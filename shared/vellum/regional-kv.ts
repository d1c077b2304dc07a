/**
 * @module vellum/regional-kv
 * The regional KV (architecture §4): registration bindings, subscriptions, auth challenges,
 * transaction records and caches, in one Redis database per region. The production adapter
 * (kv-upstash.ts) writes each change to both regions' databases (a remote failure is logged
 * and counted, never fatal) and reads locally, falling back to the remote database on a miss or
 * an error and repairing the local copy (Clearwater S4 GR, clearwater-interfaces §9.2).
 *
 * Dual writes must commute, so versioned state is merged record by record, never overwritten
 * whole: each record is a {@link VersionedRecord}, and every write keeps whichever record is
 * newer by `(cseq, expires)`. Applying the same two writes in either order, in either region,
 * leaves the same records. Removal is a write of a record whose `expires` has passed (a
 * tombstone that still carries its version), so a delayed older write cannot resurrect it;
 * reads hide such records. Two shapes hold them: a guarded hash (one field per record, each
 * change a script) and a record map (all records in one value, each change one `SET … GET`
 * per region, record-map.ts), which the registrar's AoRs use.
 *
 * Everything ephemeral has a TTL: hash keys live until their newest record's expiry plus a
 * grace period; plain values take `ttlSeconds`.
 */

/** One field of a guarded hash: a binding, a subscription… */
export interface VersionedRecord<T = unknown> {
  /**
   * Order of writes to this field. The registrar uses the REGISTER's CSeq (RFC 3261 §10.3: a
   * binding changes only on a higher CSeq within its Call-ID); any monotone sequence works.
   */
  cseq: number
  /** Absolute expiry, epoch seconds (as Clearwater stores `expires`). ≤ now means removed. */
  expires: number
  data: T
}

/** Result of a guarded write, per field: applied, ignored because older, or identical. */
export type SetIfNewerOutcome = 'written' | 'stale' | 'same'

/** Result of a guarded delete: removed, left because it changed (or is live), or not there. */
export type GuardedDeleteOutcome = 'deleted' | 'kept' | 'absent'

export interface HashWriteOptions {
  /** Seconds the hash key outlives its newest record (Clearwater: expiry + 10 s). Default 10. */
  graceSeconds?: number
}

export interface SetOptions {
  /** Time to live in seconds. Omit only for values that are truly not ephemeral. */
  ttlSeconds?: number
  /** Only if the key does not exist (returns false when it did). */
  nx?: boolean
}

/** Named records held in one value (record-map.ts). */
export type RecordMap = Record<string, VersionedRecord>

export interface RecordMapReadOptions {
  /**
   * Plain values read in the same command as the map (one `MGET`), from the local region, or
   * from the remote one when the local region fails. No repair, no fallback on a miss.
   */
  localKeys?: string[]
  /** Seconds an expired record is kept (record-map.ts). Default 180. */
  lingerSeconds?: number
}

export interface RecordMapRead {
  /** Every record, tombstones and expired ones included (until their linger ends). */
  records: RecordMap
  /** The values of `localKeys`, in order (undefined when missing). */
  values: unknown[]
  /** The adapter's clock at the read (epoch ms): what "expired" was judged against. */
  nowMs: number
}

export interface RecordMapWriteOptions {
  /** What the writer read (readMap's records): joined with the changes in the first round. */
  base: RecordMap
  /** Seconds an expired record is kept (record-map.ts). Default 180. */
  lingerSeconds?: number
}

/** A Lua script run inside one region's database: atomic, no read-then-write race. */
export interface KvScript {
  readonly source: string
}

export function defineScript(source: string): KvScript {
  return { source }
}

export interface RegionalKv {
  /**
   * Sets `field` of hash `key` to `record` unless the stored record is newer by
   * `(cseq, expires)` (ties broken by the record's JSON, so both regions converge). Applied to
   * both regions; returns the outcome in the region that answered first (the local one).
   */
  hsetIfNewer(
    key: string,
    field: string,
    record: VersionedRecord,
    opts?: HashWriteOptions
  ): Promise<SetIfNewerOutcome>
  /** The same for several fields of one key, in one round trip. */
  hsetManyIfNewer(
    key: string,
    records: Record<string, VersionedRecord>,
    opts?: HashWriteOptions
  ): Promise<Record<string, SetIfNewerOutcome>>
  /** Every live field of `key` (expired records and tombstones dropped). */
  hgetLive<T = unknown>(key: string): Promise<Record<string, VersionedRecord<T>>>
  /**
   * Removes `field` only if its record still has `cseq` (and, with `onlyIfExpired`, only if its
   * expiry has passed): the guard an expiry timer pop uses so that a refresh that landed
   * meanwhile is never deleted (Clearwater sprout#1200). Applied to both regions.
   */
  hdelIfCseq(
    key: string,
    field: string,
    cseq: number,
    opts?: { onlyIfExpired?: boolean }
  ): Promise<GuardedDeleteOutcome>
  /**
   * A record map (record-map.ts): local first; on a miss or an error the remote region, whose
   * records then repair the local copy by the same merge. One command per region read.
   */
  readMap(key: string, opts?: RecordMapReadOptions): Promise<RecordMapRead>
  /**
   * Merges `changes` into the record map in both regions (`SET … GET` rounds, normally one per
   * region); returns the outcome per change in the region that answered (the local one).
   */
  mergeMap(
    key: string,
    changes: RecordMap,
    opts: RecordMapWriteOptions
  ): Promise<Record<string, SetIfNewerOutcome>>
  /** A plain value (JSON), local first, remote on a miss or error (repairing local). */
  get<T = unknown>(key: string): Promise<T | undefined>
  /** Writes a plain value to both regions. With `nx`, false when the key already existed. */
  set(key: string, value: unknown, opts?: SetOptions): Promise<boolean>
  /** Deletes a key in both regions. */
  del(key: string): Promise<void>
  /**
   * Increments a counter and returns the new value. Both regions are incremented; the local
   * count is returned (a counter is per-region exact, cross-region approximate).
   */
  incr(key: string, opts?: { ttlSeconds?: number }): Promise<number>
  /** Runs a script in the local region only (transaction records; architecture §3). */
  evalLocal<T = unknown>(script: KvScript, keys: string[], args: (string | number)[]): Promise<T>
}

/** Per-isolate health counters of a dual-writing KV (exposed by the timers function's stats). */
export interface KvCounters {
  remoteWriteFailures: number
  localWriteFailures: number
  localReadFailures: number
  remoteFallbackReads: number
  localRepairs: number
}

export function newKvCounters(): KvCounters {
  return {
    remoteWriteFailures: 0,
    localWriteFailures: 0,
    localReadFailures: 0,
    remoteFallbackReads: 0,
    localRepairs: 0,
  }
}

/** The stored form of a record: this exact JSON text is what both regions compare on ties. */
export function encodeRecord(r: VersionedRecord): string {
  return JSON.stringify({ cseq: r.cseq, expires: r.expires, data: r.data })
}

/** Parses a stored hash field back into a record (the client may have parsed the JSON already). */
export function parseRecord(v: unknown): VersionedRecord | undefined {
  let r = v
  if (typeof r === 'string') {
    try {
      r = JSON.parse(r)
    } catch {
      return undefined
    }
  }
  if (!r || typeof r !== 'object') return undefined
  const o = r as Record<string, unknown>
  if (typeof o.cseq !== 'number' || typeof o.expires !== 'number') return undefined
  return { cseq: o.cseq, expires: o.expires, data: o.data }
}

/**
 * Total order on records for the guarded write: positive when `a` is newer than `b`. Newer is
 * the higher CSeq, then the later expiry; full ties fall back to the stored JSON text compared
 * byte-wise, so that every region keeps the same one whichever arrived first.
 */
export function compareRecords(a: VersionedRecord, b: VersionedRecord): number {
  if (a.cseq !== b.cseq) return a.cseq - b.cseq
  if (a.expires !== b.expires) return a.expires - b.expires
  // The common tie is the same record read twice (a record map's unchanged entries): equal
  // JSON text without writing it out.
  if (sameJson(a.data, b.data)) return 0
  return compareBytes(encodeRecord(a), encodeRecord(b))
}

/**
 * True only when `JSON.stringify` would write `a` and `b` the same (same values, same key
 * order); false when unsure (undefined members, non-finite numbers, non-plain objects), which
 * leaves the decision to the text comparison.
 */
function sameJson(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return typeof a !== 'number' || Number.isFinite(a)
  if (depth > 32 || typeof a !== 'object' || typeof b !== 'object' || a === null || b === null)
    return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i], depth + 1)) return false
    return true
  }
  if (Array.isArray(b)) return false
  const pa = Object.getPrototypeOf(a)
  if ((pa !== Object.prototype && pa !== null) || Object.getPrototypeOf(b) !== pa) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  const oa = a as Record<string, unknown>
  const ob = b as Record<string, unknown>
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!
    if (k !== kb[i]) return false
    const va = oa[k]
    if (va === undefined || !sameJson(va, ob[k], depth + 1)) return false
  }
  return true
}

function compareBytes(a: string, b: string): number {
  if (a === b) return 0
  const ea = new TextEncoder().encode(a)
  const eb = new TextEncoder().encode(b)
  const n = Math.min(ea.length, eb.length)
  for (let i = 0; i < n; i++) if (ea[i] !== eb[i]) return ea[i]! - eb[i]!
  return ea.length - eb.length
}
