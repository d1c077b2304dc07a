/**
 * @module uri-compare
 * URI equivalence. SIP/SIPS follow RFC 3261 §19.1.4: user and password compare case-sensitively
 * after unescaping, everything else case-insensitively; an absent port differs from an explicit
 * one; `user`, `ttl`, `method`, `maddr` and `transport` must match when either side has them, other
 * parameters only when both have them; URI headers must match as a set. tel URIs follow RFC 3966 §4
 * (visual separators ignored, all parameters must match). Other schemes compare scheme and text.
 */
import { eqIgnoreCase } from './chars'
import { unescapeUri } from './escape'
import { findParam, type Param } from './params'
import type { SipUri, TelUri, Uri } from './uri'

const STRICT_PARAMS = ['user', 'ttl', 'method', 'maddr', 'transport']

const unescLower = (s: string): string => unescapeUri(s).toLowerCase()

function paramsMatch(a: readonly Param[], b: readonly Param[]): boolean {
  for (const pa of a) {
    const pb = findParam(b, unescLower(pa.name))
    if (pb === undefined) {
      if (STRICT_PARAMS.includes(unescLower(pa.name))) return false
      continue
    }
    if (unescLower(pa.value ?? '') !== unescLower(pb.value ?? '')) return false
  }
  for (const pb of b) {
    if (
      STRICT_PARAMS.includes(unescLower(pb.name)) &&
      findParam(a, unescLower(pb.name)) === undefined
    ) {
      return false
    }
  }
  return true
}

function headersMatch(a: readonly Param[], b: readonly Param[]): boolean {
  if (a.length !== b.length) return false
  for (const ha of a) {
    const name = unescLower(ha.name)
    const hb = b.find((h) => unescLower(h.name) === name)
    // Header values compare case-sensitively after unescaping is not required; RFC 3261 says
    // all components other than userinfo are case-insensitive.
    if (hb === undefined || unescLower(ha.value ?? '') !== unescLower(hb.value ?? '')) return false
  }
  return true
}

function sipEquals(a: SipUri, b: SipUri): boolean {
  if (a.scheme !== b.scheme) return false
  if ((a.user === null) !== (b.user === null)) return false
  if (a.user !== null && unescapeUri(a.user) !== unescapeUri(b.user!)) return false
  if ((a.password ?? null) !== null || (b.password ?? null) !== null) {
    if (a.password === null || b.password === null) return false
    if (unescapeUri(a.password) !== unescapeUri(b.password)) return false
  }
  if (!eqIgnoreCase(a.host, b.host)) return false
  if (a.port !== b.port) return false
  return paramsMatch(a.params, b.params) && headersMatch(a.headers, b.headers)
}

const telDigits = (n: string): string => n.replace(/[-.()]/g, '').toLowerCase()

function telEquals(a: TelUri, b: TelUri): boolean {
  if (telDigits(a.number) !== telDigits(b.number)) return false
  if (a.params.length !== b.params.length) return false
  for (const pa of a.params) {
    const pb = findParam(b.params, pa.name.toLowerCase())
    if (pb === undefined || unescLower(pa.value ?? '') !== unescLower(pb.value ?? '')) return false
  }
  return true
}

/** RFC 3261 §19.1.4 / RFC 3966 §4 URI equivalence. */
export function uriEquals(a: Uri, b: Uri): boolean {
  if (a.kind !== b.kind) return false
  switch (a.kind) {
    case 'sip':
      return sipEquals(a, b as SipUri)
    case 'tel':
      return telEquals(a, b as TelUri)
    case 'urn': {
      const u = b as typeof a
      return eqIgnoreCase(a.nid, u.nid) && unescapeUri(a.nss) === unescapeUri(u.nss)
    }
    default: {
      const u = b as typeof a
      return a.scheme === u.scheme && a.opaque === u.opaque
    }
  }
}
