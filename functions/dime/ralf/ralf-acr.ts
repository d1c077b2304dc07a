/**
 * @module dime/ralf/ralf-acr
 * The ACR JSON Sprout POSTs to Ralf (clearwater-interfaces §7; ralf:src/handlers.cpp
 * `parse_body`), checked with zod in Ralf's order: an `event` object; its
 * `Service-Information.IMS-Information` with integer `Role-Of-Node` and `Node-Functionality`
 * (they tell apart the nodes charging one Call-ID); an integer `Accounting-Record-Type` of 1–4;
 * and for START and EVENT a `peers.ccf` array of strings that is not empty. A START or EVENT
 * without any `peers` object is accepted and dropped (200), as Ralf does. Every other field is
 * carried through untouched into the CDR, so the event must be one the table can store
 * ({@link storableProblem}); an integer `Acct-Interim-Interval` must be an Unsigned32.
 */
import { z } from 'zod'
import { describeIssues } from '../http-util'

/** TS 32.299 Accounting-Record-Type. */
export const RECORD_TYPE = { EVENT: 1, START: 2, INTERIM: 3, STOP: 4 } as const
export type RecordTypeCode = 1 | 2 | 3 | 4
export const RECORD_TYPE_NAMES: Record<RecordTypeCode, string> = {
  1: 'EVENT',
  2: 'START',
  3: 'INTERIM',
  4: 'STOP',
}

const imsInformation = z.looseObject({
  'Role-Of-Node': z.int('must be an integer'),
  'Node-Functionality': z.int('must be an integer'),
})

const eventSchema = z.looseObject({
  'Service-Information': z.looseObject({ 'IMS-Information': imsInformation }),
  'Accounting-Record-Type': z
    .int('must be an integer')
    .refine((n) => n >= 1 && n <= 4, 'must be 1 (EVENT), 2 (START), 3 (INTERIM) or 4 (STOP)'),
})

const acrSchema = z.looseObject({ event: eventSchema, peers: z.unknown().optional() })

const ccfSchema = z.looseObject({
  ccf: z.array(z.string('must be a string'), 'must be an array').min(1, 'must not be empty'),
})

/** Acct-Interim-Interval is an Unsigned32 (RFC 6733 §9.8.2). */
export const UNSIGNED32_MAX = 4_294_967_295
/**
 * The CDR keeps the `event` as received, one level inside its table item; the table holds at
 * most 32 levels of nesting and numbers of magnitude 1e-130 up to (not including) 1e126
 * (DynamoDB's limits), so an event beyond those is refused here, naming the member, instead of
 * failing the write.
 */
export const MAX_EVENT_DEPTH = 30
const STORED_NUMBER_MIN = 1e-130
const STORED_NUMBER_MAX = 1e126

/** Why `v` (at `path`, `depth` levels deep) cannot be stored in a CDR, or undefined. */
export function storableProblem(v: unknown, path: string, depth: number): string | undefined {
  if (typeof v === 'number') {
    const m = Math.abs(v)
    return v === 0 || (m >= STORED_NUMBER_MIN && m < STORED_NUMBER_MAX)
      ? undefined
      : `${path}: ${v} is outside the numbers a CDR holds (magnitude 1e-130 to 1e126)`
  }
  if (v === null || typeof v !== 'object') return undefined
  if (depth > MAX_EVENT_DEPTH) return `${path}: nested deeper than ${MAX_EVENT_DEPTH} levels`
  const entries: Array<[string, unknown]> = Array.isArray(v)
    ? v.map((x, i) => [`[${i}]`, x])
    : Object.entries(v).map(([k, x]) => [`.${k}`, x])
  for (const [k, x] of entries) {
    if (k === '.') return `${path}: a member with an empty name cannot be stored`
    const p = storableProblem(x, `${path}${k}`, depth + 1)
    if (p) return p
  }
  return undefined
}

