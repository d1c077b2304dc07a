/**
 * @module hop/digest-nonce
 * Stateless digest nonces (RFC 7616 §3.3: "the contents of the nonce are implementation
 * dependent"; §5.4 suggests a time-stamp and a keyed hash). A challenge stores nothing: the nonce
 * itself carries what the answer is checked against, sealed with an HMAC-SHA-256 only the trusted
 * zone can make. Sprout's registrar mints and checks them (functions/sprout/registrar/
 * digest-auth.ts); the edge mints the same fresh challenge for a REGISTER without credentials
 * (edge/register-challenge.ts), so Sprout checks the answer unchanged. Layout before base64url
 * (36 bytes, 48 characters, opaque to clients):
 *
 * | bytes | field                                                                         |
 * | ----- | ----------------------------------------------------------------------------- |
 * | 0–5   | issue time, epoch ms, big-endian                                              |
 * | 6–13  | random                                                                        |
 * | 14–19 | identity tag: HMAC(key, "id" IMPI IMPU), first 6 bytes: who was challenged    |
 * | 20–35 | seal: HMAC(key, "nonce" bytes 0–19 realm), first 16 bytes (128 bits, RFC 2104 §5) |
 *
 * The identity tag binds the challenge to the private identity and the To identity it was
 * issued for, so an answer inside a REGISTER for another identity is recognised as such (403)
 * rather than merely stale. The key is derived from the trusted-zone secret with its own label,
 * so the nonce key is never the hop-signing key itself. Verification is constant-time. Pure:
 * WebCrypto only; the clock and the random bytes are the caller's, and so is any cache of keys
 * ({@link nonceKeyCache}).
 */
import { fromBase64Url, toBase64Url } from './base64url'

const ISSUED = 6
const RANDOM = 8
const ID_TAG = 6
const SEAL = 16
const BODY = ISSUED + RANDOM + ID_TAG
export const NONCE_BYTES = BODY + SEAL

/** The label the nonce key is derived with from the trusted-zone secret. */
const KEY_LABEL = 'edgewater/sprout/digest-nonce/v1'

const enc = new TextEncoder()

async function hmacKey(raw: Uint8Array<ArrayBuffer> | string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'raw',
    typeof raw === 'string' ? enc.encode(raw) : raw,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign']
  )
}

/** The nonce key derived from the trusted-zone `secret` (HMAC of {@link KEY_LABEL}). */
export async function deriveNonceKey(secret: string): Promise<CryptoKey> {
  const derived = await crypto.subtle.sign('HMAC', await hmacKey(secret), enc.encode(KEY_LABEL))
  return hmacKey(new Uint8Array(derived))
}

/**
 * A cache of derived keys by secret, for the caller to hold (one per isolate): the derivation is
 * two HMAC operations, done once per secret. Holds a few secrets (a rotation has two).
 */
export function nonceKeyCache(): (secret: string) => Promise<CryptoKey> {
  const keys = new Map<string, Promise<CryptoKey>>()
  return (secret) => {
    let k = keys.get(secret)
    if (!k) {
      k = deriveNonceKey(secret)
      if (keys.size > 8) keys.clear()
      keys.set(secret, k)
    }
    return k
  }
}

async function mac(key: CryptoKey, ...parts: Array<string | Uint8Array>): Promise<Uint8Array> {
  // Length-prefixed parts, so no two different part lists hash the same text.
  const chunks: Uint8Array[] = []
  for (const p of parts) {
    const b = typeof p === 'string' ? enc.encode(p) : p
    chunks.push(new Uint8Array([b.length >>> 8, b.length & 0xff]), b)
  }
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let at = 0
  for (const c of chunks) {
    all.set(c, at)
    at += c.length
  }
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, all))
}

const identityTag = async (key: CryptoKey, impi: string, impu: string) =>
  (await mac(key, 'id', impi, impu)).slice(0, ID_TAG)

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let d = 0
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!
  return d === 0
}

export interface NonceSubject {
  impi: string
  impu: string
  realm: string
}

/** A new nonce for `subject`, issued at `nowMs` with `random` (8 bytes). */
export async function mintNonce(
  key: CryptoKey,
  subject: NonceSubject,
  nowMs: number,
  random: Uint8Array
): Promise<string> {
  const body = new Uint8Array(BODY)
  let t = Math.max(0, Math.floor(nowMs))
  for (let i = ISSUED - 1; i >= 0; i--) {
    body[i] = t % 256
    t = Math.floor(t / 256)
  }
  body.set(random.subarray(0, RANDOM), ISSUED)
  body.set(await identityTag(key, subject.impi, subject.impu), ISSUED + RANDOM)
  const seal = (await mac(key, 'nonce', body, subject.realm)).slice(0, SEAL)
  const out = new Uint8Array(NONCE_BYTES)
  out.set(body)
  out.set(seal, BODY)
  return toBase64Url(out)
}

export type OpenedNonce =
  /** The trusted zone made it for this realm; `forSubject`: for this IMPI and IMPU. */
  | { ok: true; issuedMs: number; forSubject: boolean }
  /** Not a nonce the trusted zone made for this realm (forged, altered, another key): stale. */
  | { ok: false }

/** Checks the seal of `nonce` for `subject.realm` and whether it was issued to `subject`. */
export async function openNonce(
  key: CryptoKey,
  nonce: string,
  subject: NonceSubject
): Promise<OpenedNonce> {
  const raw = nonce.length === 48 ? fromBase64Url(nonce) : undefined
  if (!raw || raw.length !== NONCE_BYTES) return { ok: false }
  const body = raw.subarray(0, BODY)
  const seal = (await mac(key, 'nonce', body, subject.realm)).slice(0, SEAL)
  if (!sameBytes(seal, raw.subarray(BODY))) return { ok: false }
  let issuedMs = 0
  for (let i = 0; i < ISSUED; i++) issuedMs = issuedMs * 256 + raw[i]!
  const tag = await identityTag(key, subject.impi, subject.impu)
  return { ok: true, issuedMs, forSubject: sameBytes(tag, raw.subarray(ISSUED + RANDOM, BODY)) }
}
