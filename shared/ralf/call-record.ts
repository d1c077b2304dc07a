/**
 * @module ralf/call-record
 * Sprout's own charging records (clearwater-interfaces §5.11, §7): every side the S-CSCF served
 * in a call (originating and terminating, TS 32.299 Role-Of-Node) and every accounting record of
 * each, in the call's partition `CDR#<call id>` beside Ralf's per-record items. Each accounting
 * record is written once, as a small item of its own (docs/performance.md "Cost model"):
 *
 * - `CALL` (START) or `EVENT#<ms 15>#<nonce>` (an EVENT: a failed INVITE or an out-of-dialog
 *   request): the call's sides (node functionality, Session-Id, CCFs), the interim timer, and the
 *   records' ACR events in compact form (acr-compact.ts). The only items of a call listed per
 *   served user: gsi2 for the first side (the calling party when originating), gsi1 for the
 *   second (the called party), both `CDRUSER#<user>` / `<start ms 15>#<call id>`, so a call is
 *   listed under its start time.
 * - `CALL#I#<ms 15>#<tag>` (an INTERIM: from Sprout, or `timer` ones from the interim timer,
 *   whose tag is the arming and pop so a repeated pop rewrites the same item) and `CALL#STOP`
 *   (STOP): the record's time and its events, in no index. A reader finds them beside the START
 *   in the call's partition. They are written without reading the START (`solo`: their events
 *   are stored against what the record alone implies); items written before that (no `solo`)
 *   hold their events against the same side's START event, and are read that way.
 *
 * Accounting-Record-Numbers are given when the call is read: 1 for the first record, then in time
 * order per side, so concurrent records never share a number (RFC 6733 §9.8.3) and no counter is
 * kept. Records after the STOP are not listed (a late INTERIM, as Ralf ignores one without a
 * session); an INTERIM or STOP without its START is not listed either.
 *
 * Pure: builders and the reading of items; the caller does the I/O.
 */
import type { AttrValue, Item, TableKey } from '../vellum/global-table'
import {
  compactEvents,
  derivedEvent,
  expandEvents,
  type Implied,
  overlay,
  restore,
  strip,
} from './acr-compact'
import { type Cdr, normaliseParty, servedUser } from './cdr'

const pad = (n: number, width: number) => String(Math.max(0, Math.floor(n))).padStart(width, '0')

export const RECORD_TYPE_NAME = {
  1: 'EVENT',
  2: 'START',
  3: 'INTERIM',
  4: 'STOP',
} as const satisfies Record<number, Cdr['record_type']>

const CDR_PK = 'CDR#'
const CALL_SK = 'CALL'
const STOP_SK = 'CALL#STOP'
const INTERIM_SK = 'CALL#I#'
const EVENT_SK = 'EVENT#'

export const callRecordKey = (callId: string): TableKey => ({
  pk: `${CDR_PK}${callId}`,
  sk: CALL_SK,
})
export const eventRecordKey = (callId: string, atMs: number, nonce: string): TableKey => ({
  pk: `${CDR_PK}${callId}`,
  sk: `${EVENT_SK}${pad(atMs, 15)}#${nonce}`,
})
export const stopRecordKey = (callId: string): TableKey => ({
  pk: `${CDR_PK}${callId}`,
  sk: STOP_SK,
})
export const interimRecordKey = (callId: string, atMs: number, tag: string): TableKey => ({
  pk: `${CDR_PK}${callId}`,
  sk: `${INTERIM_SK}${pad(atMs, 15)}#${tag}`,
})
/** The sort-key prefix of a call's INTERIM and STOP items (under its `CDR#` partition). */
export const LATER_RECORDS_PREFIX = 'CALL#'
export const cdrUserPk = (user: string) => `CDRUSER#${user}`
/** The index sort key of a call record: its start time (index keys need not be unique). */
export const callTimeSk = (atMs: number) => pad(atMs, 15)

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

/** A side of the START item: `fn` node functionality, `sid` Session-Id, `ccfs` (storedSides). */
interface StoredSide {
  fn: number
  sid: string
  ccfs: string[]
}

const partiesOf = (event: Record<string, unknown> | undefined) => {
  const ims = ((event?.['Service-Information'] as Record<string, unknown> | undefined)?.[
    'IMS-Information'
  ] ?? {}) as Record<string, unknown>
  return {
    calling: normaliseParty(ims['Calling-Party-Address']) ?? normaliseParty(ims['From-Address']),
    called: normaliseParty(ims['Called-Party-Address']),
  }
}

