/**
 * @module ralf/call-record
 * Sprout's own charging records (clearwater-interfaces §5.11, §7): one global-table item per
 * call holding every side the S-CSCF served (originating and terminating, TS 32.299 Role-Of-Node)
 * and every accounting record of each, where Ralf's HTTP API keeps a KV session per side and one
 * item per record. The item is its own session: START writes it (one PutItem), and each later
 * record is one UpdateItem that adds an attribute, so a call costs two table writes and no KV.
 *
 * - Key `CDR#<call id>` / `CALL` (a call) or `EVENT#<ms>#<nonce>` (an EVENT: a failed INVITE or
 *   an out-of-dialog request), beside Ralf's per-record items of the same Call-ID.
 * - Indexed per served user: gsi2 for the first side (the calling party when originating), gsi1
 *   for the second (the called party), both `CDRUSER#<user>` / `<start ms 15>#<call id>`. A call
 *   is listed under its start time.
 * - Records: `start` (START or EVENT, one ACR event per side), `e_<ms 15>_<tag>` (INTERIMs: from
 *   Sprout, or `timer` ones from the interim timer, whose tag is the arming and pop so a repeated
 *   pop rewrites the same attribute), `stop` (STOP). Accounting-Record-Numbers are given when the
 *   item is read: 1 for the first record, then in time order per side, so concurrent records
 *   never share a number (RFC 6733 §9.8.3) and no counter is kept. Records after the STOP are
 *   not listed (a late INTERIM, as Ralf ignores one without a session).
 *
 * Pure: builders and the reading of an item; the caller does the I/O.
 */
import type { AttrValue, Item, TableKey, UpdateChanges } from '../vellum/global-table'
import { type Cdr, normaliseParty, servedUser } from './cdr'

const pad = (n: number, width: number) => String(Math.max(0, Math.floor(n))).padStart(width, '0')

export const RECORD_TYPE_NAME = {
  1: 'EVENT',
  2: 'START',
  3: 'INTERIM',
  4: 'STOP',
} as const satisfies Record<number, Cdr['record_type']>

export const callRecordKey = (callId: string): TableKey => ({ pk: `CDR#${callId}`, sk: 'CALL' })
export const eventRecordKey = (callId: string, atMs: number, nonce: string): TableKey => ({
  pk: `CDR#${callId}`,
  sk: `EVENT#${pad(atMs, 15)}#${nonce}`,
})
export const cdrUserPk = (user: string) => `CDRUSER#${user}`
export const callTimeSk = (atMs: number, callId: string) => `${pad(atMs, 15)}#${callId}`

/** One side of a call: an accounting session of Ralf's (call id + role + function). */
export interface CallSide {
  role: number
  functionality: number
  sessionId: string
  ccfs: string[]
  /** The side's ACR event (`event` of the ACR JSON). */
  event: Record<string, unknown>
}

export interface CallRecordStart {
  callId: string
  /** 2 START (a session follows) or 1 EVENT (stateless). */
  type: 1 | 2
  atMs: number
  region: string
  sides: CallSide[]
  /** START only: the refresh time (the ACR's Acct-Interim-Interval) and the interim interval. */
  refreshS?: number
  interimS?: number
  /** START only: the interim timer, when one is armed. */
  timerId?: string
}

const partiesOf = (event: Record<string, unknown>) => {
  const ims = ((event['Service-Information'] as Record<string, unknown> | undefined)?.[
    'IMS-Information'
  ] ?? {}) as Record<string, unknown>
  return {
    calling: normaliseParty(ims['Calling-Party-Address']) ?? normaliseParty(ims['From-Address']),
    called: normaliseParty(ims['Called-Party-Address']),
  }
}

/** The item START (or EVENT) writes. */
export function startItem(s: CallRecordStart, eventNonce: string): Item {
  const key = s.type === 2 ? callRecordKey(s.callId) : eventRecordKey(s.callId, s.atMs, eventNonce)
  const sides: Record<string, AttrValue> = {}
  const start: Record<string, AttrValue> = {}
  const users: string[] = []
  for (const side of s.sides) {
    const p = partiesOf(side.event)
    sides[String(side.role)] = {
      functionality: side.functionality,
      session_id: side.sessionId,
      ccfs: side.ccfs,
      calling: p.calling,
      called: p.called,
    }
    start[String(side.role)] = side.event as AttrValue
    const user = servedUser(side.role, p.calling, p.called)
    if (user && !users.includes(user)) users.push(user)
  }
  const sk = callTimeSk(s.atMs, s.callId)
  return {
    ...key,
    kind: 'call-record',
    call_id: s.callId,
    region: s.region,
    first_type: s.type,
    start_at: s.atMs,
    sides,
    start,
    ...(s.refreshS !== undefined ? { refresh_s: s.refreshS } : {}),
    ...(s.interimS !== undefined ? { interim_s: s.interimS } : {}),
    ...(s.timerId ? { timer_id: s.timerId } : {}),
    ...(users[0] ? { gsi2pk: cdrUserPk(users[0]), gsi2sk: sk } : {}),
    ...(users[1] ? { gsi1pk: cdrUserPk(users[1]), gsi1sk: sk } : {}),
  }
}

