/**
 * @module sprout/registrar/aor-store
 * The registrar's port onto the regional KV (binding-model.ts): reads an AoR's live bindings and
 * subscriptions in one round trip, writes any number of binding and subscription records in one
 * guarded round trip (each field kept only if newer, so both regions converge whatever the
 * order), removes a field only if its version is still the one the caller saw (the expiry
 * timer's guard against Clearwater sprout#1200), and keeps the flow → AoR index used by flow
 * closure when the edge does not name the AoR.
 */
import type { RegionalKv, SetIfNewerOutcome, VersionedRecord } from '../../../shared/vellum'
import {
  aorKey,
  BINDING_PREFIX,
  type Binding,
  flowIndexKey,
  SUBSCRIPTION_PREFIX,
  splitAorFields,
} from './binding-model'

/** Field of the presence marker (neither a binding nor a subscription). */
export const PRESENCE_FIELD = 'm:present'

/** Seconds the AoR hash outlives its newest record (Clearwater: last expiry + 10 s). */
export const AOR_GRACE_SECONDS = 10

export interface AorState<S> {
  bindings: Binding[]
  subscriptions: Array<VersionedRecord<S> & { tag: string }>
}

export interface AorWrite<S> {
  bindings?: Binding[]
  subscriptions?: Array<VersionedRecord<S> & { tag: string }>
}

export class AorStore<S = unknown> {
  constructor(private readonly kv: RegionalKv) {}

  async read(aor: string): Promise<AorState<S>> {
    return splitAorFields<S>(await this.kv.hgetLive(aorKey(aor)))
  }

  /** One guarded write of every record; returns the outcome per field name. */
  async write(aor: string, w: AorWrite<S>): Promise<Record<string, SetIfNewerOutcome>> {
    const records: Record<string, VersionedRecord> = {}
    for (const b of w.bindings ?? [])
      records[BINDING_PREFIX + b.id] = { cseq: b.cseq, expires: b.expires, data: b.data }
    for (const s of w.subscriptions ?? [])
      records[SUBSCRIPTION_PREFIX + s.tag] = { cseq: s.cseq, expires: s.expires, data: s.data }
    if (Object.keys(records).length === 0) return {}
    return this.kv.hsetManyIfNewer(aorKey(aor), records, { graceSeconds: AOR_GRACE_SECONDS })
  }

  removeBinding(aor: string, id: string, version: number, onlyIfExpired: boolean) {
    return this.kv.hdelIfCseq(aorKey(aor), BINDING_PREFIX + id, version, { onlyIfExpired })
  }

  removeSubscription(aor: string, tag: string, version: number) {
    return this.kv.hdelIfCseq(aorKey(aor), SUBSCRIPTION_PREFIX + tag, version)
  }

  /**
   * Writes a short-lived marker field so that the next read of this AoR is a local hit. Vellum
   * reads fall back to the other region when the local database has nothing live for a key, so
   * the first REGISTER of an AoR would otherwise pay a second sequential round trip; the digest
   * challenge writes the marker in both regions in the same round as the challenge itself.
   */
  async markPresent(aor: string, nowMs: number, untilS: number): Promise<void> {
    await this.kv.hsetIfNewer(
      aorKey(aor),
      PRESENCE_FIELD,
      { cseq: Math.floor(nowMs), expires: untilS, data: {} },
      { graceSeconds: AOR_GRACE_SECONDS }
    )
  }

  indexFlow(token: string, aor: string, ttlSeconds: number): Promise<boolean> {
    return this.kv.set(flowIndexKey(token), aor, { ttlSeconds })
  }

  async flowAor(token: string): Promise<string | undefined> {
    const v = await this.kv.get<string>(flowIndexKey(token))
    return typeof v === 'string' ? v : undefined
  }
}