export interface Acr {
  recordType: RecordTypeCode
  role: number
  functionality: number
  /** `Acct-Interim-Interval` when an integer: the session refresh time Sprout proposes. */
  interimInterval?: number
  /** CCF peers (START and EVENT). */
  ccfs: string[]
  /** The `event` object as received. */
  event: Record<string, unknown>
}

export type AcrParse =
  | { kind: 'ok'; acr: Acr }
  /** START/EVENT without `peers`: Ralf logs it and answers 200 without charging. */
  | { kind: 'no-peers'; acr: Acr }
  | { kind: 'invalid'; reason: string }

export function parseAcr(text: string): AcrParse {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return { kind: 'invalid', reason: '(body): is not valid JSON' }
  }
  const r = acrSchema.safeParse(raw)
  if (!r.success) return { kind: 'invalid', reason: describeIssues(r.error) }
  const ev = r.data.event
  const unstorable = storableProblem(ev, 'event', 1)
  if (unstorable) return { kind: 'invalid', reason: unstorable }
  const ims = ev['Service-Information']['IMS-Information']
  const interim = ev['Acct-Interim-Interval']
  if (
    Number.isInteger(interim) &&
    ((interim as number) < 0 || (interim as number) > UNSIGNED32_MAX)
  )
    return {
      kind: 'invalid',
      reason: `event.Acct-Interim-Interval: must be from 0 to ${UNSIGNED32_MAX} seconds (Unsigned32)`,
    }
  const acr: Acr = {
    recordType: ev['Accounting-Record-Type'] as RecordTypeCode,
    role: ims['Role-Of-Node'],
    functionality: ims['Node-Functionality'],
    ...(Number.isInteger(interim) ? { interimInterval: interim as number } : {}),
    ccfs: [],
    event: ev,
  }
  if (acr.recordType === RECORD_TYPE.START || acr.recordType === RECORD_TYPE.EVENT) {
    const peers = r.data.peers
    if (peers === undefined || peers === null || typeof peers !== 'object' || Array.isArray(peers))
      return { kind: 'no-peers', acr }
    const p = ccfSchema.safeParse(peers)
    if (!p.success) {
      const reason = p.error.issues.map((i) => `peers.${i.path.join('.')}: ${i.message}`).join('; ')
      return { kind: 'invalid', reason }
    }
    acr.ccfs = p.data.ccf
  }
  return { kind: 'ok', acr }
}

/**
 * The body of Ralf's interim timer: a minimal INTERIM (ralf session_manager create_opaque_data),
 * plus which arming popped (`timer-armed-at`) and the Accounting-Record-Number the session had
 * when it was armed (`timer-armed-arn`): pop `seq` (0-based) is record `armed-arn + seq + 1`, the
 * same number whichever region delivers it.
 */
export function timerInterimBody(
  role: number,
  functionality: number,
  armedAt: number,
  armedArn: number
): string {
  return JSON.stringify({
    event: {
      'Service-Information': {
        'IMS-Information': { 'Role-Of-Node': role, 'Node-Functionality': functionality },
      },
      'Accounting-Record-Type': RECORD_TYPE.INTERIM,
    },
    // Which arming of the timer popped: with X-Sequence-Number it makes a pop idempotent.
    'timer-armed-at': armedAt,
    'timer-armed-arn': armedArn,
  })
}

function timerField(text: string, field: string): number | undefined {
  try {
    const v = (JSON.parse(text) as Record<string, unknown>)[field]
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined
  } catch {
    return undefined
  }
}

/** Reads the arming stamp back from a timer body (undefined for Sprout's own ACRs). */
export function timerArmedAt(text: string): number | undefined {
  return timerField(text, 'timer-armed-at')
}

/** The record number at arming, from a timer body (undefined for Sprout's and older bodies). */
export function timerArmedArn(text: string): number | undefined {
  return timerField(text, 'timer-armed-arn')
}
