/**
 * @module host
 * Host syntax: host names, IPv4 addresses and IPv6 references (RFC 3261 §25.1 `host`, with the IPv6
 * ABNF as corrected by RFC 5954 §4.1). A three-colon form such as `2001:db8:::192.0.2.1`, which the
 * original RFC 3261 ABNF admitted (RFC 5118 §4.10), is rejected: it is not an IPv6 address under
 * RFC 4291. Bracketed and bare IPv6 are both accepted in Via `received` (RFC 5118 §4.5).
 */
import { CLASS, HOSTNAME, hexAt } from './chars'
import { fail } from './scan'

/** True when `s[start,end)` is a dotted-quad IPv4 address with each part 0–255. */
export function isIPv4(s: string, start: number, end: number): boolean {
  let parts = 0
  let i = start
  while (parts < 4) {
    const ps = i
    let v = 0
    while (i < end && i - ps < 3) {
      const d = s.charCodeAt(i) - 48
      if (d < 0 || d > 9) break
      v = v * 10 + d
      i++
    }
    if (i === ps || v > 255) return false
    parts++
    if (parts < 4) {
      if (i >= end || s.charCodeAt(i) !== 46) return false
      i++
    }
  }
  return i === end
}

/** True when `s[start,end)` is an IPv6 address (RFC 4291 §2.2 text forms, no brackets). */
export function isIPv6(s: string, start: number, end: number): boolean {
  let groups = 0
  let compressed = false
  let i = start
  if (end - start < 2) return false
  if (s.charCodeAt(i) === 58) {
    if (s.charCodeAt(i + 1) !== 58) return false
    compressed = true
    i += 2
    if (i === end) return true
  }
  while (i < end) {
    const gs = i
    while (i < end && i - gs < 5 && hexAt(s, i)) i++
    if (i < end && s.charCodeAt(i) === 46) {
      // Embedded IPv4 in the last 32 bits.
      if (!isIPv4(s, gs, end)) return false
      groups += 2
      i = end
      break
    }
    if (i === gs || i - gs > 4) return false
    groups++
    if (i === end) break
    if (s.charCodeAt(i) !== 58) return false
    i++
    if (i < end && s.charCodeAt(i) === 58) {
      if (compressed) return false
      compressed = true
      i++
      if (i === end) break
    } else if (i === end) return false
  }
  return compressed ? groups <= 7 : groups === 8
}

/**
 * Scans a `host` starting at `i`: an IPv6 reference `[...]`, or a host name / IPv4 address.
 * Returns the index just past it. Throws on an empty host or a malformed IPv6 reference.
 */
export function scanHost(s: string, i: number, end: number): number {
  if (i < end && s.charCodeAt(i) === 91) {
    const close = s.indexOf(']', i)
    if (close < 0 || close >= end) fail('unterminated IPv6 reference', i, 'uri')
    if (!isIPv6(s, i + 1, close)) fail('invalid IPv6 address', i + 1, 'uri')
    return close + 1
  }
  const hs = i
  while (i < end) {
    const c = s.charCodeAt(i)
    if ((CLASS[c]! & HOSTNAME) === 0) break
    i++
  }
  if (i === hs) fail('missing host', hs, 'uri')
  return i
}

/** Parses `:port` digits in `s[start,end)` as 0–65535. */
export function parsePort(s: string, start: number, end: number): number {
  if (start >= end || end - start > 5) fail('invalid port', start, 'uri')
  let n = 0
  for (let i = start; i < end; i++) {
    const d = s.charCodeAt(i) - 48
    if (d < 0 || d > 9) fail('invalid port', i, 'uri')
    n = n * 10 + d
  }
  if (n > 65535) fail('port out of range', start, 'uri')
  return n
}
