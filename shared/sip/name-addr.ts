/**
 * @module name-addr
 * `name-addr` / `addr-spec` values with their header parameters (RFC 3261 §20.10, §25.1: From, To,
 * Contact, Route, Record-Route, Path, Service-Route, P-Asserted-Identity, …). The display name is a
 * quoted string or a run of tokens (no LWS is needed before `<`, RFC 4475 §3.1.1.6); in the
 * addr-spec form the URI ends at the first `;`, `,` or white space, so trailing parameters are
 * header parameters, not URI parameters (RFC 3261 §20.10; RFC 4475 §3.3.12–3.3.13).
 */
import { CLASS, TOKEN } from './chars'
import { NO_PARAMS, type Param, parseHeaderParams, serializeParams } from './params'
import { fail, quote, scanQuoted, skipLws, unfold, unquote } from './scan'
import { parseUri, serializeUri, type Uri } from './uri'

export interface NameAddr {
  /** Display name as text (quotes and escapes removed), or null when absent. */
  readonly displayName: string | null
  readonly uri: Uri
  /** Header parameters after the address (`tag`, `expires`, `lr` is a URI param, …). */
  readonly params: readonly Param[]
}

/**
 * Parses one name-addr or addr-spec with parameters starting at `i`; pushes it to `out` and returns
 * the index where it stopped (at `,` or `end`, LWS skipped).
 */
export function parseNameAddrAt(s: string, i: number, end: number, out: NameAddr[]): number {
  i = skipLws(s, i, end)
  let displayName: string | null = null
  let c = s.charCodeAt(i)
  if (c === 34) {
    const q = scanQuoted(s, i, end)
    displayName = unquote(s.slice(i, q))
    i = skipLws(s, q, end)
    if (s.charCodeAt(i) !== 60) fail('expected < after display name', i)
  } else if (c !== 60) {
    // Either display-name tokens followed by "<", or an addr-spec (whose scheme ends in ":").
    const ts = i
    let te = i
    let j = i
    for (;;) {
      const ws = j
      while (j < end) {
        c = s.charCodeAt(j)
        if ((CLASS[c]! & TOKEN) === 0) break
        j++
      }
      if (j === ws) break
      te = j
      if (j < end && s.charCodeAt(j) === 58 && ws === ts) return parseAddrSpec(s, ts, end, out)
      j = skipLws(s, j, end)
    }
    if (te === ts || s.charCodeAt(j) !== 60) fail('invalid display name or address', ts)
    displayName = unfold(s.slice(ts, te))
    i = j
  }
  // i is at "<"; no ">" can occur inside the URI (RFC 3261 §25.1), so indexOf finds its end.
  const gt = s.indexOf('>', i + 1)
  if (gt < 0 || gt >= end) fail('missing > after address', i)
  const uri = parseUri(s, i + 1, gt)
  return pushWithParams(s, gt + 1, end, out, displayName, uri)
}

function pushWithParams(
  s: string,
  i: number,
  end: number,
  out: NameAddr[],
  dn: string | null,
  uri: Uri
): number {
  i = skipLws(s, i, end)
  let params: readonly Param[] = NO_PARAMS
  if (s.charCodeAt(i) === 59) {
    const ps: Param[] = []
    i = parseHeaderParams(s, i, end, ps)
    params = ps
  }
  out.push({ displayName: dn, uri, params })
  return i
}

function parseAddrSpec(s: string, i: number, end: number, out: NameAddr[]): number {
  const us = i
  while (i < end) {
    const c = s.charCodeAt(i)
    if (c === 59 || c === 44 || c === 32 || c === 9 || c === 13 || c === 10) break
    i++
  }
  return pushWithParams(s, i, end, out, null, parseUri(s, us, i))
}

/** Parses a header value holding exactly one name-addr/addr-spec (From, To, …). */
export function parseNameAddr(s: string, start = 0, end: number = s.length): NameAddr {
  const out: NameAddr[] = []
  const i = parseNameAddrAt(s, start, end, out)
  if (i !== end) fail('unexpected text after address', i)
  return out[0]!
}

/** Parses a comma-separated list of name-addr/addr-spec values (Route, Path, PAI, …). */
export function parseNameAddrList(s: string, start = 0, end: number = s.length): NameAddr[] {
  const out: NameAddr[] = []
  let i = start
  for (;;) {
    i = parseNameAddrAt(s, i, end, out)
    if (i >= end) return out
    if (s.charCodeAt(i) !== 44) fail('expected , between addresses', i)
    i++
  }
}

/** Serialises with angle brackets always (safe for any URI) and a quoted display name. */
export function serializeNameAddr(na: NameAddr): string {
  const dn = na.displayName === null ? '' : `${quote(na.displayName)} `
  return `${dn}<${serializeUri(na.uri)}>${serializeParams(na.params)}`
}

/** A name-addr value from parts. */
export function nameAddr(
  uri: Uri,
  params: readonly Param[] = NO_PARAMS,
  displayName: string | null = null
): NameAddr {
  return { displayName, uri, params }
}
