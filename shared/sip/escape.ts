/**
 * @module escape
 * %-escaping of URI components (RFC 3261 §19.1.2, §25.1 `escaped`). Parsed URIs keep the wire form;
 * `unescapeUri` gives the decoded text (UTF-8 when the octets are valid UTF-8, otherwise one char per
 * octet, so `%00` and arbitrary octets never throw), and the `escape*` functions produce the wire
 * form of a component from text, escaping exactly what the component's grammar does not allow raw.
 */
import { CLASS, HNV, hexAt, PARAM, PASSWORD, USER } from './chars'
import { decodeUtf8, encodeUtf8 } from './utf8'

const hexVal = (c: number): number => (c <= 57 ? c - 48 : (c | 32) - 87)

/** Decodes every valid `%HH` in `s`; other characters (and malformed `%`) are left as they are. */
export function unescapeUri(s: string): string {
  const first = s.indexOf('%')
  if (first < 0) return s
  const bytes: number[] = []
  let ascii = true
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 37 && i + 2 < s.length && hexAt(s, i + 1) && hexAt(s, i + 2)) {
      const b = (hexVal(s.charCodeAt(i + 1)) << 4) | hexVal(s.charCodeAt(i + 2))
      if (b >= 0x80) ascii = false
      bytes.push(b)
      i += 2
    } else if (c < 0x80) bytes.push(c)
    else {
      // Non-ASCII text outside an escape: encode it so the decode below keeps it.
      for (const b of encodeUtf8(String.fromCharCode(c))) bytes.push(b)
      ascii = false
    }
  }
  const arr = Uint8Array.from(bytes)
  if (ascii) return String.fromCharCode.apply(null, bytes)
  const text = decodeUtf8(arr)
  return text ?? String.fromCharCode.apply(null, bytes)
}

const HEXCHARS = '0123456789ABCDEF'

function escapeWith(text: string, allowed: number): string {
  let out = ''
  let plain = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 128 && c !== 37 && (CLASS[c]! & allowed) !== 0) continue
    out += text.slice(plain, i)
    for (const b of encodeUtf8(text.slice(i, c >= 0xd800 && c <= 0xdbff ? i + 2 : i + 1))) {
      out += `%${HEXCHARS[b >> 4]}${HEXCHARS[b & 15]}`
    }
    if (c >= 0xd800 && c <= 0xdbff) i++
    plain = i + 1
  }
  return plain === 0 ? text : out + text.slice(plain)
}

/** Wire form of a SIP URI user part (`user`, RFC 3261 §25.1). */
export const escapeUser = (text: string): string => escapeWith(text, USER)
/** Wire form of a SIP URI password. */
export const escapePassword = (text: string): string => escapeWith(text, PASSWORD)
/** Wire form of a URI parameter name or value (`paramchar`). */
export const escapeParam = (text: string): string => escapeWith(text, PARAM)
/** Wire form of a URI header name or value (`hnv-unreserved` / unreserved). */
export const escapeHeader = (text: string): string => escapeWith(text, HNV)
