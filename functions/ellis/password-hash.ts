/**
 * @module ellis/password-hash
 * Account passwords are stored as PBKDF2-HMAC-SHA-256 (RFC 8018 §5.2) with a 16-byte random salt
 * and a high iteration count, all through WebCrypto so the same code runs on Lambda and workerd.
 * The parameters travel with the hash: `pbkdf2-sha256$<iterations>$<salt b64url>$<hash b64url>`,
 * so the iteration count can be raised later and old hashes still verify (and are upgraded at
 * the next successful login, see {@link needsRehash}). Verification compares in constant time.
 * Unknown accounts are checked against a dummy hash of the same cost, so a login for an
 * address that does not exist takes as long as one with a wrong password.
 */
import { bytesEqual, fromBase64Url, randomBytes, toBase64Url } from './secrets'

const SCHEME = 'pbkdf2-sha256'
const SALT_BYTES = 16
const HASH_BITS = 256

async function derive(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(password),
    'PBKDF2',
    false,
    ['deriveBits']
  )
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    key,
    HASH_BITS
  )
  return new Uint8Array(bits)
}

export async function hashPassword(password: string, iterations: number): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const hash = await derive(password, salt, iterations)
  return `${SCHEME}$${iterations}$${toBase64Url(salt)}$${toBase64Url(hash)}`
}

interface Parsed {
  iterations: number
  salt: Uint8Array<ArrayBuffer>
  hash: Uint8Array<ArrayBuffer>
}

function parse(stored: string): Parsed | undefined {
  const [scheme, it, salt, hash, ...rest] = stored.split('$')
  if (scheme !== SCHEME || rest.length > 0 || !it || !salt || !hash) return undefined
  const iterations = Number(it)
  const s = fromBase64Url(salt)
  const h = fromBase64Url(hash)
  if (!Number.isInteger(iterations) || iterations < 1 || !s || !h) return undefined
  return { iterations, salt: s, hash: h }
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const p = parse(stored)
  if (!p) return false
  return bytesEqual(await derive(password, p.salt, p.iterations), p.hash)
}

/** True when the stored hash was made with fewer iterations than configured now. */
export function needsRehash(stored: string, iterations: number): boolean {
  const p = parse(stored)
  return !p || p.iterations < iterations
}

/** Spends the same work as a real verification, for accounts that do not exist. */
export async function dummyVerify(password: string, iterations: number): Promise<false> {
  await derive(password, new Uint8Array(SALT_BYTES), iterations)
  return false
}
