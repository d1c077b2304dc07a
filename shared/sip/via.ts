/**
 * @module via
 * Via header values (RFC 3261 §20.42, §25.1 `via-parm`): sent-protocol with SWS around the slashes
 * (RFC 4475 §3.1.1.1 folds inside it), sent-by host and port, and parameters. The parameters a
 * proxy uses are lifted out once at parse time: `branch` (RFC 3261 §8.1.1.7), `received`
 * (§18.2.1; bracketed or bare IPv6, RFC 5118 §4.5), `rport` (RFC 3581 §4: `true` when present
 * without a value), `maddr` and `ttl`. `params` stays the complete ordered list and is what
 * serialisation writes.
 */
import { isIPv6, parsePort, scanHost } from './host'
import { NO_PARAMS, type Param, parseHeaderParams, serializeParams } from './params'
import { fail, parseUint, scanToken, skipLws } from './scan'

export interface Via {
  /** `SIP/2.0` (protocol-name "/" protocol-version, white space removed). */
  readonly protocol: string
  /** Transport token in upper case: UDP, TCP, TLS, SCTP, WS, WSS, or an extension. */
  readonly transport: string
  readonly host: string
  readonly port: number | null
  readonly params: readonly Param[]
  readonly branch: string | null
  readonly received: string | null
  /** RFC 3581: `true` for a bare `rport` (request), the port number once filled in. */
  readonly rport: number | true | null
  readonly maddr: string | null
  readonly ttl: number | null
}

/** The RFC 3261 §8.1.1.7 magic cookie that starts every compliant branch. */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK'

