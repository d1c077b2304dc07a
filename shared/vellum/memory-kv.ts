/**
 * @module vellum/memory-kv
 * An in-memory {@link RegionalKv} for unit tests of modules that use the KV: one region, the
 * same guarded-hash semantics as the production Lua scripts (the contract suite runs against
 * both), TTLs measured on the injected clock. `evalLocal` runs a JavaScript stand-in registered
 * for the script with {@link MemoryRegionalKv.registerScript}, since there is no Lua here.
 */
import type { Clock } from '../config/clock'
import { systemClock } from '../config/clock'
import { StoreError } from './errors'
import {
  DEFAULT_LINGER_SECONDS,
  decodeRecordMap,
  encodeRecordMap,
  mergeRecords,
  pruneRecords,
} from './record-map'
import {
  compareRecords,
  type GuardedDeleteOutcome,
  type HashWriteOptions,
  type KvScript,
  type RecordMap,
  type RecordMapRead,
  type RecordMapReadOptions,
  type RecordMapWriteOptions,
  type RegionalKv,
  type SetIfNewerOutcome,
  type SetOptions,
  type VersionedRecord,
} from './regional-kv'

type Entry =
  | { kind: 'hash'; fields: Map<string, VersionedRecord>; expiresAt?: number }
  | { kind: 'value'; value: unknown; expiresAt?: number }

export type MemoryScript = (
  kv: MemoryRegionalKv,
  keys: string[],
  args: (string | number)[]
) => unknown

export class MemoryRegionalKv implements RegionalKv {
  private readonly entries = new Map<string, Entry>()
  private readonly scripts = new Map<string, MemoryScript>()

  constructor(private readonly clock: Clock = systemClock) {}

  private entry(key: string): Entry | undefined {
    const e = this.entries.get(key)
    if (e?.expiresAt !== undefined && e.expiresAt <= this.clock.now()) {
      this.entries.delete(key)
      return undefined
    }
    return e
  }

  private hash(key: string): Map<string, VersionedRecord> {
    const e = this.entry(key)
    if (e && e.kind !== 'hash') throw new StoreError(`${key} holds a plain value, not a hash`, 'kv')
    if (e) return e.fields
    const fields = new Map<string, VersionedRecord>()
    this.entries.set(key, { kind: 'hash', fields })
    return fields
  }

  async hsetIfNewer(
    key: string,
    field: string,
    record: VersionedRecord,
    opts?: HashWriteOptions
  ): Promise<SetIfNewerOutcome> {
    const out = await this.hsetManyIfNewer(key, { [field]: record }, opts)
    return out[field]!
  }

  async hsetManyIfNewer(
    key: string,
    records: Record<string, VersionedRecord>,
    opts: HashWriteOptions = {}
  ): Promise<Record<string, SetIfNewerOutcome>> {
    const fields = this.hash(key)
    const out: Record<string, SetIfNewerOutcome> = {}
    for (const [field, rec] of Object.entries(records)) {
      const cur = fields.get(field)
      const c = cur ? compareRecords(structuredClone(rec), cur) : 1
      out[field] = c > 0 ? 'written' : c === 0 ? 'same' : 'stale'
      if (c > 0) fields.set(field, structuredClone(rec))
    }
    this.extendHashTtl(key, opts.graceSeconds ?? 10)
    return out
  }

  /** Hash TTL = newest record's expiry + grace, never shortened (as the Lua script does). */
  private extendHashTtl(key: string, graceSeconds: number): void {
    const e = this.entries.get(key)
    if (e?.kind !== 'hash') return
    let newest = 0
    for (const r of e.fields.values()) newest = Math.max(newest, r.expires)
    const wanted = Math.max(newest * 1000, this.clock.now()) + graceSeconds * 1000
    e.expiresAt = Math.max(e.expiresAt ?? 0, wanted)
  }

  async hgetLive<T = unknown>(key: string): Promise<Record<string, VersionedRecord<T>>> {
    const e = this.entry(key)
    if (e?.kind !== 'hash') return {}
    const nowS = this.clock.now() / 1000
    const out: Record<string, VersionedRecord<T>> = {}
    for (const [f, r] of e.fields)
      if (r.expires > nowS) out[f] = structuredClone(r) as VersionedRecord<T>
    return out
  }

