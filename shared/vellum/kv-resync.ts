/**
 * @module vellum/kv-resync
 * The explicit resync job (architecture §5): after a region's KV was down or unreachable, copy
 * what the other region has that it lacks. It SCANs the source database and, per key:
 * - a guarded hash (bindings, subscriptions): every field is merged with the same commuting
 *   set-if-newer script the registrar uses, so newer records in the target are never replaced
 *   and records the target missed (or has older) are brought up to date;
 * - a record map (an AoR, record-map.ts): its records are merged into the target's with the
 *   same `SET … GET` rounds the registrar writes with, so newer records in the target are kept
 *   and records the target missed (or has older) are brought up to date;
 * - another plain value: copied with its remaining TTL only if the target lacks the key (plain
 *   values carry no version, so an existing target value is kept).
 * This full scan is the operator's tool (`POST /admin/resync`), for a database that lost its
 * data. It does not replay deletions of plain keys; guarded records are removed by tombstones
 * (expired records), which the merge carries over.
 *
 * {@link replayHints} is the automatic one (kv-resync-trigger.ts): it replays only the keys the
 * target missed, as the dual-writer recorded them, deletions included.
 */
import type { Redis } from '@upstash/redis/cloudflare'
import type { Clock } from '../config/clock'
import { HSET_IF_NEWER, RESYNC_HINT_DONE } from './kv-scripts'
import {
  DEFAULT_LINGER_SECONDS,
  decodeRecordMap,
  isStoredRecordMap,
  mergeRecords,
} from './record-map'
import { encodeRecord, parseRecord } from './regional-kv'
import type { RoundTrips } from './round-trips'

export interface ResyncReport {
  scanned: number
  hashesMerged: number
  /** Record maps merged. */
  mapsMerged: number
  fieldsWritten: number
  valuesCopied: number
  skipped: number
  errors: number
  ms: number
}

export interface ResyncOptions {
  /** SCAN page size. */
  count?: number
  /** Seconds an expired record of a record map is kept (record-map.ts). Default 180. */
  lingerSeconds?: number
  /** Only keys matching this glob. */
  match?: string
  /** Stop after this many keys (a bounded run; call again to continue from `cursor`). */
  maxKeys?: number
  graceSeconds?: number
}

export async function resyncKv(
  from: Redis,
  to: Redis,
  clock: Clock,
  rt: RoundTrips,
  opts: ResyncOptions = {}
): Promise<ResyncReport> {
  const t0 = Date.now()
  const report: ResyncReport = {
    scanned: 0,
    hashesMerged: 0,
    mapsMerged: 0,
    fieldsWritten: 0,
    valuesCopied: 0,
    skipped: 0,
    errors: 0,
    ms: 0,
  }
  let cursor = '0'
  do {
    const [next, keys] = await rt.track('kv-remote', 'scan', () =>
      from.scan(cursor, { count: opts.count ?? 200, ...(opts.match ? { match: opts.match } : {}) })
    )
    cursor = String(next)
    for (const key of keys) {
      report.scanned++
      try {
        await copyKey(from, to, key, clock, rt, report, {
          grace: opts.graceSeconds ?? 10,
          linger: opts.lingerSeconds ?? DEFAULT_LINGER_SECONDS,
        })
      } catch {
        report.errors++
      }
    }
    if (opts.maxKeys !== undefined && report.scanned >= opts.maxKeys) break
  } while (cursor !== '0')
  report.ms = Date.now() - t0
  return report
}

async function copyKey(
  from: Redis,
  to: Redis,
  key: string,
  clock: Clock,
  rt: RoundTrips,
  report: ResyncReport,
  { grace, linger }: { grace: number; linger: number }
): Promise<void> {
  const type = await rt.track('kv-remote', 'type', () => from.type(key))
  if (type === 'hash') {
    const raw =
      (await rt.track('kv-remote', 'hgetall', () => from.hgetall<Record<string, unknown>>(key))) ??
      {}
    const args: (string | number)[] = [clock.now(), grace]
    for (const [field, v] of Object.entries(raw)) {
      const rec = parseRecord(v)
      if (rec) args.push(field, encodeRecord(rec))
    }
    if (args.length === 2) {
      report.skipped++
      return
    }
    const codes = await rt.track('kv-local', 'hset-if-newer', () =>
      to.eval<(string | number)[], number[]>(HSET_IF_NEWER.source, [key], args)
    )
    report.hashesMerged++
    report.fieldsWritten += codes.filter((c) => Number(c) === 1).length
    return
  }
  if (type === 'string') {
    const [value, pttl] = await rt.track('kv-remote', 'get+pttl', () =>
      from.pipeline().get(key).pttl(key).exec<[unknown, number]>()
    )
    if (value === null || pttl === -2) {
      report.skipped++
      return
    }
    if (isStoredRecordMap(value)) {
      // The target's own records are the base, so the first round already keeps them.
      const base = decodeRecordMap(await rt.track('kv-local', 'get', () => to.get(key)))
      const merged = await mergeRecords(
        (v, px) => rt.track('kv-local', 'set-get', () => to.set(key, v, { px, get: true })),
        decodeRecordMap(value),
        { base, nowMs: clock.now(), lingerSeconds: linger }
      )
      report.mapsMerged++
      report.fieldsWritten += Object.values(merged.outcomes).filter((o) => o === 'written').length
      return
    }
    const res = await rt.track('kv-local', 'set-nx', () =>
      to.set(key, value, pttl > 0 ? { px: pttl, nx: true } : { nx: true })
    )
    if (res !== null) report.valuesCopied++
    else report.skipped++
    return
  }
  report.skipped++
}

