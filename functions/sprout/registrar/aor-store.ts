/**
 * @module sprout/registrar/aor-store
 * The registrar's port onto the regional KV (binding-model.ts). An AoR is one record map
 * (shared/vellum/record-map.ts): its bindings, reg-event subscriptions and the last accepted
 * digest nonce use per private identity (auth/nonce-uses.ts), each a versioned record. A read
 * is one `GET` (or one `MGET` together with other keys the caller needs in the same round, the
 * failure counters); a write of any number of records is one `SET … GET` per region, merged
 * record by record, newest wins, so both regions converge whatever the order of the writes.
 * Removal writes a tombstone ({@link tombstoneOf}): a version above the removed record's and an
 * expiry already past, so it never beats a concurrent refresh (whose version is at least as
 * high and whose expiry is later) and a delayed write of the old record cannot bring it back.
 * The store also keeps the flow → AoR index used by flow closure when the edge names no AoR.
 *
 * Each instance remembers what it last read or wrote of an AoR (one request's view) and uses it
 * as the base of the next write, so a write after a read costs no extra read. Time is the KV's
 * (the instant of the read), so the store needs no clock of its own.
 */
import type {
  GuardedDeleteOutcome,
  RecordMap,
  RegionalKv,
  SetIfNewerOutcome,
  VersionedRecord,
} from '../../../shared/vellum'
import { joinRecords, liveRecords } from '../../../shared/vellum'
import {
  aorKey,
  BINDING_PREFIX,
  type Binding,
  flowIndexKey,
  SUBSCRIPTION_PREFIX,
  splitAorFields,
} from './binding-model'

/**
 * Seconds an expired record (a tombstone, or a binding whose expiry pop has not come yet) stays
 * in the AoR: covers the Scheduler's minute precision plus its cross-region backup delay, and
 * any delayed dual write a tombstone must order.
 */
export const AOR_LINGER_SECONDS = 180

export interface AorState<S> {
  bindings: Binding[]
  subscriptions: Array<VersionedRecord<S> & { tag: string }>
  /** Last accepted nonce use by private identity (auth/nonce-uses.ts). */
  nonceUses: Record<string, VersionedRecord<{ nonce: string }>>
}

export interface AorWrite<S> {
  bindings?: Binding[]
  subscriptions?: Array<VersionedRecord<S> & { tag: string }>
  /** Other records by name (a nonce use). */
  fields?: Record<string, VersionedRecord>
}

/** Marks a removed record's data (binding-model.ts `removed`). */
export interface Removed {
  removed?: true
}

/**
 * The tombstone of `rec`: one version up, expired (at the removal time, or at its own expiry if
 * that has already passed), data kept and marked removed.
 */
export function tombstoneOf<T>(rec: VersionedRecord<T>, nowMs: number): VersionedRecord<T> {
  return {
    cseq: rec.cseq + 1,
    expires: Math.min(rec.expires, nowMs / 1000),
    data: { ...(rec.data as object), removed: true } as T,
  }
}

export const isRemoved = (rec: VersionedRecord): boolean =>
  !!rec.data && typeof rec.data === 'object' && (rec.data as Removed).removed === true

export class AorStore<S = unknown> {
  /** This request's view of each AoR: its records and when they were read. */
  private readonly seen = new Map<string, { records: RecordMap; nowMs: number }>()

  constructor(private readonly kv: RegionalKv) {}

  /** Every record of the AoR, expired ones and tombstones included (until their linger ends). */
  async records(aor: string): Promise<RecordMap> {
    return (await this.readWith(aor, [])).records
  }

  async read(aor: string): Promise<AorState<S>> {
    return (await this.readWith(aor, [])).state
  }

