import { describe, expect, it } from 'vitest'
import { buildAcr } from '../ims/acr-build'
import type { Item } from '../vellum/global-table'
import {
  type CallSide,
  callRecordKey,
  cdrsOfCallItems,
  cdrsOfCallRecord,
  laterRecordItem,
  startItem,
  stopRecordKey,
} from './call-record'

const CALL = 'c1@example.com'
const A = 'sip:6505550001@example.com'
const B = 'sip:6505550002@example.com'

const event = (type: number, role: number) => ({
  'Accounting-Record-Type': type,
  'Service-Information': {
    'IMS-Information': {
      'Role-Of-Node': role,
      'Node-Functionality': 0,
      'Calling-Party-Address': [`<${A}>`],
      'Called-Party-Address': B,
    },
  },
})

const side = (role: number): CallSide => ({
  role,
  functionality: 0,
  sessionId: `s${role}`,
  ccfs: ['cdf.example.com'],
  event: event(2, role),
})

const started = () =>
  startItem(
    {
      callId: CALL,
      type: 2,
      atMs: 1_000,
      region: 'a',
      sides: [side(0), side(1)],
      refreshS: 600,
      interimS: 300,
      timerId: 'abcdef0123456789-2',
    },
    'n1'
  )

/** An ACR event as Sprout builds it (shared/ims/acr-build.ts). */
const sproutEvent = (
  type: 'START' | 'INTERIM' | 'STOP' | 'EVENT',
  role: 'orig' | 'term',
  atMs: number,
  method = type === 'STOP' ? 'BYE' : 'INVITE',
  status = 200
) =>
  buildAcr({
    type,
    role,
    method,
    callId: 'a84b4c76e66710@pc33.example.com',
    icid: 'edgewater-a-1733600000000-8f3a2c1d',
    origIoi: 'example.com',
    termIoi: undefined,
    callingParty: [A],
    calledParty: B,
    from: A,
    atMs,
    statusCode: status,
    ccfs: ['cdf.example.com'],
    ...(type === 'START' ? { interimIntervalS: 600 } : {}),
  }).event as Record<string, unknown>

/** DynamoDB's size of an item's JSON (names and values; close enough to compare). */
const bytes = (item: Item) => new TextEncoder().encode(JSON.stringify(item)).length

