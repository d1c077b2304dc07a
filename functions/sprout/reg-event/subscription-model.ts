/**
 * @module sprout/reg-event/subscription-model
 * A reg-event subscription as stored in its AoR's record map (record `s:<to tag>`,
 * clearwater-interfaces §5.4 and §9.2): the dialog Sprout holds as notifier (RFC 6665 §4.2,
 * RFC 3261 §12.1.1 UAS dialog state: remote target, route set from Record-Route, tags, Call-ID)
 * plus its expiry and the reginfo version of the last NOTIFY. The record's version is the CSeq
 * of the last NOTIFY, so every NOTIFY is a merged write that only moves it up (NOTIFY CSeqs
 * strictly increase, live test 90). The record is kept {@link SUBSCRIPTION_LINGER_SECONDS} past
 * the subscription's expiry so that the expiry pop, however late, still finds the dialog to send
 * the final NOTIFY on; readers judge liveness by `expiresAt`.
 */
import type { VersionedRecord } from '../../../shared/vellum'

/** Covers the Scheduler's minute precision plus its cross-region backup delay. */
export const SUBSCRIPTION_LINGER_SECONDS = 180

export interface SubscriptionData {
  /** Remote target: the SUBSCRIBE's Contact URI. */
  reqUri: string
  /** The subscriber's From (name-addr, tag included) and tag. */
  fromUri: string
  fromTag: string
  /** The watched identity as in the SUBSCRIBE's To (name-addr, without tag). */
  toUri: string
  /** Sprout's tag: the subscription id. */
  toTag: string
  cid: string
  /** Route set: the SUBSCRIBE's Record-Route values in order (RFC 3261 §12.1.1). */
  routes: string[]
  /** Real expiry, epoch seconds. */
  expiresAt: number
  /** reginfo version of the last NOTIFY (RFC 3680 §5.3: 0 for the first; -1 before it). */
  version: number
  /** Unbarred identities of the watched set as last notified (a reginfo registration each). */
  identities: string[]
  /** Asserted identity of the watcher. */
  watcher: string
  /** Edge flow of the subscriber (fallback route when there is no Record-Route). */
  flow?: string
}

export type SubscriptionRecord = VersionedRecord<SubscriptionData> & { tag: string }

export const isLive = (s: SubscriptionRecord, nowMs: number) => s.data.expiresAt * 1000 > nowMs
