/**
 * @module uri
 * URI types and their parse/serialize pair: SIP and SIPS URIs (RFC 3261 §19.1, §25.1), tel URIs
 * (RFC 3966), URNs (RFC 8141, e.g. `urn:uuid:` instance ids and `urn:service:sos`) and any other
 * absolute URI kept opaque (RFC 3261 `absoluteURI`, so unknown schemes parse, RFC 4475 §3.3.2–3.3.4).
 * Components keep their wire form (escapes included): serialising an unchanged URI reproduces it;
 * use `unescapeUri` for text and `uriEquals` for RFC 3261 §19.1.4 comparison.
 */
import { ALPHA, CLASS, HNV, hexAt, PASSWORD, SCHEME, URIC, USER } from './chars'
import { isIPv6, parsePort, scanHost } from './host'
import { NO_PARAMS, type Param, parseUriParams, serializeParams } from './params'
import { fail } from './scan'

/** `sip:` / `sips:` URI. `host` keeps IPv6 brackets; `port` is null when absent. */
export interface SipUri {
  readonly kind: 'sip'
  readonly scheme: 'sip' | 'sips'
  readonly user: string | null
  readonly password: string | null
  readonly host: string
  readonly port: number | null
  readonly params: readonly Param[]
  /** `?name=value&…` URI headers (RFC 3261 §19.1.1), wire form. */
  readonly headers: readonly Param[]
}

/** `tel:` URI (RFC 3966): `number` is the global (`+…`) or local number as written. */
export interface TelUri {
  readonly kind: 'tel'
  readonly scheme: 'tel'
  readonly number: string
  readonly params: readonly Param[]
}

/** `urn:` URI (RFC 8141). */
export interface UrnUri {
  readonly kind: 'urn'
  readonly scheme: 'urn'
  readonly nid: string
  readonly nss: string
}

/** Any other scheme, kept as the opaque text after `scheme:`. */
export interface AbsoluteUri {
  readonly kind: 'absolute'
  /** Lower-case scheme. */
  readonly scheme: string
  readonly opaque: string
}

export type Uri = SipUri | TelUri | UrnUri | AbsoluteUri

/** Index past `paramchar`-style chars of class `bits` (raw, or valid `%HH`). */
function scanEscaped(s: string, i: number, end: number, bits: number): number {
  while (i < end) {
    const c = s.charCodeAt(i)
    if (c === 37) {
      if (i + 2 >= end || !hexAt(s, i + 1) || !hexAt(s, i + 2)) fail('invalid %-escape', i, 'uri')
      i += 3
    } else if ((CLASS[c]! & bits) !== 0) i++
    else break
  }
  return i
}

/** Parses `s[start,end)` as a URI; throws `SipParseError` (code `uri`) when it is not one. */
export function parseUri(s: string, start = 0, end: number = s.length): Uri {
  let i = start
  const first = s.charCodeAt(i)
  if (i >= end || (CLASS[first]! & ALPHA) === 0) fail('URI has no scheme', start, 'uri')
  i++
  while (i < end) {
    const c = s.charCodeAt(i)
    if ((CLASS[c]! & SCHEME) === 0) break
    i++
  }
  if (i >= end || s.charCodeAt(i) !== 58) fail('URI has no scheme', start, 'uri')
  const len = i - start
  const c0 = s.charCodeAt(start) | 32
  if (c0 === 115 && (len === 3 || len === 4) && (s.charCodeAt(start + 1) | 32) === 105) {
    if ((s.charCodeAt(start + 2) | 32) === 112) {
      if (len === 3) return parseSipUri(s, i + 1, end, 'sip')
      if ((s.charCodeAt(start + 3) | 32) === 115) return parseSipUri(s, i + 1, end, 'sips')
    }
  }
  const scheme = s.slice(start, i).toLowerCase()
  if (scheme === 'tel') return parseTelUri(s, i + 1, end)
  if (scheme === 'urn') return parseUrn(s, i + 1, end)
  const os = i + 1
  const oe = scanEscaped(s, os, end, URIC)
  if (oe === os || oe !== end) fail('invalid character in URI', oe, 'uri')
  return { kind: 'absolute', scheme, opaque: s.slice(os, end) }
}

