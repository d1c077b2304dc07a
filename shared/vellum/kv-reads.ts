/**
 * @module vellum/kv-reads
 * The reads of the production regional KV (kv-upstash.ts) over one region's pair of databases
 * (kv-dual.ts), Clearwater S4 GR (clearwater-interfaces §9.2):
 *
 * - Reads go local; on a miss or an error they go to the remote database and, when it has the
 *   data, repair the local copy with the same commuting write (guarded script, or SET NX with
 *   the remaining TTL), so a repair can never overwrite something newer.
 * - While this region's database is marked stale (kv-resync-trigger.ts), a record map or a
 *   guarded hash is joined with the peer's copy (newer records win, tombstones included) and the
 *   local copy repaired; a plain value the peer holds a hint for is taken from the peer, value or
 *   absence. The mark rides in the record map's `MGET`: no command in steady state.
 */
import { Unavailable } from './errors'
import { errText, type KvPair, withTimeout } from './kv-dual'
import { decodeValue, leanMget } from './kv-lean'
import { RESYNC_HINTS_KEY, RESYNC_STALE_KEY } from './kv-resync-trigger'
import {
  covers,
  DEFAULT_LINGER_SECONDS,
  decodeRecordMap,
  joinRecords,
  mergeRecords,
  pruneRecords,
} from './record-map'
import {
  compareRecords,
  parseRecord,
  type RecordMap,
  type RecordMapRead,
  type RecordMapReadOptions,
  type VersionedRecord,
} from './regional-kv'

const PEER_HOLDS_HINTS = 'the peer holds writes this database missed'

/**
 * The quiet check (kv-resync-trigger.ts): when this isolate has not read for a while (or never),
 * whether the peer holds hints for this database, asked beside the local read. Undefined when
 * no check is due; false when the peer does not answer. Like the resync runs it may start, it is
 * the isolate's housekeeping, not the request's: not counted in the request's round trips.
 */
function quietCheck(p: KvPair): Promise<boolean> | undefined {
  if (!p.resync.quietCheckDue()) return undefined
  return withTimeout(p.remote.exists(RESYNC_HINTS_KEY), p.timeoutMs, 'remote KV exists').then(
    (n) => Number(n) > 0,
    () => {
      p.resync.remoteFailed()
      return false
    }
  )
}

/** A guarded hash's live records (RegionalKv.hgetLive). */
export async function readHash<T>(
  p: KvPair,
  key: string
): Promise<Record<string, VersionedRecord<T>>> {
  const check = quietCheck(p)
  let raw: Record<string, unknown> | null = null
  // HGETALL of a missing key answers null: a clean miss, not a failure.
  let localOk = false
  try {
    raw = await p.call('local', 'hgetall', (r) => r.hgetall<Record<string, unknown>>(key))
    localOk = true
  } catch (err) {
    p.counters.localReadFailures++
    p.log.warn('local KV read failed; reading the remote region', { key, error: errText(err) })
  }
  if (check && (await check) && localOk) await p.resync.sawLocalMark(true, PEER_HOLDS_HINTS)
  let live = liveRecords<T>(p, raw)
  // While this region's database is marked stale, the peer's records are joined in.
  const consultPeer = localOk && p.resync.localStale && p.resync.peerConsultable()
  if (Object.keys(live).length > 0 && !consultPeer) return live
  let remote: Record<string, unknown> | null
  try {
    remote = await p.call('remote', 'hgetall', (r) => r.hgetall<Record<string, unknown>>(key))
    p.counters.remoteFallbackReads++
  } catch (err) {
    p.resync.remoteFailed()
    if (localOk) return live // a clean local miss; the remote is just unreachable
    throw new Unavailable(`KV hgetall ${key}: both regions failed`, 'kv', { cause: err })
  }
  if (consultPeer) {
    const joined = joinFields(raw ?? {}, remote ?? {})
    if (joined.changed) await p.repairHash(key, remote ?? {})
    return liveRecords<T>(p, joined.fields)
  }
  live = liveRecords<T>(p, remote)
  if (Object.keys(live).length > 0) await p.repairHash(key, remote ?? {})
  return live
}

