/**
 * @module random
 * Identifiers that need entropy: branch ids (RFC 3261 §8.1.1.7, magic cookie `z9hG4bK`), tags
 * (§19.3: at least 32 random bits), Call-IDs (§8.1.1.4) and nonces. The random source is a
 * parameter (`crypto.getRandomValues.bind(crypto)` in production, a seeded fake in tests), so this
 * module touches no global. Tokens use lower-case base32, which is safe in every token position
 * and compares the same in any case.
 */
import { BRANCH_MAGIC_COOKIE } from './via'

/** Fills `bytes` with random octets (the shape of `crypto.getRandomValues`). */
export type RandomSource = (bytes: Uint8Array) => void

const B32 = 'abcdefghijklmnopqrstuvwxyz234567'

/** Base32 text carrying `bytes` random octets (8 bits each; 1.6 chars per octet). */
export function randomToken(random: RandomSource, bytes: number): string {
  const b = new Uint8Array(bytes)
  random(b)
  let out = ''
  let acc = 0
  let n = 0
  for (const x of b) {
    acc = (acc << 8) | x
    n += 8
    while (n >= 5) {
      n -= 5
      out += B32[(acc >>> n) & 31]
    }
    acc &= (1 << n) - 1
  }
  if (n > 0) out += B32[(acc << (5 - n)) & 31]
  return out
}

/** Lower-case hex of `bytes` random octets. */
export function randomHex(random: RandomSource, bytes: number): string {
  const b = new Uint8Array(bytes)
  random(b)
  let out = ''
  for (const x of b) out += x.toString(16).padStart(2, '0')
  return out
}

/** A new RFC 3261 branch: magic cookie plus 96 random bits. */
export const generateBranch = (random: RandomSource): string =>
  BRANCH_MAGIC_COOKIE + randomToken(random, 12)

/** A From/To tag with 64 random bits (RFC 3261 §19.3 asks for at least 32). */
export const generateTag = (random: RandomSource): string => randomToken(random, 8)

/** A Call-ID with 128 random bits, optionally `@host` (RFC 3261 §8.1.1.4). */
export const generateCallId = (random: RandomSource, host?: string): string =>
  host ? `${randomToken(random, 16)}@${host}` : randomToken(random, 16)

/** A digest nonce or opaque value: `bytes` random octets as hex (default 16 → 128 bits). */
export const generateNonce = (random: RandomSource, bytes = 16): string => randomHex(random, bytes)
