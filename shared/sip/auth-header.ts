/**
 * @module auth-header
 * Authorization, Proxy-Authorization, WWW-Authenticate and Proxy-Authenticate values
 * (RFC 3261 §20.7, §20.27, §20.28, §20.44, §25.1 `credentials` / `challenge`; RFC 7235 §2.1 adds
 * the token68 form). A value is a scheme plus comma-separated `name=value` parameters kept in wire
 * form, so unknown schemes round-trip (RFC 4475 §3.3.7). `digestParams` gives the unquoted Digest
 * fields (RFC 2617 §3.2, RFC 7616 §3.4, RFC 8760) used by the digest module.
 */
import { buildAutomaton } from './automaton'
import { ALPHA, CLASS, DIGIT, eqIgnoreCase } from './chars'
import { NO_PARAMS, type Param } from './params'
import { fail, scanQuoted, scanToken, skipLws, unquote } from './scan'

export interface AuthValue {
  /** Scheme as received (`Digest`, `Bearer`, …); compare case-insensitively. */
  readonly scheme: string
  readonly params: readonly Param[]
  /** RFC 7235 token68 (e.g. a Bearer token), when the value is not name=value pairs. */
  readonly token68: string | null
}

const isT68 = (c: number): boolean =>
  (CLASS[c]! & (DIGIT | ALPHA)) !== 0 ||
  c === 45 ||
  c === 46 ||
  c === 95 ||
  c === 126 ||
  c === 43 ||
  c === 47

/** End of a token68 (RFC 7235 §2.1) filling `s[i,end)` up to trailing LWS, or -1. */
function token68End(s: string, i: number, end: number): number {
  const ts = i
  while (i < end && isT68(s.charCodeAt(i))) i++
  if (i === ts) return -1
  while (i < end && s.charCodeAt(i) === 61) i++
  return skipLws(s, i, end) === end ? i : -1
}

/** Auth parameter names recognised without slicing (RFC 2617 §3.2, RFC 7616 §3.4, TS 24.229). */
const AUTH_NAMES = buildAutomaton(
  [
    'username',
    'realm',
    'nonce',
    'uri',
    'response',
    'algorithm',
    'cnonce',
    'opaque',
    'qop',
    'nc',
    'stale',
    'domain',
    'userhash',
    'integrity-protected',
    'auts',
  ],
  false
)

/** `Digest` spelled exactly so at `i` (the common case: no slice needed). */
const isDigestAt = (s: string, i: number): boolean =>
  s.charCodeAt(i) === 68 &&
  s.charCodeAt(i + 1) === 105 &&
  s.charCodeAt(i + 2) === 103 &&
  s.charCodeAt(i + 3) === 101 &&
  s.charCodeAt(i + 4) === 115 &&
  s.charCodeAt(i + 5) === 116

/** Parses `scheme LWS auth-param *(COMMA auth-param)` or `scheme token68`. */
export function parseAuthValue(s: string, start = 0, end: number = s.length): AuthValue {
  let i = skipLws(s, start, end)
  const ss = i
  i = scanToken(s, i, end)
  if (i === ss) fail('missing authentication scheme', ss)
  const scheme = i - ss === 6 && isDigestAt(s, ss) ? 'Digest' : s.slice(ss, i)
  const se = i
  i = skipLws(s, i, end)
  if (i === end) return { scheme, params: NO_PARAMS, token68: null }
  if (i === se) fail('expected white space after authentication scheme', i)
  const params: Param[] = []
  const { symbol, next, names, start: s0 } = AUTH_NAMES
  for (;;) {
    const ns = i
    let st = s0
    while (i < end) {
      const sym = symbol[s.charCodeAt(i)]!
      if (sym === 0) break
      st = next[st + sym]!
      i++
    }
    const ne = i
    i = skipLws(s, i, end)
    if (ne === ns || s.charCodeAt(i) !== 61) {
      const t = params.length === 0 ? token68End(s, ns, end) : -1
      if (t >= 0) return { scheme, params: NO_PARAMS, token68: s.slice(ns, t) }
      fail(ne === ns ? 'expected authentication parameter' : 'expected = after parameter name', i)
    }
    i = skipLws(s, i + 1, end)
    const vs = i
    if (s.charCodeAt(i) === 34) i = scanQuoted(s, i, end)
    else {
      // token; leniently anything up to a comma or white space (some clients leave uri unquoted).
      while (i < end) {
        const c = s.charCodeAt(i)
        if (c === 44 || c === 32 || c === 9 || c === 13 || c === 10 || c === 34 || c === 61) break
        i++
      }
    }
    if (i === vs) {
      const t = params.length === 0 ? token68End(s, ns, end) : -1
      if (t >= 0) return { scheme, params: NO_PARAMS, token68: s.slice(ns, t) }
      fail('empty value for authentication parameter', vs)
    }
    params.push({ name: names[next[st]!] ?? s.slice(ns, ne), value: s.slice(vs, i) })
    i = skipLws(s, i, end)
    if (i >= end) return { scheme, params, token68: null }
    if (s.charCodeAt(i) !== 44) fail('expected , between authentication parameters', i)
    i = skipLws(s, i + 1, end)
  }
}

/** Serialises as `Scheme name=value, name=value` (values in wire form). */
export function serializeAuthValue(a: AuthValue): string {
  if (a.token68 !== null) return `${a.scheme} ${a.token68}`
  return `${a.scheme} ${a.params.map((p) => `${p.name}=${p.value ?? ''}`).join(', ')}`
}

/** True when the value uses the Digest scheme. */
export const isDigest = (a: AuthValue): boolean => eqIgnoreCase(a.scheme, 'digest')

/** Unquoted parameter value, undefined when absent. */
export function authParam(a: AuthValue, name: string): string | undefined {
  for (const p of a.params)
    if (eqIgnoreCase(p.name, name)) return p.value === null ? '' : unquote(p.value)
  return undefined
}

/** The Digest fields of credentials or a challenge, unquoted; missing fields are undefined. */
export interface DigestParams {
  username?: string
  realm?: string
  nonce?: string
  uri?: string
  response?: string
  algorithm?: string
  cnonce?: string
  opaque?: string
  qop?: string
  nc?: string
  stale?: string
  domain?: string
  userhash?: string
  /** IMS (TS 24.229 §5.4.1.2.2): `integrity-protected` on REGISTER credentials. */
  integrityProtected?: string
}

const FIELDS: ReadonlyArray<readonly [string, keyof DigestParams]> = [
  ['username', 'username'],
  ['realm', 'realm'],
  ['nonce', 'nonce'],
  ['uri', 'uri'],
  ['response', 'response'],
  ['algorithm', 'algorithm'],
  ['cnonce', 'cnonce'],
  ['opaque', 'opaque'],
  ['qop', 'qop'],
  ['nc', 'nc'],
  ['stale', 'stale'],
  ['domain', 'domain'],
  ['userhash', 'userhash'],
  ['integrity-protected', 'integrityProtected'],
]

/** Unquoted Digest parameters of `a` (any scheme; check `isDigest` first). */
export function digestParams(a: AuthValue): DigestParams {
  const out: DigestParams = {}
  for (const p of a.params) {
    for (const [wire, key] of FIELDS) {
      if (eqIgnoreCase(p.name, wire)) {
        out[key] = p.value === null ? '' : unquote(p.value)
        break
      }
    }
  }
  return out
}