type Events = Record<string, Record<string, unknown>>

/** What a START or EVENT implies about each side's event (acr-compact.ts). */
const impliedByFirst =
  (
    callId: string,
    type: number,
    atMs: number,
    sides: Record<string, StoredSide>,
    refreshS?: number
  ): Implied =>
  (role) =>
    derivedEvent({
      type,
      atMs,
      callId,
      role,
      functionality: sides[String(role)]?.fn ?? 0,
      ...(refreshS !== undefined ? { interimIntervalS: refreshS } : {}),
    })

/** What an INTERIM or STOP implies: the same side's START event, with this record's own fields. */
const impliedByLater =
  (
    callId: string,
    type: number,
    atMs: number,
    sides: Record<string, StoredSide>,
    start: Events
  ): Implied =>
  (role) => {
    const { 'Acct-Interim-Interval': _, ...startEvent } = start[String(role)] ?? {}
    return overlay(startEvent, impliedByFirst(callId, type, atMs, sides)(role))
  }

/** A START or EVENT item's own events, whole. */
function firstEvents(item: Item): Events {
  const callId = callIdOf(item)
  const type = item.sk === CALL_SK ? 2 : 1
  const refreshS = typeof item.refresh_s === 'number' ? item.refresh_s : undefined
  return expandEvents(
    (item.acr ?? {}) as Events,
    impliedByFirst(callId, type, Number(item.at), sidesOf(item), type === 2 ? refreshS : undefined)
  )
}

/**
 * The sides as stored: the first (in role order) whole, each other without the fields it shares
 * with the first (the node functionality and CCFs of an S-CSCF's two sides are the same).
 */
function storedSides(sides: Record<string, StoredSide>): Record<string, AttrValue> {
  const roles = Object.keys(sides).sort()
  const first = sides[roles[0] ?? ''] as unknown as Record<string, unknown> | undefined
  const out: Record<string, AttrValue> = {}
  for (const r of roles) {
    const side = sides[r] as unknown as Record<string, unknown>
    out[r] = (r === roles[0] || !first ? side : strip(side, first)) as AttrValue
  }
  return out
}

const sidesOf = (item: Item): Record<string, StoredSide> => {
  const stored = (item.sides ?? {}) as Record<string, Record<string, unknown>>
  const roles = Object.keys(stored).sort()
  const first = stored[roles[0] ?? '']
  const out: Record<string, StoredSide> = {}
  for (const r of roles)
    out[r] = (r === roles[0] || !first
      ? stored[r]
      : restore(stored[r]!, first)) as unknown as StoredSide
  return out
}

/** The item START (or EVENT) writes. */
export function startItem(s: CallRecordStart, eventNonce: string): Item {
  const key = s.type === 2 ? callRecordKey(s.callId) : eventRecordKey(s.callId, s.atMs, eventNonce)
  const sides: Record<string, StoredSide> = {}
  const events: Record<string, Record<string, unknown>> = {}
  const users: string[] = []
  for (const side of s.sides) {
    sides[String(side.role)] = { fn: side.functionality, sid: side.sessionId, ccfs: side.ccfs }
    events[String(side.role)] = side.event
    const p = partiesOf(side.event)
    const user = servedUser(side.role, p.calling, p.called)
    if (user && !users.includes(user)) users.push(user)
  }
  const sk = callTimeSk(s.atMs)
  return {
    ...key,
    region: s.region,
    at: s.atMs,
    sides: storedSides(sides),
    acr: compactEvents(events, impliedByFirst(s.callId, s.type, s.atMs, sides, s.refreshS)),
    ...(s.refreshS !== undefined ? { refresh_s: s.refreshS } : {}),
    ...(s.interimS !== undefined ? { interim_s: s.interimS } : {}),
    ...(s.timerId ? { timer_id: s.timerId } : {}),
    ...(users[0] ? { gsi2pk: cdrUserPk(users[0]), gsi2sk: sk } : {}),
    ...(users[1] ? { gsi1pk: cdrUserPk(users[1]), gsi1sk: sk } : {}),
  }
}

/**
 * The item of an INTERIM (from Sprout with its events, or from the interim timer without) or of
 * the STOP, written from the in-dialog request alone: its events are stored against what the
 * record implies on its own (`solo`), so writing it needs nothing of the START's.
 */
