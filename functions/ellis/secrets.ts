/**
 * @module ellis/secrets
 * Small WebCrypto helpers for Ellis's secrets: constant-time comparison (both sides hashed
 * first, so neither content nor length leaks through timing), random tokens, base64url, SHA-256
 * and HMAC, and the SIP password generator of clearwater-interfaces §1.4: 48 random bits written
 * in base 50 over the alphabet that avoids look-alike characters (9 characters).
 */
import { fromBase64Url, toBase64Url } from '../../shared/hop/base64url'

const encoder = new TextEncoder()

/** clearwater-interfaces §1.4 (python-common): no 0/O, 1/l/I, 2/Z-like pairs, u/U, i, o. */
export const SIP_PASSWORD_ALPHABET = 'abcdefghjkmnpqrstvwxyz3456789ABCDEFGHKMNPQRSTVWXYZ'
export const SIP_PASSWORD_BITS = 48
/** ⌈48 / log2(50)⌉ characters hold every 48-bit value. */
export const SIP_PASSWORD_LENGTH = Math.ceil(
  SIP_PASSWORD_BITS / Math.log2(SIP_PASSWORD_ALPHABET.length)
)

export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(n)
  crypto.getRandomValues(b)
  return b
}

export { fromBase64Url, toBase64Url }

export const toHex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')

/** A random URL-safe token of `bytes` bytes of entropy. */
export const randomToken = (bytes = 32) => toBase64Url(randomBytes(bytes))

/** A hex id like Clearwater's `number_id` (a UUID's 16 bytes, no dashes). */
export const randomHexId = () => toHex(randomBytes(16))

export async function sha256(text: string | Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const data = typeof text === 'string' ? encoder.encode(text) : text
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data))
}

export async function sha256Hex(text: string): Promise<string> {
  return toHex(await sha256(text))
}

/** HMAC-SHA-256 of a message under a secret, one imported key per secret and isolate. */
export { hmacSha256 } from '../../shared/hop/hmac-key'

/** Equal-length byte arrays compared without an early exit. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

/**
 * Constant-time comparison of two secrets (API key, signup code, recovery token): both are
 * hashed, then the digests are compared without an early exit.
 */
export async function secretsEqual(given: string | undefined, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(given ?? ''), sha256(expected)])
  return bytesEqual(a, b) && given !== undefined
}

/** clearwater-interfaces §1.4: 48 random bits in base 50 (9 characters). */
export function sipPassword(random: (n: number) => Uint8Array = randomBytes): string {
  let v = 0n
  for (const b of random(SIP_PASSWORD_BITS / 8)) v = (v << 8n) | BigInt(b)
  const base = BigInt(SIP_PASSWORD_ALPHABET.length)
  let out = ''
  for (let i = 0; i < SIP_PASSWORD_LENGTH; i++) {
    out = SIP_PASSWORD_ALPHABET[Number(v % base)] + out
    v /= base
  }
  return out
}
