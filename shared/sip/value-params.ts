/**
 * @module value-params
 * The common `value *(SEMI generic-param)` header shape, and the headers built on it: Event and
 * Subscription-State (RFC 6665 §8.2), Session-Expires and Min-SE (RFC 4028 §4), Content-Type
 * (RFC 3261 §20.15), Retry-After (§20.33), Reason (RFC 3326), Accept-Contact / Reject-Contact
 * (RFC 3841 §10: `*` plus feature parameters), P-Charging-Vector (RFC 7315 §4.6, parameters only)
 * and the token lists Supported / Require / Proxy-Require / Allow / Request-Disposition
 * (RFC 3261 §20.37, §20.32, §20.29; RFC 3841 §10). Privacy (RFC 3323 §4.2) separates by `;`.
 */
import { CLASS, eqIgnoreCase, TOKEN } from './chars'
import { type Param, parseHeaderParam, parseHeaderParams, serializeParams } from './params'
import { MAX_DELTA_SECONDS } from './scalar-headers'
import { fail, parseUint, scanToken, skipLws } from './scan'

/** A value with header parameters, e.g. `presence;id=7`, `application/sdp`, `1800;refresher=uac`. */
export interface ValueWithParams {
  readonly value: string
  readonly params: readonly Param[]
}

/** Scans the leading value: tokens joined by `/` (media types) or a lone `*`. */
function scanValue(s: string, i: number, end: number): number {
  const vs = i
  if (s.charCodeAt(i) === 42) return i + 1
  i = scanToken(s, i, end)
  if (i === vs) fail('missing header value', vs)
  const save = i
  const j = skipLws(s, i, end)
  if (s.charCodeAt(j) === 47) {
    const k = skipLws(s, j + 1, end)
    const e = scanToken(s, k, end)
    if (e === k) fail('missing media subtype', k)
    return e
  }
  return save
}

/** Parses one `value *(;param)` from `i`, pushing it and returning the index of `,` or `end`. */
export function parseValueParamsAt(
  s: string,
  i: number,
  end: number,
  out: ValueWithParams[]
): number {
  i = skipLws(s, i, end)
  const vs = i
  i = scanValue(s, i, end)
  const raw = s.slice(vs, i)
  const value = raw.indexOf('/') >= 0 ? raw.replace(/[\s]+/g, '') : raw
  const params: Param[] = []
  i = parseHeaderParams(s, i, end, params)
  out.push({ value, params })
  return i
}

/** A header holding exactly one `value *(;param)`. */
export function parseValueParams(s: string, start = 0, end: number = s.length): ValueWithParams {
  const out: ValueWithParams[] = []
  const i = parseValueParamsAt(s, start, end, out)
  if (i !== end) fail('unexpected text after header value', i)
  return out[0]!
}

/** A comma-separated list of `value *(;param)` (Accept-Contact, Reason, Allow-Events, …). */
export function parseValueParamsList(
  s: string,
  start = 0,
  end: number = s.length
): ValueWithParams[] {
  const out: ValueWithParams[] = []
  let i = start
  for (;;) {
    i = parseValueParamsAt(s, i, end, out)
    if (i >= end) return out
    if (s.charCodeAt(i) !== 44) fail('expected , between values', i)
    i++
  }
}

export const serializeValueParams = (v: ValueWithParams): string =>
  v.value + serializeParams(v.params)

/** A comma-separated token list (Supported, Require, Allow, …); empty values are allowed. */
export function parseTokenList(s: string, start = 0, end: number = s.length): string[] {
  const out: string[] = []
  let i = skipLws(s, start, end)
  if (i === end) return out
  for (;;) {
    const ts = i
    i = scanToken(s, i, end)
    if (i === ts) fail('expected token', ts)
    out.push(s.slice(ts, i))
    i = skipLws(s, i, end)
    if (i >= end) return out
    if (s.charCodeAt(i) !== 44) fail('expected , between tokens', i)
    i = skipLws(s, i + 1, end)
  }
}

/** `Privacy: priv-value *(";" priv-value)` (RFC 3323 §4.2). */
export function parsePrivacy(s: string, start = 0, end: number = s.length): string[] {
  const out: string[] = []
  let i = skipLws(s, start, end)
  for (;;) {
    const ts = i
    while (i < end) {
      const c = s.charCodeAt(i)
      if ((CLASS[c]! & TOKEN) === 0) break
      i++
    }
    if (i === ts) fail('expected privacy value', ts)
    out.push(s.slice(ts, i))
    i = skipLws(s, i, end)
    if (i >= end) return out
    if (s.charCodeAt(i) !== 59) fail('expected ; between privacy values', i)
    i = skipLws(s, i + 1, end)
  }
}

/** Parameters only, no leading value (`P-Charging-Vector: icid-value=…;orig-ioi=…`). */
export function parseParamsOnly(s: string, start = 0, end: number = s.length): Param[] {
  const params: Param[] = []
  let i = parseHeaderParam(s, skipLws(s, start, end), end, params)
  i = parseHeaderParams(s, i, end, params)
  if (i !== end) fail('unexpected text in parameters', i)
  return params
}

export const serializeParamsOnly = (params: readonly Param[]): string =>
  serializeParams(params).slice(1)

/** Session-Expires / Min-SE (RFC 4028 §4): delta-seconds with parameters. */
export interface SessionExpires {
  readonly delta: number
  /** `uac` / `uas` from the `refresher` parameter, or null. */
  readonly refresher: string | null
  readonly params: readonly Param[]
}

export function parseSessionExpires(s: string, start = 0, end: number = s.length): SessionExpires {
  const v = parseValueParams(s, start, end)
  const delta = parseUint(v.value, 0, v.value.length, MAX_DELTA_SECONDS, 'delta-seconds')
  const r = v.params.find((p) => eqIgnoreCase(p.name, 'refresher'))
  return { delta, refresher: r?.value?.toLowerCase() ?? null, params: v.params }
}

export const serializeSessionExpires = (v: SessionExpires): string =>
  `${v.delta}${serializeParams(v.params)}`
