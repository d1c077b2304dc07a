/**
 * @module ralf/acr-compact
 * The lossless compact form of the ACR events a call record keeps (call-record.ts). A stored
 * event holds only what cannot be derived: each field equal to what the record itself implies
 * (TS 32.299 §6.1.2: Accounting-Record-Type from the record's type, Event-Timestamp and the
 * IMS-Information Time-Stamps from its time, Role-Of-Node and Node-Functionality from the side,
 * User-Session-Id from the Call-ID, the SIP method of a START or STOP; for an INTERIM or STOP,
 * also the same side's START event) is left out, and a second side's event is stored as what
 * differs from the first side's (the two sides of an S-CSCF's record differ in Role-Of-Node
 * only). A field the record implies but the event lacks is stored as {@link ABSENT}.
 * `restore(strip(e, d), d)` deep-equals `e` for every JSON event `e` that never holds the string
 * {@link ABSENT} where `d` has a field.
 *
 * Pure: no I/O, no clock.
 */
import type { AttrValue } from '../vellum/global-table'

type Json = AttrValue
type JsonMap = { [k: string]: Json }

/** Stands for a field the derived event has and the stored one lacks. */
export const ABSENT = '∅'

const isMap = (v: unknown): v is JsonMap => typeof v === 'object' && v !== null && !Array.isArray(v)

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]))
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a)
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]))
  }
  return false
}

/** What a map leaves out against its derived map; undefined when nothing is left. */
function stripMap(value: JsonMap, derived: JsonMap): JsonMap | undefined {
  const out: JsonMap = {}
  for (const [k, v] of Object.entries(value)) {
    const s = stripValue(v, derived[k])
    if (s !== undefined) out[k] = s
  }
  for (const k of Object.keys(derived)) if (!(k in value)) out[k] = ABSENT
  return Object.keys(out).length > 0 ? out : undefined
}

function stripValue(value: Json, derived: Json | undefined): Json | undefined {
  if (derived !== undefined && deepEqual(value, derived)) return undefined
  if (isMap(value) && isMap(derived)) return stripMap(value, derived)
  return value
}

/** The compact form of `event` against `derived` (`{}` when the event is wholly derived). */
export function strip(event: Record<string, unknown>, derived: Record<string, unknown>): JsonMap {
  return stripMap(event as JsonMap, derived as JsonMap) ?? {}
}

/** The event a compact form stands for. */
export function restore(
  stored: Record<string, unknown>,
  derived: Record<string, unknown>
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const s = stored as JsonMap
  const d = derived as JsonMap
  for (const k of new Set([...Object.keys(d), ...Object.keys(s)])) {
    if (!(k in s)) out[k] = d[k]
    else if (s[k] === ABSENT && k in d) continue
    else if (isMap(s[k]) && isMap(d[k])) out[k] = restore(s[k] as JsonMap, d[k] as JsonMap)
    else out[k] = s[k]
  }
  return out
}

/** Deep merge of `over` onto `base` (maps merged key by key; anything else replaced). */
export function overlay(base: Record<string, unknown>, over: Record<string, unknown>) {
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(over))
    out[k] = isMap(v) && isMap(out[k]) ? overlay(out[k] as JsonMap, v as JsonMap) : v
  return out
}

/** The SIP method a record type implies (TS 32.260 §5.2.2.1: START an INVITE, STOP a BYE). */
const METHOD_OF: Record<number, string> = { 2: 'INVITE', 4: 'BYE' }

/** What a record implies about one side's ACR event. */
export interface RecordContext {
  /** Accounting-Record-Type: 1 EVENT, 2 START, 3 INTERIM, 4 STOP. */
  type: number
  atMs: number
  callId: string
  role: number
  functionality: number
  /** START: the refresh time Sprout proposed (Acct-Interim-Interval), when it gave one. */
  interimIntervalS?: number
}

/** The fields of a side's ACR event that its record implies. */
export function derivedEvent(c: RecordContext): Record<string, unknown> {
  const seconds = Math.floor(c.atMs / 1000)
  const method = METHOD_OF[c.type]
  return {
    'Accounting-Record-Type': c.type,
    'Event-Timestamp': seconds,
    'Service-Information': {
      'IMS-Information': {
        'Role-Of-Node': c.role,
        'Node-Functionality': c.functionality,
        ...(method ? { 'Event-Type': { 'SIP-Method': method } } : {}),
        'User-Session-Id': c.callId,
        'Time-Stamps': {
          'SIP-Request-Timestamp': seconds,
          'SIP-Request-Timestamp-Fraction': c.atMs % 1000,
        },
        ...(c.type !== 1 ? { 'Cause-Code': 0 } : {}),
      },
    },
    ...(c.type === 2 && c.interimIntervalS ? { 'Acct-Interim-Interval': c.interimIntervalS } : {}),
  }
}

/** The fields of `a` that differ from `b` (maps compared key by key). */
function changes(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(a)) {
    if (isMap(v) && isMap(b[k])) {
      const sub = changes(v, b[k] as JsonMap)
      if (Object.keys(sub).length > 0) out[k] = sub
    } else if (!deepEqual(v, b[k])) out[k] = v
  }
  return out
}

/**
 * What a side's event is expected to be given the first side's: the first side's event with
 * what the record implies differently for this side (its Role-Of-Node, say).
 */
const expectedFrom = (first: Record<string, unknown>, implied: Implied, r0: number, r: number) =>
  overlay(first, changes(implied(r), implied(r0)))

/** What a record implies about each side's event (by Role-Of-Node). */
export type Implied = (role: number) => Record<string, unknown>

/**
 * The events of one record's sides, compact: the first side (in role order) against what the
 * record implies, each other side against the first side's event with what the record implies
 * differently for that side.
 */
export function compactEvents(
  events: Record<string, Record<string, unknown>>,
  implied: Implied
): Record<string, JsonMap> {
  const roles = Object.keys(events).sort()
  const out: Record<string, JsonMap> = {}
  const first = roles[0]
  if (first === undefined) return out
  const base = events[first]!
  out[first] = strip(base, implied(Number(first)))
  for (const r of roles.slice(1))
    out[r] = strip(events[r]!, expectedFrom(base, implied, Number(first), Number(r)))
  return out
}

/** The events {@link compactEvents} stored, whole again. */
export function expandEvents(
  stored: Record<string, Record<string, unknown>>,
  implied: Implied
): Record<string, Record<string, unknown>> {
  const roles = Object.keys(stored).sort()
  const out: Record<string, Record<string, unknown>> = {}
  const first = roles[0]
  if (first === undefined) return out
  const base = restore(stored[first]!, implied(Number(first)))
  out[first] = base
  for (const r of roles.slice(1))
    out[r] = restore(stored[r]!, expectedFrom(base, implied, Number(first), Number(r)))
  return out
}
