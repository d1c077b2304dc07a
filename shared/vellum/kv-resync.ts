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
 * Deletions of plain keys made while the target was unreachable are not replayed; guarded
 * records are removed by tombstones (expired records), which the merge does carry over.
 * Read-repair (kv-upstash.ts) covers the keys touched before the job reaches them.
 */
import type { Redis } from '@upstash/redis/cloudflare'
import type { Clock } from '../config/clock'
import { HSET_IF_NEWER } from './kv-scripts'
import { parseRecord } from './kv-upstash'
import {
  DEFAULT_LINGER_SECONDS,
  decodeRecordMap,
  isStoredRecordMap,
  mergeRecords,
} from './record-map'
import { encodeRecord } from './regional-kv'
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
