/**
 * @module md5
 * MD5 (RFC 1321), synchronous and pure, for HTTP Digest (RFC 2617 / RFC 7616 `algorithm=MD5`).
 * WebCrypto has no MD5, and SIP Digest needs it on every REGISTER, so this is a small unrolled-by-
 * table implementation over 32-bit integers. Not for any other security purpose.
 */
import { encodeUtf8 } from './utf8'

const S = [
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14,
  20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6,
  10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
]
/** K[i] = floor(abs(sin(i + 1)) * 2^32) (RFC 1321 §3.4). */
const K = Int32Array.from(
  { length: 64 },
  (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0
)
const HEX = '0123456789abcdef'

/** MD5 digest of `data` (16 bytes). */
export function md5(data: Uint8Array): Uint8Array {
  const n = data.length
  const blocks = ((n + 8) >>> 6) + 1
  const buf = new Uint8Array(blocks * 64)
  buf.set(data)
  buf[n] = 0x80
  const bits = n * 8
  const tail = blocks * 64 - 8
  buf[tail] = bits & 0xff
  buf[tail + 1] = (bits >>> 8) & 0xff
  buf[tail + 2] = (bits >>> 16) & 0xff
  buf[tail + 3] = (bits >>> 24) & 0xff
  const hi = Math.floor(bits / 2 ** 32)
  buf[tail + 4] = hi & 0xff
  buf[tail + 5] = (hi >>> 8) & 0xff
  buf[tail + 6] = (hi >>> 16) & 0xff
  buf[tail + 7] = (hi >>> 24) & 0xff
  let a0 = 0x67452301
  let b0 = 0xefcdab89 | 0
  let c0 = 0x98badcfe | 0
  let d0 = 0x10325476
  const M = new Int32Array(16)
  for (let off = 0; off < buf.length; off += 64) {
    for (let j = 0; j < 16; j++) {
      const p = off + j * 4
      M[j] = buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24)
    }
    let a = a0
    let b = b0
    let c = c0
    let d = d0
    for (let i = 0; i < 64; i++) {
      let f: number
      let g: number
      if (i < 16) {
        f = (b & c) | (~b & d)
        g = i
      } else if (i < 32) {
        f = (d & b) | (~d & c)
        g = (5 * i + 1) & 15
      } else if (i < 48) {
        f = b ^ c ^ d
        g = (3 * i + 5) & 15
      } else {
        f = c ^ (b | ~d)
        g = (7 * i) & 15
      }
      const t = d
      d = c
      c = b
      const x = (a + f + K[i]! + M[g]!) | 0
      const s = S[i]!
      b = (b + ((x << s) | (x >>> (32 - s)))) | 0
      a = t
    }
    a0 = (a0 + a) | 0
    b0 = (b0 + b) | 0
    c0 = (c0 + c) | 0
    d0 = (d0 + d) | 0
  }
  const out = new Uint8Array(16)
  const words = [a0, b0, c0, d0]
  for (let w = 0; w < 4; w++) {
    const v = words[w]!
    out[w * 4] = v & 0xff
    out[w * 4 + 1] = (v >>> 8) & 0xff
    out[w * 4 + 2] = (v >>> 16) & 0xff
    out[w * 4 + 3] = (v >>> 24) & 0xff
  }
  return out
}

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += HEX[b >> 4]! + HEX[b & 15]!
  return s
}

/** Lower-case hex MD5 of a string (UTF-8 encoded) or bytes. */
export const md5Hex = (input: string | Uint8Array): string =>
  toHex(md5(typeof input === 'string' ? encodeUtf8(input) : input))