function parseSipUri(s: string, i: number, end: number, scheme: 'sip' | 'sips'): SipUri {
  let user: string | null = null
  let password: string | null = null
  // '@' cannot occur in host, port, parameters or headers (RFC 3261 §25.1), so the first one
  // ends the userinfo. indexOf is native; past `end` it means there is no userinfo.
  const at = s.indexOf('@', i)
  if (at >= 0 && at < end) {
    // userinfo = (user / telephone-subscriber) [":" password] "@" (RFC 3261 §19.1.1).
    const ue = scanEscaped(s, i, at, USER)
    if (ue === i) fail('empty user part in SIP URI', i, 'uri')
    user = s.slice(i, ue)
    if (ue < at) {
      if (s.charCodeAt(ue) !== 58) fail('invalid character in SIP URI user part', ue, 'uri')
      const pe = scanEscaped(s, ue + 1, at, PASSWORD)
      if (pe !== at) fail('invalid character in SIP URI password', pe, 'uri')
      password = s.slice(ue + 1, at)
    }
    i = at + 1
  }
  const he = scanHost(s, i, end)
  const host = s.slice(i, he)
  i = he
  let port: number | null = null
  if (i < end && s.charCodeAt(i) === 58) {
    const ps = i + 1
    i = ps
    while (i < end) {
      const d = s.charCodeAt(i) - 48
      if (d < 0 || d > 9) break
      i++
    }
    port = parsePort(s, ps, i)
  }
  let params: readonly Param[] = NO_PARAMS
  if (i < end && s.charCodeAt(i) === 59) {
    const ps: Param[] = []
    i = parseUriParams(s, i, end, ps)
    params = ps
  }
  let headers: readonly Param[] = NO_PARAMS
  if (i < end && s.charCodeAt(i) === 63) {
    const hs: Param[] = []
    headers = hs
    // headers = "?" header *( "&" header ); header = hname "=" hvalue (RFC 3261 §25.1).
    do {
      const ns = i + 1
      i = scanEscaped(s, ns, end, HNV)
      if (i === ns) fail('empty URI header name', ns, 'uri')
      const name = s.slice(ns, i)
      if (i >= end || s.charCodeAt(i) !== 61) fail('URI header without =', i, 'uri')
      const vs = i + 1
      i = scanEscaped(s, vs, end, HNV)
      hs.push({ name, value: s.slice(vs, i) })
    } while (i < end && s.charCodeAt(i) === 38)
  }
  if (i !== end) fail('invalid character in SIP URI', i, 'uri')
  return { kind: 'sip', scheme, user, password, host, port, params, headers }
}

const isTelChar = (c: number, global: boolean): boolean =>
  (c >= 48 && c <= 57) ||
  c === 45 ||
  c === 46 ||
  c === 40 ||
  c === 41 ||
  (!global && ((c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 42 || c === 35))

function parseTelUri(s: string, i: number, end: number): TelUri {
  // telephone-subscriber = global-number / local-number (RFC 3966 §3).
  const ns = i
  const global = i < end && s.charCodeAt(i) === 43
  if (global) i++
  const ds = i
  while (i < end && isTelChar(s.charCodeAt(i), global)) i++
  if (i === ds) fail('empty tel URI number', ns, 'uri')
  const number = s.slice(ns, i)
  let params: readonly Param[] = NO_PARAMS
  if (i < end && s.charCodeAt(i) === 59) {
    const ps: Param[] = []
    i = parseUriParams(s, i, end, ps)
    params = ps
  }
  if (i !== end) fail('invalid character in tel URI', i, 'uri')
  return { kind: 'tel', scheme: 'tel', number, params }
}

function parseUrn(s: string, i: number, end: number): UrnUri {
  // NID = alphanum 0*30(alphanum / "-") alphanum (RFC 8141 §2).
  const ns = i
  while (i < end) {
    const c = s.charCodeAt(i)
    if (c !== 45 && (CLASS[c]! & ALPHA) === 0 && (c < 48 || c > 57)) break
    i++
  }
  if (i === ns || i - ns > 32 || i >= end || s.charCodeAt(i) !== 58) {
    fail('invalid URN namespace', ns, 'uri')
  }
  const ss = i + 1
  const se = scanEscaped(s, ss, end, URIC)
  if (se === ss || se !== end) fail('invalid URN', se, 'uri')
  return { kind: 'urn', scheme: 'urn', nid: s.slice(ns, i), nss: s.slice(ss, end) }
}

/** Serialises a URI to its wire form. */
export function serializeUri(u: Uri): string {
  switch (u.kind) {
    case 'sip': {
      let out = `${u.scheme}:`
      if (u.user !== null) out += u.password === null ? `${u.user}@` : `${u.user}:${u.password}@`
      out += u.host
      if (u.port !== null) out += `:${u.port}`
      if (u.params.length > 0) out += serializeParams(u.params)
      if (u.headers.length > 0) {
        out += `?${u.headers.map((h) => `${h.name}=${h.value ?? ''}`).join('&')}`
      }
      return out
    }
    case 'tel':
      return `tel:${u.number}${serializeParams(u.params)}`
    case 'urn':
      return `urn:${u.nid}:${u.nss}`
    default:
      return `${u.scheme}:${u.opaque}`
  }
}

/** Builds a SIP URI; `host` may be a bare IPv6 address, which gets its brackets. */
export function sipUri(fields: {
  host: string
  user?: string | null
  password?: string | null
  port?: number | null
  params?: readonly Param[]
  headers?: readonly Param[]
  secure?: boolean
}): SipUri {
  const h = fields.host
  const host = h.indexOf(':') >= 0 && h[0] !== '[' && isIPv6(h, 0, h.length) ? `[${h}]` : h
  return {
    kind: 'sip',
    scheme: fields.secure ? 'sips' : 'sip',
    user: fields.user ?? null,
    password: fields.password ?? null,
    host,
    port: fields.port ?? null,
    params: fields.params ?? NO_PARAMS,
    headers: fields.headers ?? NO_PARAMS,
  }
}

/** True for `sip:` and `sips:` URIs. */
export const isSipUri = (u: Uri): u is SipUri => u.kind === 'sip'
