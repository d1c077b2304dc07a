/**
 * @module sprout/auth/challenge-store
 * Digest challenges in the regional KV (Clearwater's IMPI store, clearwater-interfaces §9.3,
 * reshaped): one small hash per (IMPI, nonce) holding one record whose version is the highest
 * nonce-count accepted (0 while unanswered) and whose expiry is the challenge lifetime (40 s),
 * extended to the registration's expiry once it has been answered, so a client that counts nonces
 * may reuse it (RFC 7616 §3.4, live test 86). Records never accumulate under one key (sprout#1602):
 * each nonce has its own key, gone with its TTL. Writes are guarded, so a replayed or concurrent
 * answer can only move the count up.
 */
import type { RegionalKv, VersionedRecord } from '../../../shared/vellum'

export interface ChallengeData {
  impu: string
  realm: string
  qop: string
  opaque: string
  /** HA1 per offered algorithm (MD5 always; SHA-256 when the password was provisioned). */
  ha1: { md5: string; sha256?: string }
  /** The flow that was challenged, for failure accounting. */
  flow?: string
  /** False until answered with valid credentials. */
  answered: boolean
}

export type ChallengeRecord = VersionedRecord<ChallengeData>

const FIELD = 'c'
/** Seconds a challenge key outlives its record. */
const GRACE_SECONDS = 5

export const challengeKey = (impi: string, nonce: string) => `auth:${impi}:${nonce}`

export class ChallengeStore {
  constructor(private readonly kv: RegionalKv) {}

  async create(
    impi: string,
    nonce: string,
    data: ChallengeData,
    expiresAtS: number
  ): Promise<void> {
    await this.kv.hsetIfNewer(
      challengeKey(impi, nonce),
      FIELD,
      { cseq: 0, expires: expiresAtS, data },
      { graceSeconds: GRACE_SECONDS }
    )
  }

  /** The live challenge, or undefined when unknown, expired or used up. */
  async read(impi: string, nonce: string): Promise<ChallengeRecord | undefined> {
    const fields = await this.kv.hgetLive<ChallengeData>(challengeKey(impi, nonce))
    return fields[FIELD]
  }

  /** Records an accepted nonce-count; false when a concurrent answer already used it. */
  async accept(
    impi: string,
    nonce: string,
    rec: ChallengeRecord,
    nc: number,
    keepUntilS: number
  ): Promise<boolean> {
    const out = await this.kv.hsetIfNewer(
      challengeKey(impi, nonce),
      FIELD,
      {
        cseq: nc,
        expires: Math.max(rec.expires, keepUntilS),
        data: { ...rec.data, answered: true },
      },
      { graceSeconds: GRACE_SECONDS }
    )
    return out === 'written'
  }

  /** Retires a nonce after a failed answer: a tombstone above any count, so it cannot be retried. */
  async retire(impi: string, nonce: string, rec: ChallengeRecord, nowS: number): Promise<void> {
    await this.kv.hsetIfNewer(
      challengeKey(impi, nonce),
      FIELD,
      { cseq: 2 ** 32, expires: nowS, data: rec.data },
      { graceSeconds: GRACE_SECONDS }
    )
  }
}
