/**
 * @module params
 * Ordered `;name[=value]` parameter lists: the header form (`generic-param`, RFC 3261 §25.1: LWS
 * allowed around `;` and `=`, values are tokens, hosts or quoted strings) and the URI form
 * (`uri-parameter`, RFC 3261 §19.1.1: no white space, `paramchar` with %-escapes). Values are kept in
 * their wire form (quotes and escapes included) so unknown parameters round-trip unchanged; names
 * compare case-insensitively (RFC 3261 §7.3.1).
 */
import { buildAutomaton } from './automaton'
import { CLASS, eqIgnoreCase, hexAt, PARAM, PVALUE } from './chars'
import { fail, scanQuoted, skipLws, unquote } from './scan'

/**
 * Parameter names met on nearly every message, recognised without slicing (exact spelling; other
 * spellings are sliced as received, names still compare case-insensitively).
 */
const PARAM_NAMES = buildAutomaton(
  [
    'branch',
    'received',
    'rport',
    'maddr',
    'ttl',
    'tag',
    'expires',
    'q',
    '+sip.instance',
    'reg-id',
    'pub-gruu',
    'temp-gruu',
    'gr',
    'lr',
    'ob',
    'transport',
    'user',
    'method',
    'orig',
    'sescase',
    'regstate',
    'icid-value',
    'icid-generated-at',
    'orig-ioi',
    'term-ioi',
    'refresher',
    'id',
    'reason',
    'retry-after',
    'index',
    'cause',
    'text',
    'phone-context',
    'audio',
    'video',
    'ccf',
    'ecf',
  ],
  false
)

/** Shared empty list: parsed values with no parameters all point here (lists are read-only). */
export const NO_PARAMS: readonly Param[] = Object.freeze([])

/** One parameter; `value` is null for a bare flag such as `lr` or `rport`. Wire form. */
export interface Param {
  readonly name: string
  readonly value: string | null
}

/**
 * Parses header parameters starting at `i` (at `;` or white space before it). Stops at the first
 * character that cannot continue the list (`,`, `>` or `end`) and returns that index, with trailing
 * LWS skipped.
 */
export function parseHeaderParams(s: string, i: number, end: number, out: Param[]): number {
  i = skipLws(s, i, end)
  while (i < end && s.charCodeAt(i) === 59)
    i = parseHeaderParam(s, skipLws(s, i + 1, end), end, out)
  return i
}

/** Parses one `name [= value]` at `i` (no leading `;`), returning the index after it and its LWS. */
export function parseHeaderParam(s: string, i: number, end: number, out: Param[]): number {
  const ns = i
  const { symbol, next, names, start } = PARAM_NAMES
  let st = start
  let c = s.charCodeAt(i)
  while (i < end) {
    const sym = symbol[c]!
    if (sym === 0) break
    st = next[st + sym]!
    c = s.charCodeAt(++i)
  }
  if (i === ns) fail('empty parameter', ns)
  const name = names[next[st]!] ?? s.slice(ns, i)
  if (c === 32 || c === 9 || c === 13 || c === 10) c = s.charCodeAt((i = skipLws(s, i, end)))
  let value: string | null = null
  if (i < end && c === 61) {
    i = skipLws(s, i + 1, end)
    const vs = i
    if (i < end && s.charCodeAt(i) === 34) i = scanQuoted(s, i, end)
    else {
      while (i < end) {
        const v = s.charCodeAt(i)
        if ((CLASS[v]! & PVALUE) === 0) break
        i++
      }
    }
    if (i === vs) fail(`empty value for parameter ${name}`, vs)
    value = s.slice(vs, i)
    c = s.charCodeAt(i)
    if (c === 32 || c === 9 || c === 13 || c === 10) i = skipLws(s, i, end)
  }
  out.push({ name, value })
  return i
}

/** Index past the `paramchar`s (raw or `%HH`) from `i`. */
function scanParamChars(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i)
    if (c === 37) {
      if (i + 2 >= end || !hexAt(s, i + 1) || !hexAt(s, i + 2)) {
        fail('invalid %-escape in URI parameter', i, 'uri')
      }
      i += 3
      continue
    }
    if ((CLASS[c]! & PARAM) === 0) break
    i++
  }
  return i
}

/** Parses URI parameters from `i` (at `;`); returns the index of the first char after them. */
export function parseUriParams(s: string, i: number, end: number, out: Param[]): number {
  const { symbol, next, names, start } = PARAM_NAMES
  while (i < end && s.charCodeAt(i) === 59) {
    const ns = i + 1
    // Known names are plain tokens: recognise them in passing; anything else is sliced.
    let st = start
    i = ns
    while (i < end) {
      const sym = symbol[s.charCodeAt(i)]!
      if (sym === 0) break
      st = next[st + sym]!
      i++
    }
    const te = i
    i = scanParamChars(s, i, end)
    if (i === ns) fail('empty URI parameter', ns, 'uri')
    const name = (i === te ? names[next[st]!] : undefined) ?? s.slice(ns, i)
    let value: string | null = null
    if (i < end && s.charCodeAt(i) === 61) {
      const vs = i + 1
      i = scanParamChars(s, vs, end)
      if (i === vs) fail(`empty value for URI parameter ${name}`, vs, 'uri')
      value = s.slice(vs, i)
    }
    out.push({ name, value })
  }
  return i
}

/** Serialises parameters as `;name=value…` in order. */
export function serializeParams(params: readonly Param[]): string {
  let out = ''
  for (const p of params) out += p.value === null ? `;${p.name}` : `;${p.name}=${p.value}`
  return out
}

/** The parameter named `name` (case-insensitive), or undefined. */
export function findParam(params: readonly Param[], name: string): Param | undefined {
  for (const p of params) if (eqIgnoreCase(p.name, name)) return p
  return undefined
}

/**
 * Value of parameter `name`: the wire value, `null` for a flag without value, `undefined` when
 * absent. Use `paramText` for the unquoted value.
 */
export function getParam(params: readonly Param[], name: string): string | null | undefined {
  return findParam(params, name)?.value
}

/** True when the parameter is present (with or without a value). */
export function hasParam(params: readonly Param[], name: string): boolean {
  return findParam(params, name) !== undefined
}

/** The parameter value with quotes removed; undefined when absent or valueless. */
export function paramText(params: readonly Param[], name: string): string | undefined {
  const v = findParam(params, name)?.value
  return v === null || v === undefined ? undefined : unquote(v)
}

/** A copy with parameter `name` set to `value` (replacing in place, or appended). */
export function withParam(params: readonly Param[], name: string, value: string | null): Param[] {
  const out: Param[] = []
  let done = false
  for (const p of params) {
    if (!done && eqIgnoreCase(p.name, name)) {
      out.push({ name: p.name, value })
      done = true
    } else out.push(p)
  }
  if (!done) out.push({ name, value })
  return out
}

/** A copy without parameter `name`. */
export function withoutParam(params: readonly Param[], name: string): Param[] {
  return params.filter((p) => !eqIgnoreCase(p.name, name))
}