/** The change an INTERIM (from Sprout, or from the interim timer) makes. */
export function interimChange(
  atMs: number,
  tag: string,
  events: Record<string, Record<string, unknown>> | undefined,
  timer: boolean
): UpdateChanges {
  return {
    set: {
      [`e_${pad(atMs, 15)}_${tag}`]: {
        at: atMs,
        timer,
        ...(events ? { acr: events as AttrValue } : {}),
      },
    },
  }
}

/** The change a STOP makes. */
export function stopChange(atMs: number, events: Record<string, Record<string, unknown>>) {
  return { set: { stop: { at: atMs, acr: events as AttrValue } } } satisfies UpdateChanges
}

export const isCallRecord = (item: Item): boolean => item.kind === 'call-record'

/** The stored STOP, if the call has ended. */
export function stoppedAt(item: Item): number | undefined {
  const stop = item.stop as { at?: number } | undefined
  return typeof stop?.at === 'number' ? stop.at : undefined
}

/** The minimal ACR event of a record the interim timer made (Ralf's timer ACR). */
function timerEvent(role: number, fn: number): Record<string, unknown> {
  return {
    'Accounting-Record-Type': 3,
    'Service-Information': {
      'IMS-Information': { 'Role-Of-Node': role, 'Node-Functionality': fn },
    },
  }
}

interface Rec {
  type: 1 | 2 | 3 | 4
  at: number
  timer: boolean
  acr: Record<string, unknown> | undefined
}

/** Every CDR an item holds, each side's in record-number order. */
export function cdrsOfCallRecord(item: Item): Cdr[] {
  const callId = String(item.call_id)
  const sides = (item.sides ?? {}) as Record<
    string,
    {
      functionality: number
      session_id: string
      ccfs: string[]
      calling: string | null
      called: string | null
    }
  >
  const start = (item.start ?? {}) as Record<string, Record<string, unknown>>
  const stop = item.stop as
    | { at: number; acr?: Record<string, Record<string, unknown>> }
    | undefined
  const entries = Object.keys(item)
    .filter((k) => k.startsWith('e_'))
    .sort()
    .map((k) => item[k] as { at: number; timer: boolean; acr?: Record<string, unknown> })
    .filter((e) => stop === undefined || e.at <= stop.at)
  const out: Cdr[] = []
  for (const role of Object.keys(sides).sort()) {
    const side = sides[role]!
    const r = Number(role)
    const recs: Rec[] = [
      {
        type: item.first_type === 1 ? 1 : 2,
        at: Number(item.start_at),
        timer: false,
        acr: start[role],
      },
    ]
    if (item.first_type !== 1) {
      for (const e of entries)
        recs.push({
          type: 3,
          at: e.at,
          timer: e.timer,
          acr: (e.acr as Record<string, Record<string, unknown>> | undefined)?.[role],
        })
      if (stop) recs.push({ type: 4, at: stop.at, timer: false, acr: stop.acr?.[role] })
    }
    recs.forEach((rec, n) => {
      out.push({
        call_id: callId,
        recorded_at: rec.at,
        recorded_at_iso: new Date(rec.at).toISOString(),
        record_type: RECORD_TYPE_NAME[rec.type],
        accounting_record_type: rec.type,
        accounting_record_number: n + 1,
        role_of_node: r,
        node_functionality: side.functionality,
        session_id: side.session_id,
        served_user: servedUser(r, side.calling, side.called),
        calling_party: side.calling,
        called_party: side.called,
        ccfs: side.ccfs,
        timer_interim: rec.timer,
        region: String(item.region),
        cdf: { status: 'not-configured' },
        acr: rec.acr ?? timerEvent(r, side.functionality),
      })
    })
  }
  return out
}