describe('call records (shared/ralf/call-record)', () => {
  it('keys the START by Call-ID and indexes it under both served users', () => {
    const item = started()
    expect(item).toMatchObject({
      ...callRecordKey(CALL),
      gsi2pk: `CDRUSER#${A}`,
      gsi1pk: `CDRUSER#${B}`,
      gsi2sk: '000000000001000',
      timer_id: 'abcdef0123456789-2',
    })
  })

  it('writes INTERIM and STOP as items of their own, in no index', () => {
    const stop = laterRecordItem(CALL, {
      type: 4,
      atMs: 400_000,
      events: { 0: event(4, 0), 1: event(4, 1) },
    })
    expect(stop).toMatchObject(stopRecordKey(CALL))
    expect(Object.keys(stop).filter((k) => k.startsWith('gsi'))).toEqual([])
    const pop = laterRecordItem(CALL, { type: 3, atMs: 301_000, tag: 't1.0', timer: true })
    expect(pop.sk).toBe('CALL#I#000000000301000#t1.0')
    expect(pop.acr).toBeUndefined()
  })

  it('numbers each side’s records in time order: START 1, INTERIMs, STOP last', () => {
    const start = started()
    const later = [
      laterRecordItem(CALL, {
        type: 3,
        atMs: 5_000,
        tag: 'x',
        events: { 0: event(3, 0), 1: event(3, 1) },
      }),
      laterRecordItem(CALL, { type: 3, atMs: 301_000, tag: 't1000.0', timer: true }),
      laterRecordItem(CALL, {
        type: 4,
        atMs: 400_000,
        events: { 0: event(4, 0), 1: event(4, 1) },
      }),
      // An INTERIM recorded after the STOP is not listed (no session any more).
      laterRecordItem(CALL, { type: 3, atMs: 500_000, tag: 'late', events: { 0: event(3, 0) } }),
    ]
    const cdrs = cdrsOfCallItems([start, ...later])
    expect(
      cdrs.map((c) => [
        c.role_of_node,
        c.record_type,
        c.accounting_record_number,
        c.timer_interim,
        c.recorded_at,
      ])
    ).toEqual([
      [0, 'START', 1, false, 1_000],
      [0, 'INTERIM', 2, false, 5_000],
      [0, 'INTERIM', 3, true, 301_000],
      [0, 'STOP', 4, false, 400_000],
      [1, 'START', 1, false, 1_000],
      [1, 'INTERIM', 2, false, 5_000],
      [1, 'INTERIM', 3, true, 301_000],
      [1, 'STOP', 4, false, 400_000],
    ])
    expect(cdrs[0]).toMatchObject({
      call_id: CALL,
      session_id: 's0',
      served_user: A,
      calling_party: A,
      called_party: B,
      ccfs: ['cdf.example.com'],
      region: 'a',
      cdf: { status: 'not-configured' },
    })
    expect(cdrs[4]?.served_user).toBe(B)
    // Every record's ACR events come back as they were given.
    expect(cdrs[1]?.acr).toEqual(event(3, 0))
    expect(cdrs[3]?.acr).toEqual(event(4, 0))
    expect(cdrs[7]?.acr).toEqual(event(4, 1))
    // A timer INTERIM carries the minimal ACR of Ralf's timer.
    expect(cdrs[2]?.acr).toEqual({
      'Accounting-Record-Type': 3,
      'Service-Information': { 'IMS-Information': { 'Role-Of-Node': 0, 'Node-Functionality': 0 } },
    })
  })

  it('a repeated timer pop rewrites its item instead of adding one', () => {
    const start = started()
    const pop = () => laterRecordItem(CALL, { type: 3, atMs: 301_000, tag: 't1000.0', timer: true })
    expect(pop()).toEqual(pop())
    expect(cdrsOfCallRecord(start, [pop()]).filter((c) => c.role_of_node === 0)).toHaveLength(2)
  })

  it('lists no INTERIM or STOP whose START is missing, and none of another call', () => {
    const start = started()
    const stop = laterRecordItem('other', { type: 4, atMs: 9_000, events: { 0: event(4, 0) } })
    expect(cdrsOfCallItems([stop])).toEqual([])
    expect(cdrsOfCallRecord(start, [stop]).map((c) => c.record_type)).toEqual(['START', 'START'])
  })

  it('an EVENT item holds one stateless record per side, under its own key', () => {
    const item = startItem(
      { callId: CALL, type: 1, atMs: 2_000, region: 'b', sides: [side(0)] },
      'n2'
    )
    expect(item.sk).toBe('EVENT#000000000002000#n2')
    expect(item.gsi1pk).toBeUndefined()
    expect(cdrsOfCallRecord(item).map((c) => [c.record_type, c.accounting_record_number])).toEqual([
      ['EVENT', 1],
    ])
    expect(cdrsOfCallRecord(item)[0]?.acr).toEqual(event(2, 0))
  })

  it('keeps Sprout’s real ACR events exactly, in a START item under 800 bytes and a STOP under 500', () => {
    const t0 = 1_733_600_000_123
    const sides = (['orig', 'term'] as const).map((role, r) => ({
      role: r,
      functionality: 0,
      sessionId: `sprout-a.example.com;1733600000;8f3a2c1${r}`,
      ccfs: ['cdf.example.com'],
      event: sproutEvent('START', role, t0),
    }))
    const start = startItem(
      {
        callId: 'a84b4c76e66710@pc33.example.com',
        type: 2,
        atMs: t0,
        region: 'a',
        sides,
        refreshS: 600,
        interimS: 300,
        timerId: 'abcdef0123456789-2',
      },
      'n'
    )
    const stopAt = t0 + 61_789
    const stopEvents = {
      0: sproutEvent('STOP', 'orig', stopAt),
      1: sproutEvent('STOP', 'term', stopAt),
    }
    const stop = laterRecordItem(start.pk.slice(4), { type: 4, atMs: stopAt, events: stopEvents })
    expect(bytes(start)).toBeLessThan(800)
    // Written without the START, the STOP holds what its own record does not imply (the
    // parties, the charging id): under 1 KB, one write unit, like a STOP stored against the START.
    expect(bytes(stop)).toBeLessThan(500)
    expect(stop.solo).toBe(true)
    const cdrs = cdrsOfCallItems([start, stop])
    expect(cdrs.map((c) => c.acr)).toEqual([
      sides[0]!.event,
      stopEvents[0],
      sides[1]!.event,
      stopEvents[1],
    ])
    expect(cdrs[0]).toMatchObject({ calling_party: A, called_party: B, served_user: A })
    expect(cdrs[2]).toMatchObject({ served_user: B, session_id: sides[1]!.sessionId })
  })

  it('reads a STOP item stored against its START (written before STOPs were solo)', () => {
    const start = started()
    // Wholly implied by the START's events: the START's parties, with the STOP's own fields.
    const legacy = { ...stopRecordKey(CALL), at: 400_000, acr: { 0: {}, 1: {} } }
    const solo = { ...legacy, solo: true }
    const calling = (cdrs: ReturnType<typeof cdrsOfCallItems>) =>
      cdrs
        .filter((c) => c.record_type === 'STOP')
        .map((c) => {
          const ims = (c.acr['Service-Information'] as Record<string, Record<string, unknown>>)[
            'IMS-Information'
          ]!
          return [c.role_of_node, ims['Calling-Party-Address'], ims['Event-Type']]
        })
    expect(calling(cdrsOfCallItems([start, legacy]))).toEqual([
      [0, [`<${A}>`], { 'SIP-Method': 'BYE' }],
      [1, [`<${A}>`], { 'SIP-Method': 'BYE' }],
    ])
    // The same stored events in a solo item stand for no more than the STOP itself implies.
    expect(calling(cdrsOfCallItems([start, solo]))).toEqual([
      [0, undefined, { 'SIP-Method': 'BYE' }],
      [1, undefined, { 'SIP-Method': 'BYE' }],
    ])
  })

  it('keeps an EVENT of a failed INVITE exactly (its cause code is not implied)', () => {
    const e = sproutEvent('EVENT', 'orig', 5_555, 'INVITE', 486)
    const item = startItem(
      {
        callId: CALL,
        type: 1,
        atMs: 5_555,
        region: 'a',
        sides: [{ role: 0, functionality: 0, sessionId: 's', ccfs: ['c'], event: e }],
      },
      'n'
    )
    expect(cdrsOfCallRecord(item)[0]?.acr).toEqual(e)
  })
})
