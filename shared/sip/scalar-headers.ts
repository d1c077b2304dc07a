/**
 * @module scalar-headers
 * Parsers for the single-value headers a proxy checks on every message: CSeq (RFC 3261 §20.16:
 * sequence number below 2^31, RFC 4475 §3.1.2.4), Call-ID (§20.8, `word ["@" word]`),
 * Max-Forwards (§20.22, 0–255 per RFC 4475 §3.1.2.4), Content-Length (§20.14) and the
 * delta-seconds headers Expires / Min-Expires (§20.19, §20.23: up to 2^32−1). Leading zeros are
 * legal (RFC 4475 §3.1.1.1).
 */
import { CLASS, WORD } from './chars'
import { fail, parseUint, scanToken, skipLws } from './scan'

export interface CSeq {
  readonly seq: number
  readonly method: string
}

/** Largest CSeq sequence number (RFC 3261 §8.1.1.5: less than 2^31). */
export const MAX_CSEQ = 2 ** 31 - 1
/** Largest delta-seconds value (RFC 3261 §20.19). */
export const MAX_DELTA_SECONDS = 2 ** 32 - 1

/** Index past a run of digits from `i`. */
function scanDigits(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i)
    if (c < 48 || c > 57) break
    i++
  }
  return i
}

/** Parses an unsigned integer header value with LWS around it. */
function parseNumberValue(
  s: string,
  start: number,
  end: number,
  max: number,
  what: string
): number {
  const i = skipLws(s, start, end)
  const de = scanDigits(s, i, end)
  const n = parseUint(s, i, de, max, what)
  if (skipLws(s, de, end) !== end) fail(`invalid ${what}`, de)
  return n
}

/** `CSeq: 1*DIGIT LWS Method`. */
export function parseCSeq(s: string, start = 0, end: number = s.length): CSeq {
  let i = skipLws(s, start, end)
  const ds = i
  i = scanDigits(s, i, end)
  const seq = parseUint(s, ds, i, MAX_CSEQ, 'CSeq number')
  const ms = skipLws(s, i, end)
  if (ms === i) fail('missing CSeq method', i)
  const me = scanToken(s, ms, end)
  if (me === ms) fail('missing CSeq method', ms)
  if (skipLws(s, me, end) !== end) fail('unexpected text after CSeq method', me)
  return { seq, method: s.slice(ms, me) }
}

/** `Call-ID: word ["@" word]`; returns the Call-ID text. */
export function parseCallId(s: string, start = 0, end: number = s.length): string {
  const i = skipLws(s, start, end)
  let j = i
  let at = false
  while (j < end) {
    const c = s.charCodeAt(j)
    if (c === 64 && !at && j > i) at = true
    else if ((CLASS[c]! & WORD) === 0) break
    j++
  }
  if (j === i || s.charCodeAt(j - 1) === 64) fail('invalid Call-ID', i)
  if (skipLws(s, j, end) !== end) fail('invalid character in Call-ID', j)
  return s.slice(i, j)
}

/** `Max-Forwards: 1*DIGIT`, 0–255. */
export const parseMaxForwards = (s: string, start = 0, end: number = s.length): number =>
  parseNumberValue(s, start, end, 255, 'Max-Forwards')

/** `Content-Length: 1*DIGIT`. */
export const parseContentLength = (s: string, start = 0, end: number = s.length): number =>
  parseNumberValue(s, start, end, MAX_DELTA_SECONDS, 'Content-Length')

/** `Expires` / `Min-Expires`: delta-seconds. */
export const parseDeltaSeconds = (s: string, start = 0, end: number = s.length): number =>
  parseNumberValue(s, start, end, MAX_DELTA_SECONDS, 'delta-seconds')

export const serializeCSeq = (c: CSeq): string => `${c.seq} ${c.method}`
