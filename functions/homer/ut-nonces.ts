/**
 * @module homer/ut-nonces
 * Server nonces of the Ut digest challenge. A nonce is stateless and signed (RFC 7616 §3.3 and
 * §5.4 suggest a time stamp and a keyed hash): `base64url(expiry ms (8 bytes, big-endian) ‖
 * 12 random bytes ‖ first 16 bytes of HMAC-SHA-256(key, expiry ‖ random))`. Issuing one writes
 * nothing, so an unauthenticated request costs no store command; either region can check it,
 * since both derive the key from the same secret.
 *
 * Replays are refused when an answer arrives (RFC 7616 §3.4: "the server … can detect request
 * replays by watching for a repeated count"): each `(nonce, nonce-count)` is taken once with
 * `SET NX` in the regional KV, an atomic check-and-accept, so a burst of copies of one answer
 * gets in once. The key lives until the nonce expires, plus a grace period.
 */
import type { Clock } from '../../shared/config/clock'
import { fromBase64Url, toBase64Url } from '../../shared/hop/base64url'
import { hmacSha256Key } from '../../shared/hop/hmac-key'
import type { RegionalKv } from '../../shared/vellum/regional-kv'
import { UT_NONCE_GRACE_S, UT_NONCE_LIFETIME_S } from './homer-config'

export type NonceCheck =
  | { state: 'fresh'; expiresMs: number }
  | { state: 'stale'; expiresMs: number }
  /** Not a nonce Homer issued (or issued under another key): answer with a new challenge. */
  | { state: 'invalid' }

export const utNonceUseKey = (nonce: string, nc: number) => `homer:ut-nc:${nonce}:${nc}`

const RANDOM_BYTES = 12
const MAC_BYTES = 16
const NONCE_BYTES = 8 + RANDOM_BYTES + MAC_BYTES

async function mac(secret: string, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const sig = await crypto.subtle.sign('HMAC', await hmacSha256Key(secret), data)
  return new Uint8Array(sig).slice(0, MAC_BYTES)
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let d = 0
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!
  return d === 0
}

export class UtNonces {
  /**
   * @param secret the nonce key (derived from the trusted-zone secret by the composition root)
   */
  constructor(
    private readonly kv: RegionalKv,
    private readonly clock: Clock,
    private readonly secret: string,
    private readonly lifetimeS: number = UT_NONCE_LIFETIME_S
  ) {}

  /** A fresh nonce; nothing is stored. */
  async issue(): Promise<string> {
    const body = new Uint8Array(8 + RANDOM_BYTES)
    new DataView(body.buffer).setBigUint64(
      0,
      BigInt(Math.floor(this.clock.now() + this.lifetimeS * 1000))
    )
    crypto.getRandomValues(body.subarray(8))
    const out = new Uint8Array(NONCE_BYTES)
    out.set(body)
    out.set(await mac(this.secret, body), body.length)
    return toBase64Url(out)
  }

  /** Whether `nonce` is one of Homer's, and whether it has expired (no store access). */
  async check(nonce: string): Promise<NonceCheck> {
    const raw = nonce.length <= 64 ? fromBase64Url(nonce) : undefined
    if (!raw || raw.length !== NONCE_BYTES) return { state: 'invalid' }
    const body = raw.slice(0, 8 + RANDOM_BYTES)
    if (!sameBytes(await mac(this.secret, body), raw.subarray(8 + RANDOM_BYTES)))
      return { state: 'invalid' }
    const expiresMs = Number(new DataView(body.buffer).getBigUint64(0))
    return expiresMs > this.clock.now()
      ? { state: 'fresh', expiresMs }
      : { state: 'stale', expiresMs }
  }

  /**
   * Takes nonce-count `nc` of `nonce` atomically: true for the first taker, false for every
   * later one (a replay or a concurrent copy).
   */
  async use(nonce: string, nc: number, expiresMs: number): Promise<boolean> {
    const left = Math.max(1, Math.ceil((expiresMs - this.clock.now()) / 1000))
    return this.kv.set(utNonceUseKey(nonce, nc), 1, {
      nx: true,
      ttlSeconds: left + UT_NONCE_GRACE_S,
    })
  }
}