/** The hash of hints; the same name as kv-resync-trigger.ts exports (no import cycle). */
const HINTS_KEY = 'kv:resync:hints'

export interface ReplayReport {
  /** Hints handled in this run. */
  replayed: number
  /** Guarded hashes and record maps merged into the target. */
  merged: number
  /** Plain values copied over the target's. */
  copied: number
  /** Plain values deleted in the target, as in the source. */
  deleted: number
  /** Hints whose key the target wrote later itself (that write is replayed the other way). */
  superseded: number
  errors: number
  /** Hints left in the source after the run. */
  remaining: number
}

/**
 * Replays the source's hints (keys the target missed while it could not be written) into the
 * target, then removes each hint unless it moved on meanwhile (kv-resync-trigger.ts):
 * - a guarded hash or a record map: merged newest-wins (records and tombstones), as {@link resyncKv};
 * - a plain value: copied with its remaining TTL, replacing the target's, unless the target
 *   holds a later hint for that key (it wrote the key after, and that write travels back);
 * - a key the source no longer holds: deleted in the target on the same condition, unless the
 *   target's value is guarded (its records expire by themselves and merge by version).
 */
export async function replayHints(
  from: Redis,
  to: Redis,
  clock: Clock,
  rt: RoundTrips,
  opts: { maxKeys?: number; lingerSeconds?: number; graceSeconds?: number } = {}
): Promise<ReplayReport> {
  const report: ReplayReport = {
    replayed: 0,
    merged: 0,
    copied: 0,
    deleted: 0,
    superseded: 0,
    errors: 0,
    remaining: 0,
  }
  const hints =
    (await rt.track('kv-remote', 'hgetall', () =>
      from.hgetall<Record<string, unknown>>(HINTS_KEY)
    )) ?? {}
  const scratch: ResyncReport = {
    scanned: 0,
    hashesMerged: 0,
    mapsMerged: 0,
    fieldsWritten: 0,
    valuesCopied: 0,
    skipped: 0,
    errors: 0,
    ms: 0,
  }
  const limits = {
    grace: opts.graceSeconds ?? 10,
    linger: opts.lingerSeconds ?? DEFAULT_LINGER_SECONDS,
  }
  for (const [key, at] of Object.entries(hints).slice(0, opts.maxKeys ?? 500)) {
    const atMs = Number(at)
    try {
      const theirs = Number(
        (await rt.track('kv-local', 'hget', () => to.hget<unknown>(HINTS_KEY, key))) ?? 0
      )
      const type = await rt.track('kv-remote', 'type', () => from.type(key))
      if (type === 'hash' || (type === 'string' && (await isMapIn(from, key, rt)))) {
        await copyKey(from, to, key, clock, rt, scratch, limits)
        report.merged++
      } else if (theirs > atMs) {
        report.superseded++
      } else if (type === 'string') {
        const [value, pttl] = await rt.track('kv-remote', 'get+pttl', () =>
          from.pipeline().get(key).pttl(key).exec<[unknown, number]>()
        )
        if (value !== null && pttl !== -2) {
          await rt.track('kv-local', 'set', () =>
            to.set(key, value, pttl > 0 ? { px: pttl } : undefined)
          )
          report.copied++
        }
      } else if (type === 'none') {
        const targetType = await rt.track('kv-local', 'type', () => to.type(key))
        const guarded =
          targetType === 'hash' || (targetType === 'string' && (await isMapIn(to, key, rt)))
        if (!guarded && targetType !== 'none') {
          await rt.track('kv-local', 'del', () => to.del(key))
          report.deleted++
        }
      }
      await rt.track('kv-remote', 'hint-done', () =>
        from.eval(RESYNC_HINT_DONE.source, [HINTS_KEY], [key, String(at)])
      )
      report.replayed++
    } catch {
      report.errors++
    }
  }
  report.remaining = await rt.track('kv-remote', 'hlen', () => from.hlen(HINTS_KEY))
  return report
}

async function isMapIn(db: Redis, key: string, rt: RoundTrips): Promise<boolean> {
  return isStoredRecordMap(await rt.track('kv-remote', 'get', () => db.get(key)))
}