function liveRecords<T>(
  p: KvPair,
  raw: Record<string, unknown> | null
): Record<string, VersionedRecord<T>> {
  const out: Record<string, VersionedRecord<T>> = {}
  if (!raw) return out
  const nowS = p.clock.now() / 1000
  for (const [field, v] of Object.entries(raw)) {
    const rec = parseRecord(v)
    if (rec && rec.expires > nowS) out[field] = rec as VersionedRecord<T>
  }
  return out
}

/** A record map and the plain values read with it (RegionalKv.readMap). */
export async function readRecordMap(
  p: KvPair,
  key: string,
  opts: RecordMapReadOptions = {}
): Promise<RecordMapRead> {
  const linger = opts.lingerSeconds ?? DEFAULT_LINGER_SECONDS
  const extra = opts.localKeys ?? []
  // The stale mark rides in the same MGET (kv-resync-trigger.ts): no extra command.
  const keys = [key, ...extra, RESYNC_STALE_KEY]
  // Sent lean (kv-lean.ts): values come back as their JSON text, decoded below where used.
  const mget = (where: 'local' | 'remote') => p.call(where, 'mget', (r) => leanMget(r, keys))
  const check = quietCheck(p)
  let got: (string | null)[] | undefined
  try {
    got = await mget('local')
  } catch (err) {
    p.counters.localReadFailures++
    p.resync.localFailed()
    p.log.warn('local KV read failed; reading the remote region', { key, error: errText(err) })
  }
  const values = (v: (string | null)[]) => v.slice(1, 1 + extra.length).map(decodeValue)
  const now = p.clock.now()
  let local: RecordMap = {}
  let consultPeer = false
  const peerHints = check ? await check : false
  if (got) {
    local = pruneRecords(decodeRecordMap(got[0]), now, linger)
    const mark = got[keys.length - 1]
    const marked = mark !== null && mark !== undefined
    await p.resync.sawLocalMark(marked || peerHints, marked ? undefined : PEER_HOLDS_HINTS)
    // This read's copy was taken under the mark: joined with the peer's even if the run that
    // the mark started has repaired the database since.
    consultPeer = (marked || peerHints) && p.resync.peerConsultable()
    if (Object.keys(local).length > 0 && !consultPeer)
      return { records: local, values: values(got), nowMs: now }
  }
  // A miss, a failed local region, or a local copy marked stale: the remote region's copy,
  // joined with the local one, which it repairs.
  let remote: unknown[]
  let remoteText: (string | null)[] | undefined
  let hinted: Record<string, unknown> | null = null
  try {
    if (!got) remote = remoteText = await mget('remote')
    else if (consultPeer && extra.length > 0) {
      // Under the mark the plain values read with the map are the peer's where it holds a hint
      // for them (it took a write this database missed), as get() takes them.
      const [v, theirValues, hints] = await p.call('remote', 'get+mget+hints', (r) =>
        r
          .pipeline()
          .get(key)
          .mget(...extra)
          .hmget(RESYNC_HINTS_KEY, ...extra)
          .exec<[unknown, unknown[], Record<string, unknown> | null]>()
      )
      remote = [v]
      if (hints)
        hinted = Object.fromEntries(
          extra.flatMap((k, i) =>
            hints[k] === null || hints[k] === undefined ? [] : [[k, theirValues[i]]]
          )
        )
    } else remote = [await p.call('remote', 'get', (r) => r.get<unknown>(key))]
    p.counters.remoteFallbackReads++
  } catch (err) {
    p.resync.remoteFailed()
    if (got) return { records: local, values: values(got), nowMs: now }
    throw new Unavailable(`KV get ${key}: both regions failed`, 'kv', { cause: err })
  }
  const theirs = pruneRecords(decodeRecordMap(remote[0]), now, linger)
  if (got && !covers(local, theirs)) {
    try {
      await mergeRecords(p.setGet('local', key), theirs, {
        base: local,
        nowMs: now,
        lingerSeconds: linger,
      })
      p.counters.localRepairs++
    } catch (err) {
      p.log.warn('local KV repair failed', { key, error: errText(err) })
    }
  }
  let ours: unknown[] = got ? values(got) : remoteText ? values(remoteText) : []
  if (got && consultPeer && extra.length > 0) {
    // Read again after the peer's hints: a resync run may have replayed a value (and dropped its
    // hint) since this read's MGET.
    try {
      const fresh = await p.call('local', 'mget', (r) => r.mget<unknown[]>(...extra))
      ours = fresh.map((x) => (x === null ? undefined : x))
    } catch (err) {
      p.log.warn('local KV read failed; keeping the first read', { key, error: errText(err) })
    }
  }
  const peerOr = (k: string, i: number) =>
    hinted && k in hinted ? (hinted[k] ?? undefined) : ours[i]
  return { records: joinRecords(local, theirs), values: extra.map(peerOr), nowMs: now }
}

