/**
 * @module ims/caller-prefs
 * Caller preferences (RFC 3841 §7.2) over a target set of registered contacts and their feature
 * parameters (RFC 3840 §9), as Sprout's contact filtering applies them to terminating requests:
 *
 * - Without any Accept-Contact or Reject-Contact, an implicit required preference is built from
 *   the request's method and Event package (RFC 3841 §7.2.2), so a contact that advertised
 *   `methods` without this method is not tried.
 * - A Reject-Contact predicate discards a contact whose feature set carries every feature tag of
 *   the predicate with a matching value (§7.2.3: only contacts that state those features can be
 *   rejected).
 * - An Accept-Contact predicate that does not match discards the contact when it has `require`
 *   and lowers its score otherwise (§7.2.4). A feature tag the contact did not advertise matches
 *   unless the predicate is `explicit`.
 * - Two values match when some feature collection satisfies both (RFC 2533 as RFC 3841 §7.2.4
 *   uses it): token sets overlap (a `!x` negation matches anything but x), numeric ranges
 *   (`#a:b`, `#>=a`, `#<=b`, `#a`) intersect, string literals (`<…>`) are equal; a bare tag is
 *   the boolean TRUE.
 *
 * Survivors are ranked by q, then by their score Qa (the share of Accept-Contact predicates they
 * match), then by the later expiry, and the first `maxTargets` kept.
 */

import { isFeatureTag } from '../sip'
export interface FeatureParam {
  readonly name: string
  readonly value: string | null
}

/** One Accept-Contact / Reject-Contact value reduced to its feature predicate. */
export interface ContactPredicate {
  features: FeatureParam[]
  require: boolean
  explicit: boolean
}

export interface PrefCandidate<T> {
  item: T
  /** Contact q value 0–1 (1 when absent). */
  q: number
  /** Absolute expiry, for the final tie-break. */
  expires: number
  /** The contact's parameters (feature tags are picked out here). */
  params: readonly FeatureParam[]
}

export interface RankedTarget<T> {
  item: T
  score: number
}

export { isFeatureTag }

/** The feature tags among `params`, names lower-cased. */
export function featureSet(params: readonly FeatureParam[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const p of params)
    if (isFeatureTag(p.name)) out.set(p.name.toLowerCase(), normalise(p.value))
  return out
}

/** A predicate from an Accept-Contact / Reject-Contact value's parameters (RFC 3841 §9.2). */
export function predicateOf(params: readonly FeatureParam[]): ContactPredicate {
  let require = false
  let explicit = false
  const features: FeatureParam[] = []
  for (const p of params) {
    const n = p.name.toLowerCase()
    if (n === 'require') require = true
    else if (n === 'explicit') explicit = true
    else if (isFeatureTag(p.name)) features.push({ name: n, value: p.value })
  }
  return { features, require, explicit }
}

function normalise(value: string | null): string {
  let v = value ?? ''
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1)
  return v === '' ? 'TRUE' : v
}

interface Range {
  min: number
  max: number
}

function numericRange(v: string): Range | undefined {
  const body = v.slice(1)
  let m = /^(-?[\d.]+):(-?[\d.]+)$/.exec(body)
  if (m) {
    const r = { min: Number(m[1]), max: Number(m[2]) }
    return r.min <= r.max ? r : undefined
  }
  if ((m = /^>=(-?[\d.]+)$/.exec(body))) return { min: Number(m[1]), max: Number.POSITIVE_INFINITY }
  if ((m = /^<=(-?[\d.]+)$/.exec(body))) return { min: Number.NEGATIVE_INFINITY, max: Number(m[1]) }
  if ((m = /^(-?[\d.]+)$/.exec(body))) return { min: Number(m[1]), max: Number(m[1]) }
  return undefined
}

function tokensOverlap(a: string, b: string): boolean {
  const ta = a.split(',').map((t) => t.trim().toLowerCase())
  const tb = b.split(',').map((t) => t.trim().toLowerCase())
  for (const x of ta)
    for (const y of tb) {
      if (x === y) return true
      // `!x` is "anything but x": satisfied together with any other token (or negation).
      if (x.startsWith('!') && x.slice(1) !== y) return true
      if (y.startsWith('!') && y.slice(1) !== x) return true
    }
  return false
}

/** Whether some feature collection satisfies both values (RFC 3841 §7.2.4, RFC 2533). */
export function valuesMatch(predicateValue: string, contactValue: string): boolean {
  const a = normalise(predicateValue)
  const b = normalise(contactValue)
  if (a.startsWith('<') || b.startsWith('<')) return a === b
  if (a.startsWith('#') || b.startsWith('#')) {
    if (!(a.startsWith('#') && b.startsWith('#'))) return false
    const ra = numericRange(a)
    const rb = numericRange(b)
    return ra !== undefined && rb !== undefined && ra.min <= rb.max && rb.min <= ra.max
  }
  return tokensOverlap(a, b)
}

/** Accept-Contact: does the contact satisfy the predicate? */
export function acceptMatches(p: ContactPredicate, contact: Map<string, string>): boolean {
  for (const f of p.features) {
    const have = contact.get(f.name)
    if (have === undefined) {
      if (p.explicit) return false
      continue
    }
    if (!valuesMatch(f.value ?? '', have)) return false
  }
  return true
}

/** Reject-Contact: only a contact that states every feature of the predicate, matching, is rejected. */
export function rejectMatches(p: ContactPredicate, contact: Map<string, string>): boolean {
  if (p.features.length === 0) return false
  for (const f of p.features) {
    const have = contact.get(f.name)
    if (have === undefined || !valuesMatch(f.value ?? '', have)) return false
  }
  return true
}

/** The implicit preference of RFC 3841 §7.2.2: the method, and the event package if any. */
export function implicitPredicate(method: string, eventPackage?: string): ContactPredicate {
  const features: FeatureParam[] = [{ name: 'methods', value: method }]
  if (eventPackage) features.push({ name: 'events', value: eventPackage })
  return { features, require: true, explicit: false }
}

export interface CallerPrefs {
  accept: readonly ContactPredicate[]
  reject: readonly ContactPredicate[]
  method: string
  eventPackage?: string
  maxTargets: number
}

/** Filters and ranks the candidates; the result is in forking order, at most `maxTargets`. */
export function applyCallerPrefs<T>(
  candidates: readonly PrefCandidate<T>[],
  prefs: CallerPrefs
): RankedTarget<T>[] {
  const accept =
    prefs.accept.length === 0 && prefs.reject.length === 0
      ? [implicitPredicate(prefs.method, prefs.eventPackage)]
      : prefs.accept
  const kept: Array<{ c: PrefCandidate<T>; score: number; order: number }> = []
  candidates.forEach((c, order) => {
    const fs = featureSet(c.params)
    if (prefs.reject.some((r) => rejectMatches(r, fs))) return
    let matched = 0
    for (const a of accept) {
      if (acceptMatches(a, fs)) matched++
      else if (a.require) return
    }
    kept.push({ c, score: accept.length === 0 ? 1 : matched / accept.length, order })
  })
  kept.sort(
    (x, y) => y.c.q - x.c.q || y.score - x.score || y.c.expires - x.c.expires || x.order - y.order
  )
  return kept
    .slice(0, Math.max(0, prefs.maxTargets))
    .map((k) => ({ item: k.c.item, score: k.score }))
}
