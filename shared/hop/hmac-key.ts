/**
 * HMAC-SHA-256 (RFC 2104, FIPS 198-1) over Web Crypto with one imported key per key material and
 * isolate: `crypto.subtle.importKey` is asynchronous and not free, and the same secret signs many
 * tokens. The cache holds one entry per distinct key material (a handful of configured secrets).
 */
const encoder = new TextEncoder()
const keys = new Map<string, Promise<CryptoKey>>()

/** The HMAC-SHA-256 key for `material` (its UTF-8 bytes), imported once per isolate. */
export function hmacSha256Key(material: string): Promise<CryptoKey> {
  let k = keys.get(material)
  if (!k) {
    k = crypto.subtle.importKey(
      'raw',
      encoder.encode(material),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify']
    )
    keys.set(material, k)
  }
  return k
}

/** HMAC-SHA-256 of `data` (UTF-8) under the key material `material`: 32 bytes. */
export async function hmacSha256(material: string, data: string): Promise<Uint8Array> {
  const sig = await crypto.subtle.sign('HMAC', await hmacSha256Key(material), encoder.encode(data))
  return new Uint8Array(sig)
}