export function laterRecordItem(
  callId: string,
  r: {
    type: 3 | 4
    atMs: number
    /** INTERIM only: names the item (a repeated timer pop rewrites the same one). */
    tag?: string
    events?: Record<string, Record<string, unknown>>
    timer?: boolean
  }
): Item {
  const key = r.type === 4 ? stopRecordKey(callId) : interimRecordKey(callId, r.atMs, r.tag ?? '')
  return {
    ...key,
    at: r.atMs,
    solo: true,
    ...(r.timer ? { timer: true } : {}),
    ...(r.events ? { acr: compactEvents(r.events, impliedAlone(callId, r.type, r.atMs)) } : {}),
  }
}

/** What an INTERIM or STOP written on its own implies: its own fields, an S-CSCF's side. */
const impliedAlone = (callId: string, type: number, atMs: number): Implied =>
  impliedByFirst(callId, type, atMs, {})

/** A call record's START or EVENT item (what Ralf writes in the same partition is not). */
export const isCallRecord = (item: Item): boolean =>
  item.pk.startsWith(CDR_PK) && (item.sk === CALL_SK || item.sk.startsWith(EVENT_SK))
const isLaterRecord = (item: Item): boolean =>
  item.pk.startsWith(CDR_PK) && item.sk.startsWith(LATER_RECORDS_PREFIX)
const callIdOf = (item: Item): string => item.pk.slice(CDR_PK.length)

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
  acr: Events
}

/**
 * Every CDR of one call record: its START (or EVENT) item and the INTERIM and STOP items of the
 * same call (any others are ignored), each side's in record-number order.
 */
export function cdrsOfCallRecord(item: Item, later: Item[] = []): Cdr[] {
  const callId = callIdOf(item)
  const type: 1 | 2 = item.sk === CALL_SK ? 2 : 1
  const at = Number(item.at)
  const sides = sidesOf(item)
  const first = firstEvents(item)
  const expand = (l: Item, t: number, atMs: number) =>
    expandEvents(
      (l.acr ?? {}) as Events,
      l.solo === true
        ? impliedAlone(callId, t, atMs)
        : impliedByLater(callId, t, atMs, sides, first)
    )
  const recs: Rec[] = [{ type, at, timer: false, acr: first }]
  if (type === 2) {
    const mine = later.filter((l) => l.pk === item.pk && isLaterRecord(l))
    const stop = mine.find((l) => l.sk === STOP_SK)
    const stopAt = stop ? Number(stop.at) : undefined
    const interims = mine
      .filter((l) => l.sk.startsWith(INTERIM_SK))
      .sort((x, y) => (x.sk < y.sk ? -1 : x.sk > y.sk ? 1 : 0))
    for (const l of interims) {
      const lat = Number(l.at)
      if (stopAt !== undefined && lat > stopAt) continue
      recs.push({ type: 3, at: lat, timer: l.timer === true, acr: expand(l, 3, lat) })
    }
    if (stop && stopAt !== undefined)
      recs.push({ type: 4, at: stopAt, timer: false, acr: expand(stop, 4, stopAt) })
  }
  const out: Cdr[] = []
  for (const role of Object.keys(sides).sort()) {
    const side = sides[role]!
    const r = Number(role)
    const p = partiesOf(recs[0]!.acr[role])
    recs.forEach((rec, n) => {
      out.push({
        call_id: callId,
        recorded_at: rec.at,
        recorded_at_iso: new Date(rec.at).toISOString(),
        record_type: RECORD_TYPE_NAME[rec.type],
        accounting_record_type: rec.type,
        accounting_record_number: n + 1,
        role_of_node: r,
        node_functionality: side.fn,
        session_id: side.sid,
        served_user: servedUser(r, p.calling, p.called),
        calling_party: p.calling,
        called_party: p.called,
        ccfs: side.ccfs,
        timer_interim: rec.timer,
        region: String(item.region),
        cdf: { status: 'not-configured' },
        acr: rec.acr[role] ?? timerEvent(r, side.fn),
      })
    })
  }
  return out
}

/**
 * The CDRs of the call-record items among a partition's items (a query of `CDR#<call id>`):
 * each START with its INTERIM and STOP items, and each EVENT item. Other items are left out.
 */
export function cdrsOfCallItems(items: Item[]): Cdr[] {
  const later = items.filter(isLaterRecord)
  return items.filter(isCallRecord).flatMap((it) => cdrsOfCallRecord(it, later))
}
