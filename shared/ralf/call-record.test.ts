import { describe, expect, it } from 'vitest'
import type { Item } from '../vellum/global-table'
import {
  type CallSide,
  callRecordKey,
  cdrsOfCallRecord,
  interimChange,
  startItem,
  stopChange,
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

/** Applies an update's `set` the way the table does. */
const apply = (item: Item, change: { set?: Record<string, unknown> }): Item =>
  ({ ...item, ...change.set }) as Item

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

describe('one call record per call, both sides (shared/ralf/call-record)', () => {
  it('is keyed by Call-ID and indexed under both served users', () => {
    const item = started()
    expect(item).toMatchObject({
      ...callRecordKey(CALL),
      gsi2pk: `CDRUSER#${A}`,
      gsi1pk: `CDRUSER#${B}`,
      gsi2sk: `000000000001000#${CALL}`,
      timer_id: 'abcdef0123456789-2',
    })
  })

  it('numbers each side’s records in time order: START 1, INTERIMs, STOP last', () => {
    let item = started()
    item = apply(item, interimChange(5_000, 'x', { 0: event(3, 0), 1: event(3, 1) }, false))
    item = apply(item, interimChange(301_000, 't1000.0', undefined, true))
    item = apply(item, stopChange(400_000, { 0: event(4, 0), 1: event(4, 1) }))
    // An INTERIM recorded after the STOP is not listed (no session any more).
    item = apply(item, interimChange(500_000, 'late', { 0: event(3, 0) }, false))
    const cdrs = cdrsOfCallRecord(item)
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
    // A timer INTERIM carries the minimal ACR of Ralf's timer.
    expect(cdrs[2]?.acr).toEqual({
      'Accounting-Record-Type': 3,
      'Service-Information': { 'IMS-Information': { 'Role-Of-Node': 0, 'Node-Functionality': 0 } },
    })
  })

  it('a repeated timer pop rewrites its record instead of adding one', () => {
    let item = started()
    item = apply(item, interimChange(301_000, 't1000.0', undefined, true))
    item = apply(item, interimChange(301_000, 't1000.0', undefined, true))
    expect(cdrsOfCallRecord(item).filter((c) => c.role_of_node === 0)).toHaveLength(2)
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
  })
})
