/**
 * Unit tests of the ACR checks that keep Ralf's CDR writes within what the table stores:
 * numbers, nesting, member names and the Unsigned32 Acct-Interim-Interval, each refused with
 * the member named.
 */
import { describe, expect, it } from 'vitest'
import { MAX_EVENT_DEPTH, parseAcr, storableProblem, UNSIGNED32_MAX } from './ralf-acr'

const acr = (extra: Record<string, unknown>) =>
  JSON.stringify({
    event: {
      'Accounting-Record-Type': 4,
      'Service-Information': { 'IMS-Information': { 'Role-Of-Node': 0, 'Node-Functionality': 0 } },
      ...extra,
    },
  })

const reasonOf = (text: string) => {
  const r = parseAcr(text)
  return r.kind === 'invalid' ? r.reason : undefined
}

describe('ACR events the CDR store can hold', () => {
  it('accepts ordinary numbers, strings, lists and maps', () => {
    expect(reasonOf(acr({ 'Event-Timestamp': 1444118158, x: [0.5, -3, 'a', { b: null }] }))).toBe(
      undefined
    )
  })

  it('refuses numbers outside the table range, naming the member', () => {
    expect(reasonOf(acr({ big: { n: 1e200 } }))).toBe(
      'event.big.n: 1e+200 is outside the numbers a CDR holds (magnitude 1e-130 to 1e126)'
    )
    expect(reasonOf(acr({ tiny: [1e-200] }))).toMatch(/^event\.tiny\[0\]: 1e-200 is outside/)
  })

  it('refuses nesting deeper than the table allows and empty member names', () => {
    let deep: unknown = 1
    for (let i = 0; i < MAX_EVENT_DEPTH + 2; i++) deep = { d: deep }
    expect(reasonOf(acr({ deep }))).toMatch(/nested deeper than 30 levels$/)
    expect(reasonOf(acr({ m: { '': 1 } }))).toBe(
      'event.m: a member with an empty name cannot be stored'
    )
  })

  it('takes an Acct-Interim-Interval only as an Unsigned32', () => {
    expect(reasonOf(acr({ 'Acct-Interim-Interval': UNSIGNED32_MAX }))).toBeUndefined()
    expect(reasonOf(acr({ 'Acct-Interim-Interval': -1 }))).toMatch(/^event\.Acct-Interim-Interval/)
    expect(reasonOf(acr({ 'Acct-Interim-Interval': 2 ** 40 }))).toMatch(/Unsigned32/)
  })

  it('storableProblem passes zero and scalars', () => {
    expect(storableProblem(0, 'x', 1)).toBeUndefined()
    expect(storableProblem('s', 'x', 1)).toBeUndefined()
  })
})
