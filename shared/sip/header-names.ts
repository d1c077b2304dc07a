/**
 * @module header-names
 * Header name canonicalisation: every header is keyed by its lower-case long form, compact forms
 * are expanded (RFC 3261 §7.3.3 and the IANA SIP parameters registry: i m e l c f s k t v, plus
 * o u r b x y a j d n from RFC 3265, 3515, 3892, 4028, 4474, 3841), and the display spelling used
 * when a header is written afresh comes from a table. The message scanner walks each name through
 * a case-folding automaton of the known names, so a known name is recognised in the same single
 * pass that finds its end, with no slice, no `toLowerCase` and no second comparison.
 */
import { type Automaton, buildAutomaton } from './automaton'
import { lower } from './chars'

const COMPACT: Record<string, string> = {
  i: 'call-id',
  m: 'contact',
  e: 'content-encoding',
  l: 'content-length',
  c: 'content-type',
  f: 'from',
  s: 'subject',
  k: 'supported',
  t: 'to',
  v: 'via',
  o: 'event',
  u: 'allow-events',
  r: 'refer-to',
  b: 'referred-by',
  x: 'session-expires',
  y: 'identity',
  a: 'accept-contact',
  j: 'reject-contact',
  d: 'request-disposition',
  n: 'identity-info',
}

const COMPACT_BY_CODE: (string | undefined)[] = []
for (const [letter, key] of Object.entries(COMPACT)) COMPACT_BY_CODE[letter.charCodeAt(0)] = key

/** Display spellings that are not plain Capitalised-Dash-Words. */
const SPECIAL: Record<string, string> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  'min-se': 'Min-SE',
  'sip-etag': 'SIP-ETag',
  'sip-if-match': 'SIP-If-Match',
  'p-associated-uri': 'P-Associated-URI',
  'p-called-party-id': 'P-Called-Party-ID',
  'p-visited-network-id': 'P-Visited-Network-ID',
  'p-preferred-service': 'P-Preferred-Service',
}

const KNOWN = [
  ...Object.values(COMPACT),
  ...Object.keys(SPECIAL),
  'via',
  'max-forwards',
  'route',
  'record-route',
  'path',
  'service-route',
  'authorization',
  'proxy-authorization',
  'proxy-authenticate',
  'authentication-info',
  'expires',
  'min-expires',
  'require',
  'proxy-require',
  'unsupported',
  'allow',
  'subscription-state',
  'privacy',
  'p-asserted-identity',
  'p-preferred-identity',
  'p-served-user',
  'p-charging-vector',
  'p-charging-function-addresses',
  'p-access-network-info',
  'diversion',
  'history-info',
  'user-agent',
  'server',
  'accept',
  'accept-encoding',
  'accept-language',
  'date',
  'timestamp',
  'retry-after',
  'content-disposition',
  'content-language',
  'reason',
  'warning',
  'organization',
  'call-info',
  'reply-to',
  'in-reply-to',
  'priority',
  'alert-info',
  'error-info',
  'security-client',
  'security-server',
  'security-verify',
  'flow-timer',
  'replaces',
  'target-dialog',
  'refer-sub',
  'p-asserted-service',
  'feature-caps',
]

/** Recogniser of the known header names, case-insensitive (RFC 3261 §7.3.1). */
export const HEADER_NAMES: Automaton = buildAutomaton(KNOWN, true)

/**
 * Canonical key of the header name `s[start,end)` that ended in automaton state `state`. Known
 * names and compact forms come back as shared constant strings; others are lower-cased.
 */
export function headerKeyAt(s: string, start: number, end: number, state: number): string {
  const known = HEADER_NAMES.names[HEADER_NAMES.next[state]!]
  if (known !== undefined) return known
  if (end - start === 1) {
    const c = lower(s.charCodeAt(start))
    const key = c < 128 ? COMPACT_BY_CODE[c] : undefined
    if (key !== undefined) return key
  }
  return s.slice(start, end).toLowerCase()
}

/** Canonical key of a header name given as a string (`Via`, `v`, `CALL-ID`, …). */
export function headerKey(name: string): string {
  const { symbol, next, start } = HEADER_NAMES
  let st = start
  for (let i = 0; i < name.length && st !== 0; i++) {
    const sym = symbol[name.charCodeAt(i)]!
    st = sym === 0 ? 0 : next[st + sym]!
  }
  return headerKeyAt(name, 0, name.length, st)
}

/** The spelling used when writing header `key` afresh (`call-id` → `Call-ID`). */
export function displayName(key: string): string {
  const special = SPECIAL[key]
  if (special !== undefined) return special
  let out = ''
  let up = true
  for (let i = 0; i < key.length; i++) {
    const ch = key[i]!
    out += up ? ch.toUpperCase() : ch
    up = ch === '-'
  }
  return out
}

/** The compact letter for `key`, if it has one (for writers that prefer compact forms). */
export function compactForm(key: string): string | undefined {
  for (const [k, v] of Object.entries(COMPACT)) if (v === key) return k
  return undefined
}