  async hdelIfCseq(
    key: string,
    field: string,
    cseq: number,
    opts: { onlyIfExpired?: boolean } = {}
  ): Promise<GuardedDeleteOutcome> {
    const e = this.entry(key)
    const cur = e?.kind === 'hash' ? e.fields.get(field) : undefined
    if (e?.kind !== 'hash' || !cur) return 'absent'
    if (cur.cseq !== cseq) return 'kept'
    if (opts.onlyIfExpired && cur.expires * 1000 > this.clock.now()) return 'kept'
    e.fields.delete(field)
    if (e.fields.size === 0) this.entries.delete(key)
    return 'deleted'
  }

  async readMap(key: string, opts: RecordMapReadOptions = {}): Promise<RecordMapRead> {
    const e = this.entry(key)
    if (e && e.kind !== 'value') throw new StoreError(`${key} holds a hash, not a value`, 'kv')
    const linger = opts.lingerSeconds ?? DEFAULT_LINGER_SECONDS
    const nowMs = this.clock.now()
    const records = pruneRecords(decodeRecordMap(e?.value), nowMs, linger)
    const values = (opts.localKeys ?? []).map((k) => {
      const v = this.entry(k)
      return v?.kind === 'value' ? structuredClone(v.value) : undefined
    })
    return { records: structuredClone(records), values, nowMs }
  }

  /** The same `SET … GET` rounds as production, against this one region. */
  async mergeMap(
    key: string,
    changes: RecordMap,
    opts: RecordMapWriteOptions
  ): Promise<Record<string, SetIfNewerOutcome>> {
    if (Object.keys(changes).length === 0) return {}
    const out = await mergeRecords(
      async (value, pxMs) => this.setGet(key, value, pxMs),
      structuredClone(changes),
      {
        base: structuredClone(opts.base),
        nowMs: this.clock.now(),
        lingerSeconds: opts.lingerSeconds ?? DEFAULT_LINGER_SECONDS,
      }
    )
    return out.outcomes
  }

  /** `SET key value PX ttl GET`: stores `value`, returns what it replaced (undefined if none). */
  setGet(key: string, value: unknown, pxMs: number): unknown {
    const e = this.entry(key)
    if (e && e.kind !== 'value') throw new StoreError(`${key} holds a hash, not a value`, 'kv')
    this.entries.set(key, {
      kind: 'value',
      value: structuredClone(value),
      expiresAt: this.clock.now() + pxMs,
    })
    return e?.value
  }

  /** Test helper: stores a record map as production does (for seeding a region's copy). */
  putMap(key: string, records: RecordMap, ttlMs: number): void {
    this.setGet(key, encodeRecordMap(records), ttlMs)
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const e = this.entry(key)
    if (!e) return undefined
    if (e.kind !== 'value') throw new StoreError(`${key} holds a hash, not a plain value`, 'kv')
    return structuredClone(e.value) as T
  }

  async set(key: string, value: unknown, opts: SetOptions = {}): Promise<boolean> {
    if (opts.nx && this.entry(key)) return false
    this.entries.set(key, {
      kind: 'value',
      value: structuredClone(value),
      ...(opts.ttlSeconds !== undefined
        ? { expiresAt: this.clock.now() + opts.ttlSeconds * 1000 }
        : {}),
    })
    return true
  }

  async del(key: string): Promise<void> {
    this.entries.delete(key)
  }

  async incr(key: string, opts: { ttlSeconds?: number } = {}): Promise<number> {
    const e = this.entry(key)
    if (e && e.kind !== 'value') throw new StoreError(`${key} holds a hash, not a counter`, 'kv')
    const n = (typeof e?.value === 'number' ? e.value : Number(e?.value ?? 0)) + 1
    const expiresAt =
      e?.expiresAt ??
      (opts.ttlSeconds !== undefined ? this.clock.now() + opts.ttlSeconds * 1000 : undefined)
    this.entries.set(key, {
      kind: 'value',
      value: n,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    })
    return n
  }

  /** Registers the JavaScript stand-in that `evalLocal` runs for `script`. */
  registerScript(script: KvScript, impl: MemoryScript): void {
    this.scripts.set(script.source, impl)
  }

  async evalLocal<T = unknown>(
    script: KvScript,
    keys: string[],
    args: (string | number)[]
  ): Promise<T> {
    const impl = this.scripts.get(script.source)
    if (!impl)
      throw new StoreError(
        'no JavaScript stand-in registered for this script (registerScript)',
        'kv'
      )
    return impl(this, keys, args) as T
  }
}
