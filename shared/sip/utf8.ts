/**
 * @module utf8
 * Pure UTF-8 helpers (no TextEncoder/TextDecoder globals): byte length of a string as sent on the
 * wire (Content-Length counts octets, RFC 3261 §20.14), encoding to bytes, strict decoding that
 * reports invalid input, and the latin1 ("binary") mapping used when a message is not valid UTF-8
 * so that every octet still round-trips (RFC 4475 §3.1.1.11 carries a binary body part).
 */

/** Number of UTF-8 octets of `s[start, end)`. Lone surrogates count as U+FFFD (3 octets). */
export function utf8Length(s: string, start = 0, end = s.length): number {
  let n = end - start
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) n += 1
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 2 // 4 octets for 2 UTF-16 units
        i++
      } else n += 2
    } else n += 2
  }
  return n
}

/**
 * Index in `s` (from `start`) at which `bytes` UTF-8 octets have been consumed, or -1 when the
 * string ends first or the boundary falls inside a character.
 */
export function utf8Offset(s: string, start: number, bytes: number): number {
  let i = start
  let n = 0
  while (n < bytes) {
    if (i >= s.length) return -1
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4
        i++
      } else n += 3
    } else n += 3
    i++
  }
  return n === bytes ? i : -1
}

/** Index in `s` after the longest run of whole characters from `start` fitting in `bytes` octets. */
export function clampUtf8(s: string, start: number, bytes: number): number {
  let i = start
  let n = 0
  while (i < s.length) {
    const c = s.charCodeAt(i)
    let w = c < 0x80 ? 1 : c < 0x800 ? 2 : 3
    let step = 1
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        w = 4
        step = 2
      }
    }
    if (n + w > bytes) break
    n += w
    i += step
  }
  return i
}

/** Encodes `s` as UTF-8. */
export function encodeUtf8(s: string): Uint8Array {
  const out = new Uint8Array(utf8Length(s))
  let o = 0
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i)
    if (c < 0x80) {
      out[o++] = c
      continue
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
        i++
        out[o++] = 0xf0 | (c >> 18)
        out[o++] = 0x80 | ((c >> 12) & 63)
        out[o++] = 0x80 | ((c >> 6) & 63)
        out[o++] = 0x80 | (c & 63)
        continue
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd
    if (c < 0x800) {
      out[o++] = 0xc0 | (c >> 6)
      out[o++] = 0x80 | (c & 63)
    } else {
      out[o++] = 0xe0 | (c >> 12)
      out[o++] = 0x80 | ((c >> 6) & 63)
      out[o++] = 0x80 | (c & 63)
    }
  }
  return out
}

/** Maps each octet to the char with the same code (ISO-8859-1); lossless for any bytes. */
export function decodeLatin1(b: Uint8Array, start = 0, end = b.length): string {
  let out = ''
  const CHUNK = 8192
  for (let i = start; i < end; i += CHUNK) {
    out += String.fromCharCode.apply(
      null,
      b.subarray(i, Math.min(end, i + CHUNK)) as unknown as number[]
    )
  }
  return out
}

/** Inverse of `decodeLatin1`; chars above 255 become `?` (they cannot come from a byte). */
export function encodeLatin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    out[i] = c < 256 ? c : 63
  }
  return out
}

/** Strict UTF-8 decode of `b[start,end)`; returns null on any invalid or overlong sequence. */
export function decodeUtf8(b: Uint8Array, start = 0, end = b.length): string | null {
  let ascii = true
  for (let i = start; i < end; i++) {
    if (b[i]! >= 0x80) {
      ascii = false
      break
    }
  }
  if (ascii) return decodeLatin1(b, start, end)
  const units: number[] = []
  let out = ''
  let i = start
  while (i < end) {
    const c = b[i]!
    let cp: number
    if (c < 0x80) {
      cp = c
      i++
    } else if (c >= 0xc2 && c <= 0xdf) {
      if (i + 1 >= end || (b[i + 1]! & 0xc0) !== 0x80) return null
      cp = ((c & 0x1f) << 6) | (b[i + 1]! & 0x3f)
      i += 2
    } else if (c >= 0xe0 && c <= 0xef) {
      if (i + 2 >= end || (b[i + 1]! & 0xc0) !== 0x80 || (b[i + 2]! & 0xc0) !== 0x80) return null
      cp = ((c & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f)
      if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) return null
      i += 3
    } else if (c >= 0xf0 && c <= 0xf4) {
      if (
        i + 3 >= end ||
        (b[i + 1]! & 0xc0) !== 0x80 ||
        (b[i + 2]! & 0xc0) !== 0x80 ||
        (b[i + 3]! & 0xc0) !== 0x80
      ) {
        return null
      }
      cp =
        ((c & 0x07) << 18) |
        ((b[i + 1]! & 0x3f) << 12) |
        ((b[i + 2]! & 0x3f) << 6) |
        (b[i + 3]! & 0x3f)
      if (cp < 0x10000 || cp > 0x10ffff) return null
      i += 4
    } else return null
    if (cp >= 0x10000) {
      cp -= 0x10000
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff))
    } else units.push(cp)
    if (units.length >= 8192) {
      out += String.fromCharCode.apply(null, units)
      units.length = 0
    }
  }
  return out + String.fromCharCode.apply(null, units)
}
