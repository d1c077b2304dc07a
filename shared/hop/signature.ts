/**
 * @module signature
 * The trusted zone (architecture §3): every internal request carries an HMAC-SHA-256 over its
 * method, path (with query), timestamp and body under the deployment's shared secret. A request
 * that is unsigned, wrongly signed or older than the allowed skew is refused by the receiver.
 * WebCrypto only, so the same code runs in workerd, Lambda and Node.
 */
export const SIGNATURE_HEADER = 'x-edgewater-signature'
export const TIMESTAMP_HEADER = 'x-edgewater-timestamp'
/** Requests older (or newer) than this are stale: replay protection without server state. */
export const DEFAULT_MAX_SKEW_MS = 30_000

const encoder = new TextEncoder()
const keyCache = new Map<string, Promise<CryptoKey>>()

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret)
  if (!key) {
    key = crypto.subtle.importKey(
      'raw',
      encoder.encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify']
    )
    keyCache.set(secret, key)
  }
  return key
}

async function sha256Hex(body: Uint8Array<ArrayBuffer>): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', body))
  return toHex(d)
}

function toHex(b: Uint8Array): string {
  let s = ''
  for (const x of b) s += x.toString(16).padStart(2, '0')
  return s
}

function fromHex(s: string): Uint8Array<ArrayBuffer> | undefined {
  if (s.length % 2 !== 0 || !/^[0-9a-f]*$/.test(s)) return undefined
  const out = new Uint8Array(s.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.slice(i * 2, i * 2 + 2), 16)
  return out
}

async function canonical(
  method: string,
  pathAndQuery: string,
  timestamp: string,
  body: Uint8Array<ArrayBuffer>
) {
  return encoder.encode(
    `${method.toUpperCase()}\n${pathAndQuery}\n${timestamp}\n${await sha256Hex(body)}`
  )
}

function toBytes(
  body: string | Uint8Array | ArrayBuffer | undefined | null
): Uint8Array<ArrayBuffer> {
  if (body == null) return new Uint8Array()
  if (typeof body === 'string') return encoder.encode(body)
  return new Uint8Array(body)
}

/** Headers to add to an internal request. `url` may be absolute; only path and query are signed. */
export async function signRequest(
  secret: string,
  method: string,
  url: string,
  body: string | Uint8Array | ArrayBuffer | undefined | null,
  now: number = Date.now()
): Promise<Record<string, string>> {
  const u = new URL(url, 'http://internal.invalid')
  const ts = String(now)
  const sig = await crypto.subtle.sign(
    'HMAC',
    await hmacKey(secret),
    await canonical(method, u.pathname + u.search, ts, toBytes(body))
  )
  return { [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: toHex(new Uint8Array(sig)) }
}

export type VerifyResult = { ok: true } | { ok: false; reason: string }

/** Checks a received request's signature (constant time, via WebCrypto's verify). */
export async function verifySignature(
  secret: string,
  method: string,
  url: string,
  headers: Headers,
  body: Uint8Array | ArrayBuffer,
  now: number = Date.now(),
  maxSkewMs = DEFAULT_MAX_SKEW_MS
): Promise<VerifyResult> {
  const ts = headers.get(TIMESTAMP_HEADER)
  const sigHex = headers.get(SIGNATURE_HEADER)
  if (!ts || !sigHex) return { ok: false, reason: 'missing trusted-zone signature' }
  const t = Number(ts)
  if (!Number.isFinite(t) || Math.abs(now - t) > maxSkewMs)
    return { ok: false, reason: 'stale signature' }
  const sig = fromHex(sigHex)
  if (!sig) return { ok: false, reason: 'malformed signature' }
  const u = new URL(url, 'http://internal.invalid')
  const good = await crypto.subtle.verify(
    'HMAC',
    await hmacKey(secret),
    sig,
    await canonical(method, u.pathname + u.search, ts, toBytes(body))
  )
  return good ? { ok: true } : { ok: false, reason: 'bad signature' }
}