  /**
   * The AoR and, in the same command, the plain values of `keys` (local region): one round
   * trip, one KV command.
   */
  async readWith(
    aor: string,
    keys: string[]
  ): Promise<{ records: RecordMap; state: AorState<S>; values: unknown[] }> {
    const { records, values, nowMs } = await this.kv.readMap(aorKey(aor), {
      localKeys: keys,
      lingerSeconds: AOR_LINGER_SECONDS,
    })
    this.seen.set(aor, { records, nowMs })
    return { records, state: this.stateOf(records, nowMs), values }
  }

  private stateOf(records: RecordMap, nowMs: number): AorState<S> {
    return splitAorFields<S>(liveRecords(records, nowMs))
  }

  private async view(aor: string): Promise<{ records: RecordMap; nowMs: number }> {
    const seen = this.seen.get(aor)
    if (seen) return seen
    await this.readWith(aor, [])
    return this.seen.get(aor)!
  }

  /** One merged write of every record; returns the outcome per record name. */
  async write(aor: string, w: AorWrite<S>): Promise<Record<string, SetIfNewerOutcome>> {
    const records: RecordMap = {}
    for (const b of w.bindings ?? [])
      records[BINDING_PREFIX + b.id] = { cseq: b.cseq, expires: b.expires, data: b.data }
    for (const s of w.subscriptions ?? [])
      records[SUBSCRIPTION_PREFIX + s.tag] = { cseq: s.cseq, expires: s.expires, data: s.data }
    Object.assign(records, w.fields)
    return this.merge(aor, records)
  }

  private async merge(aor: string, records: RecordMap): Promise<Record<string, SetIfNewerOutcome>> {
    if (Object.keys(records).length === 0) return {}
    const { records: base, nowMs } = await this.view(aor)
    const out = await this.kv.mergeMap(aorKey(aor), records, {
      base,
      lingerSeconds: AOR_LINGER_SECONDS,
    })
    this.seen.set(aor, { records: joinRecords(base, records), nowMs })
    return out
  }

  /**
   * Removes each record only if it still has its `version` (and, with `onlyIfExpired`, only
   * once its expiry has passed), by writing their tombstones in one merged write: the guard an
   * expiry pop and flow closure use, so a binding refreshed meanwhile is never removed
   * (Clearwater sprout#1200). Outcome by record name.
   */
  async removeRecords(
    aor: string,
    wanted: ReadonlyArray<{ name: string; version: number; onlyIfExpired?: boolean }>
  ): Promise<Record<string, GuardedDeleteOutcome>> {
    const { records: base, nowMs: now } = await this.view(aor)
    const out: Record<string, GuardedDeleteOutcome> = {}
    const tombstones: RecordMap = {}
    for (const { name, version, onlyIfExpired } of wanted) {
      const rec = base[name]
      if (!rec || isRemoved(rec)) out[name] = 'absent'
      else if (rec.cseq !== version || (onlyIfExpired && rec.expires * 1000 > now))
        out[name] = 'kept'
      else tombstones[name] = tombstoneOf(rec, now)
    }
    const written = await this.merge(aor, tombstones)
    for (const name of Object.keys(tombstones))
      out[name] = written[name] === 'written' ? 'deleted' : 'kept'
    return out
  }

  private async remove(
    aor: string,
    name: string,
    version: number,
    onlyIfExpired: boolean
  ): Promise<GuardedDeleteOutcome> {
    return (await this.removeRecords(aor, [{ name, version, onlyIfExpired }]))[name]!
  }

  removeBinding(aor: string, id: string, version: number, onlyIfExpired: boolean) {
    return this.remove(aor, BINDING_PREFIX + id, version, onlyIfExpired)
  }

  removeSubscription(aor: string, tag: string, version: number) {
    return this.remove(aor, SUBSCRIPTION_PREFIX + tag, version, false)
  }

  indexFlow(token: string, aor: string, ttlSeconds: number): Promise<boolean> {
    return this.kv.set(flowIndexKey(token), aor, { ttlSeconds })
  }

  async flowAor(token: string): Promise<string | undefined> {
    const v = await this.kv.get<string>(flowIndexKey(token))
    return typeof v === 'string' ? v : undefined
  }
}