/** A plain value (RegionalKv.get). */
export async function readValue<T>(p: KvPair, key: string): Promise<T | undefined> {
  const check = quietCheck(p)
  if (check && (await check)) await p.resync.sawLocalMark(true, PEER_HOLDS_HINTS)
  if (p.resync.localStale && p.resync.peerConsultable()) {
    const peer = await peerHinted<T>(p, key)
    if (peer) return peer.value
  }
  let localOk = false
  try {
    const v = await p.call('local', 'get', (r) => r.get<T>(key))
    localOk = true
    if (v !== null && v !== undefined) return v
  } catch (err) {
    p.counters.localReadFailures++
    p.log.warn('local KV read failed; reading the remote region', { key, error: errText(err) })
  }
  let value: unknown
  let pttl: number
  try {
    ;[value, pttl] = await p.call('remote', 'get+pttl', (r) =>
      r.pipeline().get(key).pttl(key).exec<[unknown, number]>()
    )
    p.counters.remoteFallbackReads++
  } catch (err) {
    if (localOk) return undefined
    throw new Unavailable(`KV get ${key}: both regions failed`, 'kv', { cause: err })
  }
  if (value === null || value === undefined) return undefined
  if (pttl !== -2) await p.repairValue(key, value, pttl, true)
  return value as T
}

/**
 * While this region's database is marked stale: when the peer holds a hint for `key` (it took
 * a write of the key this database missed), the peer's state of the key (its value, or its
 * absence), which also repairs the local copy; undefined when the local copy stands.
 */
async function peerHinted<T>(
  p: KvPair,
  key: string
): Promise<{ value: T | undefined } | undefined> {
  let value: unknown
  let pttl: number
  let hint: unknown
  try {
    ;[value, pttl, hint] = await p.call('remote', 'get+pttl+hint', (r) =>
      r.pipeline().get(key).pttl(key).hget(RESYNC_HINTS_KEY, key).exec<[unknown, number, unknown]>()
    )
  } catch {
    p.resync.remoteFailed()
    return undefined
  }
  if (hint === null || hint === undefined) return undefined
  p.counters.remoteFallbackReads++
  await p.repairValue(key, value, pttl, false)
  return { value: value === null || value === undefined ? undefined : (value as T) }
}

/** Per field, the newer of two raw hashes' records; `changed` when the second had a newer one. */
function joinFields(
  mine: Record<string, unknown>,
  theirs: Record<string, unknown>
): { fields: Record<string, VersionedRecord>; changed: boolean } {
  const fields: Record<string, VersionedRecord> = {}
  for (const [f, v] of Object.entries(mine)) {
    const rec = parseRecord(v)
    if (rec) fields[f] = rec
  }
  let changed = false
  for (const [f, v] of Object.entries(theirs)) {
    const rec = parseRecord(v)
    const cur = fields[f]
    if (rec && (!cur || compareRecords(rec, cur) > 0)) {
      fields[f] = rec
      changed = true
    }
  }
  return { fields, changed }
}