function expectSlash(s: string, i: number, end: number): number {
  i = skipLws(s, i, end)
  if (s.charCodeAt(i) !== 47) fail('expected / in Via sent-protocol', i)
  return skipLws(s, i + 1, end)
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** Lifts branch/received/rport/maddr/ttl out of `v.params` into `v`. */
function lift(v: Mutable<Via>, offset: number): Via {
  for (const p of v.params) {
    let n = p.name
    if (n !== 'branch' && n !== 'received' && n !== 'rport' && n.length <= 8) n = n.toLowerCase()
    switch (n) {
      case 'branch':
        v.branch = p.value
        break
      case 'received':
        // via-received = IPv4address / IPv6address (RFC 3261), or an IPv6 reference (RFC 5118).
        if (p.value === null) fail('received parameter without value', offset)
        v.received = p.value
        break
      case 'rport':
        v.rport = p.value === null ? true : parseUint(p.value, 0, p.value.length, 65535, 'rport')
        break
      case 'maddr':
        v.maddr = p.value
        break
      case 'ttl':
        if (p.value === null) fail('ttl parameter without value', offset)
        v.ttl = parseUint(p.value, 0, p.value.length, 255, 'ttl')
        break
    }
  }
  return v
}

function newVia(
  protocol: string,
  transport: string,
  host: string,
  port: number | null,
  params: readonly Param[]
): Mutable<Via> {
  return {
    protocol,
    transport,
    host,
    port,
    params,
    branch: null,
    received: null,
    rport: null,
    maddr: null,
    ttl: null,
  }
}

/** Parses one via-parm from `i`; pushes it and returns the index of the next `,` or `end`. */
export function parseViaAt(s: string, i: number, end: number, out: Via[]): number {
  i = skipLws(s, i, end)
  let protocol = 'SIP/2.0'
  if (isSip20Slash(s, i)) i += 8
  else i = sentProtocolSlow(s, i, end, (p) => (protocol = p))
  const ts = i
  i = scanToken(s, i, end)
  if (i === ts) fail('missing Via transport', ts)
  const transport = transportAt(s, ts, i)
  const hs = skipLws(s, i, end)
  if (hs === i) fail('missing white space before Via sent-by', i)
  const he = scanHost(s, hs, end)
  const host = s.slice(hs, he)
  i = he
  let port: number | null = null
  let c = s.charCodeAt(i)
  if (c !== 58 && c !== 59 && c !== 44 && i < end) c = s.charCodeAt((i = skipLws(s, i, end)))
  if (c === 58) {
    const ps = skipLws(s, i + 1, end)
    i = ps
    while (i < end && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++
    port = parsePort(s, ps, i)
  }
  let params: readonly Param[] = NO_PARAMS
  const ps: Param[] = []
  i = parseHeaderParams(s, i, end, ps)
  if (ps.length > 0) params = ps
  out.push(lift(newVia(protocol, transport, host, port, params), i))
  return i
}

/** `SIP/2.0/` exactly at `i` (the form every stack sends). */
const isSip20Slash = (s: string, i: number): boolean =>
  s.charCodeAt(i) === 83 &&
  s.charCodeAt(i + 1) === 73 &&
  s.charCodeAt(i + 2) === 80 &&
  s.charCodeAt(i + 3) === 47 &&
  s.charCodeAt(i + 4) === 50 &&
  s.charCodeAt(i + 5) === 46 &&
  s.charCodeAt(i + 6) === 48 &&
  s.charCodeAt(i + 7) === 47

/** sent-protocol with LWS around the slashes or another name/version (RFC 3261 §20.42). */
function sentProtocolSlow(s: string, i: number, end: number, set: (p: string) => void): number {
  const ns = i
  i = scanToken(s, i, end)
  if (i === ns) fail('missing Via protocol', ns)
  const ne = i
  i = expectSlash(s, i, end)
  const vs = i
  i = scanToken(s, i, end)
  if (i === vs) fail('missing Via protocol version', vs)
  const name = s.slice(ns, ne).toUpperCase()
  const version = s.slice(vs, i)
  set(name === 'SIP' && version === '2.0' ? 'SIP/2.0' : `${name}/${version}`)
  return expectSlash(s, i, end)
}

const TRANSPORTS = ['UDP', 'TCP', 'TLS', 'WS', 'WSS', 'SCTP']

/** Upper-case transport token; the registered ones come back as shared constants. */
function transportAt(s: string, a: number, b: number): string {
  for (const t of TRANSPORTS) {
    if (t.length !== b - a) continue
    let k = 0
    while (k < t.length && (s.charCodeAt(a + k) & ~32) === t.charCodeAt(k)) k++
    if (k === t.length) return t
  }
  return s.slice(a, b).toUpperCase()
}

/** Parses a Via header value (one or more comma-separated via-parms). */
export function parseVia(s: string, start = 0, end: number = s.length): Via[] {
  const out: Via[] = []
  let i = start
  for (;;) {
    i = parseViaAt(s, i, end, out)
    if (i >= end) return out
    if (s.charCodeAt(i) !== 44) fail('expected , between Via values', i)
    i++
  }
}

/** Serialises one via-parm. */
export function serializeVia(v: Via): string {
  const port = v.port === null ? '' : `:${v.port}`
  return `${v.protocol}/${v.transport} ${v.host}${port}${serializeParams(v.params)}`
}

/** Builds a Via; `params` are written after `branch` (and `rport` when requested). */
export function makeVia(fields: {
  transport: string
  host: string
  port?: number | null
  branch: string
  rport?: boolean
  params?: readonly Param[]
}): Via {
  const params: Param[] = [{ name: 'branch', value: fields.branch }]
  if (fields.rport) params.push({ name: 'rport', value: null })
  if (fields.params) params.push(...fields.params)
  const host = hostRef(fields.host)
  return lift(
    newVia('SIP/2.0', fields.transport.toUpperCase(), host, fields.port ?? null, params),
    0
  )
}

/** A Via with `params` replaced and the lifted fields recomputed from them. */
export function viaWithParams(
  v: Pick<Via, 'protocol' | 'transport' | 'host' | 'port'>,
  params: readonly Param[]
): Via {
  return lift(newVia(v.protocol, v.transport, v.host, v.port, params), 0)
}

const hostRef = (h: string): string =>
  h.indexOf(':') >= 0 && h[0] !== '[' && isIPv6(h, 0, h.length) ? `[${h}]` : h

/** True when the branch carries the RFC 3261 magic cookie (and more than just the cookie). */
export const isRfc3261Branch = (branch: string | null): boolean =>
  branch !== null &&
  branch.length > BRANCH_MAGIC_COOKIE.length &&
  branch.startsWith(BRANCH_MAGIC_COOKIE)
