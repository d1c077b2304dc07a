/**
 * @module contact
 * Contact header values (RFC 3261 §20.10, §10.2.1): either the wildcard `*` (only valid with
 * `Expires: 0`, §10.2.2) or a list of name-addr/addr-spec values whose parameters carry the
 * registration data: `expires` (delta-seconds), `q` (qvalue 0–1, §20.10), `+sip.instance`
 * (RFC 5626 §4.1), `reg-id` (RFC 5626 §4.2), `pub-gruu` / `temp-gruu` (RFC 5627 §5) and feature
 * tags (RFC 3840 §9: `+` names and the base tags such as `audio`, `video`, `methods`).
 */
import { eqIgnoreCase } from './chars'
import { type NameAddr, parseNameAddrAt, serializeNameAddr } from './name-addr'
import type { Param } from './params'
import { MAX_DELTA_SECONDS } from './scalar-headers'
import { fail, parseUint, skipLws, unquote } from './scan'

/** One Contact value: an address, or the `*` wildcard of a remove-all REGISTER. */
export type Contact = NameAddr | '*'

/** Parses a Contact header value: `*` or a comma-separated list of addresses. */
export function parseContact(s: string, start = 0, end: number = s.length): Contact[] {
  let i = skipLws(s, start, end)
  if (s.charCodeAt(i) === 42 && skipLws(s, i + 1, end) === end) return ['*']
  const out: NameAddr[] = []
  for (;;) {
    i = parseNameAddrAt(s, i, end, out)
    if (i >= end) return out
    if (s.charCodeAt(i) !== 44) fail('expected , between Contact values', i)
    i++
  }
}

export const serializeContact = (c: Contact): string => (c === '*' ? '*' : serializeNameAddr(c))

function param(c: NameAddr, name: string): Param | undefined {
  for (const p of c.params) if (eqIgnoreCase(p.name, name)) return p
  return undefined
}

/** The `expires` parameter in seconds, undefined when absent; throws when malformed/overlarge. */
export function contactExpires(c: NameAddr): number | undefined {
  const p = param(c, 'expires')
  if (p === undefined) return undefined
  const v = p.value === null ? '' : unquote(p.value)
  return parseUint(v, 0, v.length, MAX_DELTA_SECONDS, 'Contact expires')
}

/** The `q` parameter as a number 0–1 (qvalue, RFC 3261 §25.1), undefined when absent. */
export function contactQ(c: NameAddr): number | undefined {
  const p = param(c, 'q')
  if (p === undefined) return undefined
  const v = p.value ?? ''
  if (!/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(v)) fail('invalid q value', 0)
  return Number(v)
}

/** `+sip.instance` without its quotes (e.g. `<urn:uuid:…>`), undefined when absent. */
export function contactInstance(c: NameAddr): string | undefined {
  const p = param(c, '+sip.instance')
  return p?.value == null ? undefined : unquote(p.value)
}

/** `reg-id` (RFC 5626 §4.2: 1–2^31−1), undefined when absent. */
export function contactRegId(c: NameAddr): number | undefined {
  const p = param(c, 'reg-id')
  if (p === undefined) return undefined
  const v = p.value ?? ''
  return parseUint(v, 0, v.length, 2 ** 31 - 1, 'reg-id')
}

/** `pub-gruu` without quotes (RFC 5627 §5.1), undefined when absent. */
export function contactPubGruu(c: NameAddr): string | undefined {
  const p = param(c, 'pub-gruu')
  return p?.value == null ? undefined : unquote(p.value)
}

/** RFC 3840 §9 base feature tags (parameters without the `+` prefix). */
const BASE_TAGS = new Set([
  'audio',
  'automata',
  'class',
  'duplex',
  'data',
  'control',
  'mobility',
  'description',
  'events',
  'priority',
  'methods',
  'schemes',
  'application',
  'video',
  'language',
  'type',
  'isfocus',
  'actor',
  'text',
  'extensions',
])

/** True for a feature-tag parameter name (RFC 3840 §9): `+`-prefixed, or one of the base tags. */
export const isFeatureTag = (name: string): boolean =>
  name.startsWith('+') || BASE_TAGS.has(name.toLowerCase())

/** Feature-tag parameters (RFC 3840 §9), in order. */
export function contactFeatureTags(c: NameAddr): Param[] {
  return c.params.filter((p) => isFeatureTag(p.name))
}
