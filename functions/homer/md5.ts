/**
 * @module homer/md5
 * MD5 (RFC 1321) over UTF-8 text, hex output. WebCrypto has no MD5 on Node (Lambda), yet HTTP
 * Digest with `algorithm=MD5` (RFC 7616 §3.3, still what most UEs and the stored Homestead HA1
 * use) needs it. Small, synchronous, pure; not for anything but digest authentication.
 */

const S = [
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14,
  20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6,
  10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
]
// K[i] = floor(abs(sin(i + 1)) * 2^32) (RFC 1321 §3.4).
const K = Array.from(
  { length: 64 },
  (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0
)

const encoder = new TextEncoder()

export function md5Hex(input: string | Uint8Array): string {
  const msg = typeof input === 'string' ? encoder.encode(input) : input
  // Padding (RFC 1321 §3.1–3.2): 0x80, zeros to 56 mod 64, then the bit length little-endian.
  const len = msg.length
  const total = (((len + 8) >>> 6) + 1) << 6
  const buf = new Uint8Array(total)
  buf.set(msg)
  buf[len] = 0x80
  const view = new DataView(buf.buffer)
  view.setUint32(total - 8, (len * 8) >>> 0, true)
  view.setUint32(total - 4, Math.floor(len / 0x20000000), true)

  let a0 = 0x67452301
  let b0 = 0xefcdab89
  let c0 = 0x98badcfe
  let d0 = 0x10325476
  const m = new Uint32Array(16)
  for (let off = 0; off < total; off += 64) {
    for (let j = 0; j < 16; j++) m[j] = view.getUint32(off + j * 4, true)
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
      const x = (a + f + K[i]! + m[g]!) >>> 0
      const s = S[i]!
      b = (b + ((x << s) | (x >>> (32 - s)))) >>> 0
      a = t
    }
    a0 = (a0 + a) >>> 0
    b0 = (b0 + b) >>> 0
    c0 = (c0 + c) >>> 0
    d0 = (d0 + d) >>> 0
  }
  const out = new DataView(new ArrayBuffer(16))
  out.setUint32(0, a0, true)
  out.setUint32(4, b0, true)
  out.setUint32(8, c0, true)
  out.setUint32(12, d0, true)
  let hex = ''
  for (let i = 0; i < 16; i++) hex += out.getUint8(i).toString(16).padStart(2, '0')
  return hex
}
