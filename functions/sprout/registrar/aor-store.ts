/**
 * @module sprout/registrar/aor-store
 * The registrar's port onto the regional KV (binding-model.ts): reads an AoR's live bindings and
 * subscriptions in one round trip, writes any number of binding and subscription records in one
 * guarded round trip (each field kept only if newer, so both regions converge whatever the
 * order), removes a field only if its version is still the one the caller saw (the expiry
 * timer's guard against Clearwater sprout#1200), and keeps the flow → AoR index used by flow
 * closure when the edge does not name the AoR. The same hash holds the last accepted digest
 * nonce-count per private identity (auth/nonce-uses.ts), so the read and the write of a
 * REGISTER cover replay protection too.
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

/** Seconds the AoR hash outlives its newest record (Clearwater: last expiry + 10 s). */
export const AOR_GRACE_SECONDS = 10

export interface AorState<S> {
  bindings: Binding[]
  subscriptions: Array<VersionedRecord<S> & { tag: string }>
  /** Last accepted nonce use by private identity (auth/nonce-uses.ts). */
  nonceUses: Record<string, VersionedRecord<{ nonce: string }>>
}

export interface AorWrite<S> {
  bindings?: Binding[]
  subscriptions?: Array<VersionedRecord<S> & { tag: string }>
  /** Other guarded fields by name (a nonce use). */
  fields?: Record<string, VersionedRecord>
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
    Object.assign(records, w.fields)
    if (Object.keys(records).length === 0) return {}
    return this.kv.hsetManyIfNewer(aorKey(aor), records, { graceSeconds: AOR_GRACE_SECONDS })
  }

  removeBinding(aor: string, id: string, version: number, onlyIfExpired: boolean) {
    return this.kv.hdelIfCseq(aorKey(aor), BINDING_PREFIX + id, version, { onlyIfExpired })
  }

  removeSubscription(aor: string, tag: string, version: number) {
    return this.kv.hdelIfCseq(aorKey(aor), SUBSCRIPTION_PREFIX + tag, version)
  }

  indexFlow(token: string, aor: string, ttlSeconds: number): Promise<boolean> {
    return this.kv.set(flowIndexKey(token), aor, { ttlSeconds })
  }

  async flowAor(token: string): Promise<string | undefined> {
    const v = await this.kv.get<string>(flowIndexKey(token))
    return typeof v === 'string' ? v : undefined
  }
}
