/**
 * @module simservs/simservs-cache
 * The regional-KV copy of each subscriber's parsed simservs, so the MMTEL service reads one KV
 * hash instead of the global table on every call. An entry is one guarded hash field
 * (Vellum's `hsetIfNewer`) whose `cseq` is the table item's `version`: PUT and DELETE write the
 * new entry through to both regions, and a reader filling a miss writes the version it read, so
 * whichever order the writes land in, every region keeps the newest (a reader that raced a PUT
 * can never put the old model back). A deleted document is cached as `absent` with a version
 * above the deleted one, so the next PUT (a newer version) replaces it.
 */
import type { Clock } from '../config/clock'
import type { SimservsModel } from '../ims/simservs-model'
import type { Logger } from '../log/logger'
import type { Item } from '../vellum/global-table'
import type { RegionalKv, VersionedRecord } from '../vellum/regional-kv'

/**
 * Seconds a cache entry lives. Every write goes through to both regions (PUT and DELETE replace
 * the entry), so this only bounds staleness after a lost remote KV write (dual-write failures are
 * logged, not fatal).
 */
export const SIMSERVS_CACHE_TTL_S = 300

/** A simservs document as the global table holds it (Homer writes it; readers parse it). */
export interface StoredSimservs {
  xml: string
  /** Strong entity tag with quotes, e.g. `"k3Vd…"`. */
  etag: string
  version: number
}

export function toStored(item: Item | undefined): StoredSimservs | undefined {
  if (!item || typeof item.xml !== 'string' || typeof item.etag !== 'string') return undefined
  return { xml: item.xml, etag: item.etag, version: Number(item.version) }
}

/** `v1`: the model's shape; a change of shape gets a new key space instead of a migration. */
export const simservsCacheKey = (impu: string) => `homer:simservs:v1:${impu}`
export const SIMSERVS_CACHE_FIELD = 'doc'

export type CachedSimservs =
  | { state: 'present'; etag: string; model: SimservsModel }
  | { state: 'absent' }
  /** Stored but not parseable by this model (written before a schema change): no services. */
  | { state: 'invalid'; etag: string }

export function cacheRecord(
  version: number,
  data: CachedSimservs,
  nowMs: number
): VersionedRecord<CachedSimservs> {
  return { cseq: version, expires: Math.floor(nowMs / 1000) + SIMSERVS_CACHE_TTL_S, data }
}

/** Reads the live entry, if any. Errors propagate (the reader falls back to the table). */
export async function readCache(
  kv: RegionalKv,
  impu: string
): Promise<VersionedRecord<CachedSimservs> | undefined> {
  const fields = await kv.hgetLive<CachedSimservs>(simservsCacheKey(impu))
  return fields[SIMSERVS_CACHE_FIELD]
}

/**
 * Writes an entry to both regions unless a newer one is there. A failure is logged, not thrown:
 * the document write it follows has already succeeded, and the entry expires on its own.
 */
export async function writeCache(
  deps: { kv: RegionalKv; clock: Clock; log: Logger },
  impu: string,
  version: number,
  data: CachedSimservs
): Promise<void> {
  try {
    await deps.kv.hsetIfNewer(
      simservsCacheKey(impu),
      SIMSERVS_CACHE_FIELD,
      cacheRecord(version, data, deps.clock.now())
    )
  } catch (err) {
    deps.log.error('simservs cache write failed', { impu, version, error: err })
  }
}
