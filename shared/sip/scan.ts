/**
 * @module scan
 * Index-based lexical helpers shared by every header parser: skip linear white space, scan tokens
 * and quoted strings, and raise `SipParseError` with the absolute offset. Parsers work on
 * `(s, start, end)` windows of the original message string, so nothing is sliced until a value is
 * kept. CR and LF count as white space inside header values: that is how folded lines
 * (RFC 3261 §7.3.1, `LWS = [*WSP CRLF] 1*WSP`) are read without first unfolding the text.
 */
import { CLASS, TOKEN } from './chars'
import { SipParseError, type SipParseErrorCode } from './errors'

/** Throws a `SipParseError`; typed `never` so callers can `return fail(...)`. */
export function fail(
  reason: string,
  offset: number,
  code: SipParseErrorCode = 'header-value'
): never {
  throw new SipParseError(code, reason, offset)
}

/** Skips SP, HT, CR and LF (linear white space, including folds). */
export function skipLws(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i)
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) break
    i++
  }
  return i
}

/** Index just past the run of `token` characters starting at `i`. */
export function scanToken(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i)
    if ((CLASS[c]! & TOKEN) === 0) break
    i++
  }
  return i
}

/**
 * `s[i]` is `"`: returns the index just past the closing quote. Honours quoted-pair
 * (`\` followed by any char except CR/LF, RFC 3261 §25.1). Fast path: the first `"` after the
 * opening one closes the string unless a backslash precedes it.
 */
export function scanQuoted(s: string, i: number, end: number): number {
  const q = s.indexOf('"', i + 1)
  if (q > 0 && q < end && s.charCodeAt(q - 1) !== 92) return q + 1
  const open = i
  i++
  while (i < end) {
    const c = s.charCodeAt(i)
    if (c === 34) return i + 1
    if (c === 92) {
      const n = s.charCodeAt(i + 1)
      if (i + 1 >= end || n === 13 || n === 10) break
      i += 2
      continue
    }
    i++
  }
  return fail('unterminated quoted string', open)
}

/** Removes the quotes and quoted-pair escapes of a quoted-string; other text is returned as is. */
export function unquote(wire: string): string {
  if (wire.length < 2 || wire.charCodeAt(0) !== 34 || wire.charCodeAt(wire.length - 1) !== 34) {
    return wire
  }
  const inner = wire.slice(1, -1)
  if (inner.indexOf('\\') < 0) return inner.replace(/\r?\n[ \t]+/g, ' ')
  let out = ''
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!
    if (c === '\\' && i + 1 < inner.length) {
      out += inner[i + 1]
      i++
    } else out += c
  }
  return out.replace(/\r?\n[ \t]+/g, ' ')
}

/** Wraps `text` in a quoted-string, escaping `"` and `\` (RFC 3261 §25.1 quoted-pair). */
export function quote(text: string): string {
  return `"${text.replace(/[\\"]/g, '\\$&')}"`
}

/** Replaces each fold (CRLF/LF followed by SP/HT) with one SP, as RFC 3261 §7.3.1 allows. */
export function unfold(text: string): string {
  return text.replace(/\r?\n[ \t]+/g, ' ')
}

/** Parses an unsigned decimal in `s[start,end)`; throws when empty, non-digit, or above `max`. */
export function parseUint(
  s: string,
  start: number,
  end: number,
  max: number,
  what: string
): number {
  if (start >= end) fail(`missing ${what}`, start)
  let n = 0
  for (let i = start; i < end; i++) {
    const d = s.charCodeAt(i) - 48
    if (d < 0 || d > 9) fail(`invalid ${what}`, i)
    n = n * 10 + d
    if (n > max) fail(`${what} too large`, start)
  }
  return n
}
