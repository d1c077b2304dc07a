/**
 * @module homer/ut-nonces
 * Server nonces of the Ut digest challenge, kept in the regional KV (dual-written, so an answer
 * may reach either region) with a TTL. Each record holds its expiry on the deployment clock and
 * the highest nonce-count seen: a nonce is usable until it expires (RFC 7616 §5.4, then the
 * client is told `stale=true`), and a request reusing a nonce-count is refused as a replay
 * (RFC 7616 §3.4: "the server … can detect request replays by watching for a repeated count").
 */
import type { Clock } from '../../shared/config/clock'
import type { RegionalKv } from '../../shared/vellum/regional-kv'
import { UT_NONCE_GRACE_S, UT_NONCE_LIFETIME_S } from './homer-config'

export interface NonceRecord {
  expiresMs: number
  /** Highest nonce-count accepted so far (0 before the first use). */
  nc: number
}

export type NonceCheck =
  | { state: 'fresh'; record: NonceRecord }
  | { state: 'stale' }
  | { state: 'replayed' }

export const utNonceKey = (nonce: string) => `homer:ut-nonce:${nonce}`

function randomNonce(): string {
  const b = crypto.getRandomValues(new Uint8Array(18))
  let bin = ''
  for (const x of b) bin += String.fromCharCode(x)
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_')
}

export class UtNonces {
  constructor(
    private readonly kv: RegionalKv,
    private readonly clock: Clock,
    private readonly lifetimeS: number = UT_NONCE_LIFETIME_S
  ) {}

  /** A fresh nonce, stored before it is handed out. */
  async issue(): Promise<string> {
    const nonce = randomNonce()
    const rec: NonceRecord = { expiresMs: this.clock.now() + this.lifetimeS * 1000, nc: 0 }
    await this.kv.set(utNonceKey(nonce), rec, {
      ttlSeconds: this.lifetimeS + UT_NONCE_GRACE_S,
      nx: true,
    })
    return nonce
  }

  /** Whether `nonce` may be used with nonce-count `nc` now. */
  async check(nonce: string, nc: number): Promise<NonceCheck> {
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(nonce)) return { state: 'stale' }
    const record = await this.kv.get<NonceRecord>(utNonceKey(nonce))
    if (!record || record.expiresMs <= this.clock.now()) return { state: 'stale' }
    return nc > record.nc ? { state: 'fresh', record } : { state: 'replayed' }
  }

  /** Records an accepted nonce-count (`rec` from {@link check}), keeping the expiry. */
  async accept(nonce: string, rec: NonceRecord, nc: number): Promise<void> {
    const left = Math.ceil((rec.expiresMs - this.clock.now()) / 1000)
    if (left <= 0) return
    await this.kv.set(
      utNonceKey(nonce),
      { expiresMs: rec.expiresMs, nc: Math.max(nc, rec.nc) },
      { ttlSeconds: left + UT_NONCE_GRACE_S }
    )
  }
}
