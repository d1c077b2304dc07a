/**
 * @module sprout/registrar/binding-model
 * How an AoR lives in the regional KV (clearwater-interfaces §9.2 reshaped for commuting
 * dual-writes, architecture §4): one record map per AoR (shared/vellum/record-map.ts), keyed by
 * the default public identity of the implicit registration set, whose records are the AoR's
 * bindings (`b:<binding id>`), reg-event subscriptions (`s:<to tag>`) and nonce uses
 * (`n:<impi>`). Each is a {@link VersionedRecord}: a binding's `cseq` is a version that only
 * grows (the registration time in ms, or one more than the previous version), its `expires` the
 * absolute expiry in epoch seconds; removal writes a tombstone (expiry passed, version bumped,
 * data marked `removed`). The SIP Call-ID and CSeq of the REGISTER that wrote a binding are kept in its
 * data for the RFC 3261 §10.3 step 7 ordering check.
 */
import type { VersionedRecord } from '../../../shared/vellum'

export const BINDING_PREFIX = 'b:'
export const SUBSCRIPTION_PREFIX = 's:'
/** The last accepted digest nonce-count of one private identity (auth/nonce-uses.ts). */
export const NONCE_USE_PREFIX = 'n:'

/** The KV record map of an AoR. */
export const aorKey = (aor: string) => `aor:${aor}`
/** The KV value naming the AoR a flow's bindings belong to (flow closure without an AoR). */
export const flowIndexKey = (token: string) => `regflow:${token}`
/**
 * How long the flow index lives: written once, when the flow gets a new binding (refreshes do
 * not rewrite it). The edge names the AoR in its flow-closure notice; the index serves only a
 * notice without one.
 */
export const FLOW_INDEX_TTL_SECONDS = 86_400

export interface BindingData {
  /** Contact URI as registered. */
  uri: string
  displayName?: string
  /** Call-ID and CSeq number of the REGISTER that last wrote the binding. */
  cid: string
  cseq: number
  /** Contact `q` as sent (qvalue text). */
  q?: string
  /** Contact parameters other than expires, q, pub-gruu and temp-gruu, in order. */
  params: Array<[string, string | null]>
  /** Path header values of the REGISTER, in order (RFC 3327). */
  paths: string[]
  /** Private identity that registered it. */
  impi: string
  instance?: string
  regId?: number
  /** Edge flow token from the first Path entry. */
  flow?: string
  /** An emergency binding (a Contact with `sos`, registrar/emergency.ts). */
  emergency?: true
  /** Its expiry is kept by the edge flow it was registered over, not a timer (flow-expiry.ts). */
  flowExpiry?: true
  /** When the binding was created (ms), for reginfo duration-registered. */
  registeredAt: number
  /** A tombstone: the binding was removed (its expiry pop has nothing left to do). */
  removed?: true
}

export type BindingRecord = VersionedRecord<BindingData>

export interface Binding extends BindingRecord {
  id: string
}

/** Seconds left before `expires` (epoch seconds), never negative. */
export const remainingSeconds = (expires: number, nowMs: number) =>
  Math.max(0, Math.round(expires - nowMs / 1000))

/**
 * Splits an AoR's live records into bindings, subscriptions and nonce uses by private identity (other
 * fields are ignored).
 */
export function splitAorFields<S>(fields: Record<string, VersionedRecord<unknown>>): {
  bindings: Binding[]
  subscriptions: Array<VersionedRecord<S> & { tag: string }>
  nonceUses: Record<string, VersionedRecord<{ nonce: string }>>
} {
  const bindings: Binding[] = []
  const subscriptions: Array<VersionedRecord<S> & { tag: string }> = []
  const nonceUses: Record<string, VersionedRecord<{ nonce: string }>> = {}
  for (const [f, r] of Object.entries(fields)) {
    if (f.startsWith(BINDING_PREFIX))
      bindings.push({ ...(r as BindingRecord), id: f.slice(BINDING_PREFIX.length) })
    else if (f.startsWith(SUBSCRIPTION_PREFIX))
      subscriptions.push({ ...(r as VersionedRecord<S>), tag: f.slice(SUBSCRIPTION_PREFIX.length) })
    else if (f.startsWith(NONCE_USE_PREFIX))
      nonceUses[f.slice(NONCE_USE_PREFIX.length)] = r as VersionedRecord<{ nonce: string }>
  }
  bindings.sort((a, b) => a.data.registeredAt - b.data.registeredAt || (a.id < b.id ? -1 : 1))
  return { bindings, subscriptions, nonceUses }
}
