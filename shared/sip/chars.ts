/**
 * @module chars
 * Character classes of the RFC 3261 §25.1 grammar as one bit table, so scanners test a class with
 * a single indexed load (`CLASS[c] & TOKEN`) instead of regular expressions. Codes above 255 have
 * no class (UTF-8 text is only allowed inside quoted strings, reason phrases and bodies).
 */

/** `token` characters: alphanum and `-.!%*_+\`'~` (RFC 3261 §25.1). */
export const TOKEN = 1
/** SP and HT. */
export const WSP = 2
/** DIGIT. */
export const DIGIT = 4
/** HEXDIG (either case). */
export const HEX = 8
/** `unreserved` = alphanum / mark (`-_.!~*'()`). */
export const UNRESERVED = 16
/** Characters allowed raw in a SIP URI user part: unreserved / user-unreserved (`&=+$,;?/`). */
export const USER = 32
/** Raw characters of a URI parameter: unreserved / param-unreserved (`[]/:&+$`). */
export const PARAM = 64
/** Raw characters of a URI header name or value: unreserved / hnv-unreserved (`[]/?:+$`). */
export const HNV = 128
/** Raw characters of a password: unreserved / `&=+$,`. */
export const PASSWORD = 256
/** Host name characters (alphanum, `-`, `.`; `_` tolerated as many deployments use it). */
export const HOSTNAME = 512
/** URI scheme characters after the first: alphanum / `+-.` (RFC 3986 §3.1). */
export const SCHEME = 1024
/** Characters of an unquoted generic-param value: token plus `:[]` for hosts (RFC 3261 gen-value). */
export const PVALUE = 2048
/** `word` characters of Call-ID (RFC 3261 §25.1): token plus `()<>:\"/[]?{}`. */
export const WORD = 4096
/** `uric` characters of an absoluteURI (RFC 3261 §25.1 / RFC 2396): reserved / unreserved. */
export const URIC = 8192
/** Letters, for scheme starts and case folding. */
export const ALPHA = 16384

/**
 * The class table, indexed by any UTF-16 code unit (chars above 255 have no class). Covering the
 * whole range lets hot loops test `CLASS[c] & BITS` without a separate range check.
 */
export const CLASS: Uint16Array = (() => {
  const t = new Uint16Array(65536)
  const add = (chars: string, bits: number): void => {
    for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)]! |= bits
  }
  const range = (a: number, b: number, bits: number): void => {
    for (let c = a; c <= b; c++) t[c]! |= bits
  }
  const alnum = TOKEN | UNRESERVED | USER | PARAM | HNV | PASSWORD | HOSTNAME | SCHEME | PVALUE
  range(0x30, 0x39, alnum | DIGIT | HEX | WORD | URIC)
  range(0x41, 0x5a, alnum | ALPHA | WORD | URIC)
  range(0x61, 0x7a, alnum | ALPHA | WORD | URIC)
  add('abcdefABCDEF', HEX)
  add("-.!%*_+`'~", TOKEN | PVALUE | WORD)
  add("-_.!~*'()", UNRESERVED | USER | PARAM | HNV | PASSWORD | URIC)
  add('&=+$,;?/', USER)
  add('[]/:&+$', PARAM)
  add('[]/?:+$', HNV)
  add('&=+$,', PASSWORD)
  add('-._', HOSTNAME)
  add('+-.', SCHEME)
  add(':[]', PVALUE)
  add('()<>:\\"/[]?{}', WORD)
  add(';/?:@&=+$,%[]', URIC)
  add(' \t', WSP)
  return t
})()

/** Lower-cases an ASCII letter code, leaving every other code alone. */
export const lower = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c)

/** ASCII case-insensitive equality of two whole strings. */
export function eqIgnoreCase(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y && lower(x) !== lower(y)) return false
  }
  return true
}

/** True when `s[i]` is a hex digit. */
export function hexAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i)
  return (CLASS[c]! & HEX) !== 0
}
