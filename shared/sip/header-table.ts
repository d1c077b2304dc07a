/**
 * @module header-table
 * The name→parser table behind lazy header parsing. Each known header (by canonical key) has a
 * parser over a `(s, start, end)` window and a serialiser; `list` headers (comma-separated values,
 * RFC 3261 §7.3.1) parse one field to an array and the message flattens fields. `HeaderTypes` maps
 * each key to the type of one value, which is what the typed message accessors return. Headers
 * not in the table stay raw strings.
 */
import { type AuthValue, parseAuthValue, serializeAuthValue } from './auth-header'
import { type Contact, parseContact, serializeContact } from './contact'
import { type NameAddr, parseNameAddr, parseNameAddrList, serializeNameAddr } from './name-addr'
import type { Param } from './params'
import {
  type CSeq,
  parseCallId,
  parseContentLength,
  parseCSeq,
  parseDeltaSeconds,
  parseMaxForwards,
  serializeCSeq,
} from './scalar-headers'
import {
  parseParamsOnly,
  parsePrivacy,
  parseSessionExpires,
  parseTokenList,
  parseValueParams,
  parseValueParamsList,
  type SessionExpires,
  serializeParamsOnly,
  serializeSessionExpires,
  serializeValueParams,
  type ValueWithParams,
} from './value-params'
import { parseVia, serializeVia, type Via } from './via'

/** Type of one value of each known header. */
export interface HeaderTypes {
  via: Via
  from: NameAddr
  to: NameAddr
  'call-id': string
  cseq: CSeq
  'max-forwards': number
  'content-length': number
  'content-type': ValueWithParams
  contact: Contact
  route: NameAddr
  'record-route': NameAddr
  path: NameAddr
  'service-route': NameAddr
  authorization: AuthValue
  'proxy-authorization': AuthValue
  'www-authenticate': AuthValue
  'proxy-authenticate': AuthValue
  expires: number
  'min-expires': number
  'session-expires': SessionExpires
  'min-se': SessionExpires
  supported: string
  require: string
  'proxy-require': string
  unsupported: string
  allow: string
  'allow-events': string
  'request-disposition': string
  privacy: string
  event: ValueWithParams
  'subscription-state': ValueWithParams
  'p-asserted-identity': NameAddr
  'p-preferred-identity': NameAddr
  'p-associated-uri': NameAddr
  'p-served-user': NameAddr
  'p-called-party-id': NameAddr
  'p-charging-vector': readonly Param[]
  'accept-contact': ValueWithParams
  'reject-contact': ValueWithParams
  diversion: NameAddr
  'history-info': NameAddr
  'refer-to': NameAddr
  'referred-by': NameAddr
  reason: ValueWithParams
}

export type HeaderKey = keyof HeaderTypes

export interface HeaderSpec {
  /** Comma-separated list header: `parse` returns an array of values. */
  readonly list: boolean
  /** A single value that is itself an array (P-Charging-Vector's parameters). */
  readonly arrayValue: boolean
  readonly parse: (s: string, start: number, end: number) => unknown
  readonly serialize: (v: never) => string
}

const str = (v: string): string => v
const num = (v: number): string => String(v)

const single = <T>(
  parse: (s: string, a: number, b: number) => T,
  serialize: (v: T) => string,
  arrayValue = false
): HeaderSpec => ({
  list: false,
  arrayValue,
  parse,
  serialize: serialize as (v: never) => string,
})
const list = <T>(
  parse: (s: string, a: number, b: number) => T[],
  serialize: (v: T) => string
): HeaderSpec => ({
  list: true,
  arrayValue: false,
  parse,
  serialize: serialize as (v: never) => string,
})

// P-Served-User (RFC 5502 §6) is one name-addr whose `sescase` / `regstate` are header params.
const nameAddr = single(parseNameAddr, serializeNameAddr)
const nameAddrs = list(parseNameAddrList, serializeNameAddr)
const tokens = list(parseTokenList, str)
const auth = single(parseAuthValue, serializeAuthValue)
const delta = single(parseDeltaSeconds, num)

/** The parser table, keyed by canonical header name. */
export const HEADER_SPECS: Readonly<Record<HeaderKey, HeaderSpec>> = {
  via: list(parseVia, serializeVia),
  from: nameAddr,
  to: nameAddr,
  'call-id': single(parseCallId, str),
  cseq: single(parseCSeq, serializeCSeq),
  'max-forwards': single(parseMaxForwards, num),
  'content-length': single(parseContentLength, num),
  'content-type': single(parseValueParams, serializeValueParams),
  contact: list(parseContact, serializeContact),
  route: nameAddrs,
  'record-route': nameAddrs,
  path: nameAddrs,
  'service-route': nameAddrs,
  authorization: auth,
  'proxy-authorization': auth,
  'www-authenticate': auth,
  'proxy-authenticate': auth,
  expires: delta,
  'min-expires': delta,
  'session-expires': single(parseSessionExpires, serializeSessionExpires),
  'min-se': single(parseSessionExpires, serializeSessionExpires),
  supported: tokens,
  require: tokens,
  'proxy-require': tokens,
  unsupported: tokens,
  allow: tokens,
  'allow-events': tokens,
  'request-disposition': tokens,
  privacy: list(parsePrivacy, str),
  event: single(parseValueParams, serializeValueParams),
  'subscription-state': single(parseValueParams, serializeValueParams),
  'p-asserted-identity': nameAddrs,
  'p-preferred-identity': nameAddrs,
  'p-associated-uri': nameAddrs,
  'p-served-user': nameAddr,
  'p-called-party-id': nameAddr,
  'p-charging-vector': single(parseParamsOnly, serializeParamsOnly, true),
  'accept-contact': list(parseValueParamsList, serializeValueParams),
  'reject-contact': list(parseValueParamsList, serializeValueParams),
  diversion: nameAddrs,
  'history-info': nameAddrs,
  'refer-to': nameAddr,
  'referred-by': nameAddr,
  reason: list(parseValueParamsList, serializeValueParams),
}

/** The spec for `key`, or undefined for headers kept raw. */
export const headerSpec = (key: string): HeaderSpec | undefined => SPEC_MAP.get(key)

const SPEC_MAP: ReadonlyMap<string, HeaderSpec> = new Map(Object.entries(HEADER_SPECS))

/** Serialises one typed value of header `key`. */
export function serializeHeaderValue<K extends HeaderKey>(key: K, value: HeaderTypes[K]): string {
  return (HEADER_SPECS[key].serialize as (v: HeaderTypes[K]) => string)(value)
}
