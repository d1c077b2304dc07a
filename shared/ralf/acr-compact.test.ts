import { describe, expect, it } from 'vitest'
import {
  ABSENT,
  compactEvents,
  derivedEvent,
  expandEvents,
  type RecordContext,
  restore,
  strip,
} from './acr-compact'

const ctx =
  (type: number, atMs: number) =>
  (role: number): RecordContext => ({ type, atMs, callId: 'c1', role, functionality: 0 })
const implied = (type: number, atMs: number) => (role: number) =>
  derivedEvent(ctx(type, atMs)(role))

describe('compact ACR events (shared/ralf/acr-compact)', () => {
  it('leaves out what the record implies and restores it', () => {
    const d = derivedEvent(ctx(4, 12_345)(0))
    const event = {
      ...d,
      'Service-Information': {
        'IMS-Information': {
          ...(d['Service-Information'] as { 'IMS-Information': object })['IMS-Information'],
          'Called-Party-Address': 'sip:b@example.com',
        },
      },
    }
    const s = strip(event, d)
    expect(s).toEqual({
      'Service-Information': { 'IMS-Information': { 'Called-Party-Address': 'sip:b@example.com' } },
    })
    expect(restore(s, d)).toEqual(event)
  })

  it('marks an implied field the event lacks, and keeps one that differs', () => {
    const d = derivedEvent(ctx(2, 1_000)(1))
    const event = { 'Accounting-Record-Type': 9, 'Service-Information': 'not a map', extra: [1] }
    const s = strip(event, d)
    expect(s['Event-Timestamp']).toBe(ABSENT)
    expect(s['Accounting-Record-Type']).toBe(9)
    expect(restore(s, d)).toEqual(event)
  })

  it('stores a second side as what differs from the first', () => {
    const at = 1_733_600_000_999
    const base = (role: number) => ({
      ...derivedEvent(ctx(3, at)(role)),
      note: { a: 1, b: [2, 3] },
    })
    const events = { 0: base(0), 1: { ...base(1), note: { a: 1, b: [2, 4] } } }
    const c = compactEvents(events, implied(3, at))
    expect(c['0']).toEqual({ note: { a: 1, b: [2, 3] } })
    expect(c['1']).toEqual({ note: { b: [2, 4] } })
    expect(expandEvents(c, implied(3, at))).toEqual(events)
  })

  it('keeps an event wholly unlike its derived form', () => {
    const events = { 1: { anything: { deep: true } } }
    expect(expandEvents(compactEvents(events, implied(2, 5)), implied(2, 5))).toEqual(events)
  })
})
