/**
 * @module sprout/auth/nonce-uses
 * Replay protection for stateless nonces (RFC 7616 §3.4: the server "MAY" track nonce-counts;
 * Clearwater's live tests 86–87 expect it). Nothing is stored when a challenge is issued; when an
 * answer is accepted, one record of the To identity's AoR records it, written in the
 * registrar's single write round (in the same `SET … GET` as the bindings when the To
 * identity is the AoR, as it usually is), and read back by the AoR read every answer already
 * makes. So replay protection costs no KV command or round trip of its own.
 *
 * The record is `n:<impi>`: one per private identity, so it never accumulates. Its version is
 * `issued ms × 1024 + nonce-count`, and the AoR's merge keeps the highest, so:
 * - the same nonce with a count not above the last accepted one is a replay (stale);
 * - a higher count of the last accepted nonce is a refresh without a challenge (live test 86),
 *   allowed until the record expires (the registration's maximum expiry after each use);
 * - a nonce issued before the last accepted one is refused as stale (its use can no longer be
 *   told from a replay), so two devices sharing an IMPI that answer crossed challenges cost one
 *   of them one more challenge (nonces issued in the same millisecond are not ordered);
 * - a count of 1024 or more is stale: the client takes a fresh nonce.
 * Pure: the caller supplies the stored record and the clock.
 */
import type { VersionedRecord } from '../../../shared/vellum'
import { NONCE_USE_PREFIX } from '../registrar/binding-model'
/** Counts per nonce before a fresh challenge (keeps the version exact below 2^53). */
export const MAX_NONCE_COUNT = 1023

export interface NonceUseData {
  nonce: string
}

export type NonceUse = VersionedRecord<NonceUseData>

export const nonceUseField = (impi: string) => `${NONCE_USE_PREFIX}${impi}`

export const nonceUseVersion = (issuedMs: number, nc: number) => issuedMs * 1024 + nc

export type NonceVerdict =
  | { ok: true }
  /** Re-challenge with stale=true, naming why (for the log). */
  | { ok: false; why: 'replay' | 'expired' | 'superseded' | 'count' }

/**
 * What can be told without the stored record: a count out of range, or a first count (1) of a
 * nonce past its life, which no record could make valid (a reuse needs a count above the last
 * accepted, so at least 2). sip.js re-sends its last credentials on a refresh; this answers them
 * with no I/O.
 */
export function precheckNonceUse(o: {
  issuedMs: number
  nc: number
  nowMs: number
  lifeMs: number
}): NonceVerdict {
  if (o.nc < 1 || o.nc > MAX_NONCE_COUNT) return { ok: false, why: 'count' }
  if (o.nc === 1 && (o.nowMs - o.issuedMs > o.lifeMs || o.issuedMs - o.nowMs > 5_000))
    return { ok: false, why: 'expired' }
  return { ok: true }
}

export function judgeNonceUse(o: {
  nonce: string
  issuedMs: number
  nc: number
  stored: NonceUse | undefined
  nowMs: number
  /** How long an unused nonce may be answered (AUTH_CHALLENGE_SECONDS). */
  lifeMs: number
}): NonceVerdict {
  if (o.nc < 1 || o.nc > MAX_NONCE_COUNT) return { ok: false, why: 'count' }
  const known = o.stored?.data.nonce === o.nonce
  if (o.stored) {
    if (known && nonceUseVersion(o.issuedMs, o.nc) <= o.stored.cseq)
      return { ok: false, why: 'replay' }
    // Another nonce: refused only when issued before the stored one (a tie, two challenges in
    // the same millisecond, is let through).
    if (!known && o.issuedMs < Math.floor(o.stored.cseq / 1024))
      return { ok: false, why: 'superseded' }
  }
  // A nonce answered before may be reused while its record lives; a new one only while fresh
  // (and not from the future, beyond a little clock skew between regions).
  if (!known && (o.nowMs - o.issuedMs > o.lifeMs || o.issuedMs - o.nowMs > 5_000))
    return { ok: false, why: 'expired' }
  return { ok: true }
}

/** The record of an accepted answer, kept until `keepUntilS` (epoch seconds). */
export function acceptedUse(
  nonce: string,
  issuedMs: number,
  nc: number,
  keepUntilS: number
): NonceUse {
  return { cseq: nonceUseVersion(issuedMs, nc), expires: keepUntilS, data: { nonce } }
}
