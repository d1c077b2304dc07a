import { describe, expect, it } from 'vitest'
import { decideRegData, REG_DATA_REQTYPES, type RegDataRequest } from './registration-state'
import type { RegistrationRecord } from './subscriber-store'

const rec = (state: RegistrationRecord['state'], impis: string[] = []): RegistrationRecord => ({
  state,
  impis,
})
const req = (
  type: RegDataRequest['type'],
  extra: Partial<RegDataRequest> = {}
): RegDataRequest => ({
  type,
  impi: 'alice@example.com',
  noCache: false,
  recordAgeS: 0,
  reregistrationTimeS: 1800,
  ...extra,
})

describe('decideRegData (Homestead process_received_reg_data)', () => {
  it('reg from NOT_REGISTERED or UNREGISTERED registers and records the private id', () => {
    for (const s of ['NOT_REGISTERED', 'UNREGISTERED'] as const)
      expect(decideRegData(rec(s), req('reg', { serverName: 'sip:scscf' }))).toEqual({
        kind: 'transition',
        next: { state: 'REGISTERED', impis: ['alice@example.com'], scscf: 'sip:scscf' },
      })
  })

  it('reg when REGISTERED with a known private id is a cache answer, refreshed when due or no-cache', () => {
    const r = rec('REGISTERED', ['alice@example.com'])
    expect(decideRegData(r, req('reg'))).toEqual({ kind: 'unchanged', refresh: false })
    expect(decideRegData(r, req('reg', { recordAgeS: 1800 }))).toEqual({
      kind: 'unchanged',
      refresh: true,
    })
    expect(decideRegData(r, req('reg', { noCache: true }))).toEqual({
      kind: 'unchanged',
      refresh: true,
    })
  })

  it('reg from a new private id adds it (new binding)', () => {
    const d = decideRegData(
      rec('REGISTERED', ['alice@example.com']),
      req('reg', { impi: 'tab2@example.com' })
    )
    expect(d).toMatchObject({
      kind: 'transition',
      next: { state: 'REGISTERED', impis: ['alice@example.com', 'tab2@example.com'] },
    })
  })

  it('call moves NOT_REGISTERED to UNREGISTERED and leaves the others alone', () => {
    expect(decideRegData(rec('NOT_REGISTERED'), req('call'))).toMatchObject({
      kind: 'transition',
      next: { state: 'UNREGISTERED' },
    })
    expect(decideRegData(rec('UNREGISTERED'), req('call'))).toEqual({
      kind: 'unchanged',
      refresh: false,
    })
    expect(decideRegData(rec('REGISTERED', ['a']), req('call'))).toEqual({
      kind: 'unchanged',
      refresh: false,
    })
  })

  it('deregistration of a registered or unregistered set goes to NOT_REGISTERED; of a not registered one is 400', () => {
    for (const t of ['dereg-user', 'dereg-timeout', 'dereg-admin'] as const) {
      expect(decideRegData(rec('REGISTERED', ['a']), req(t))).toEqual({
        kind: 'transition',
        next: { state: 'NOT_REGISTERED', impis: [] },
      })
      expect(decideRegData(rec('UNREGISTERED'), req(t))).toEqual({
        kind: 'transition',
        next: { state: 'NOT_REGISTERED', impis: [] },
      })
      expect(decideRegData(rec('NOT_REGISTERED'), req(t)).kind).toBe('reject')
    }
  })

  it('authentication failures never change the state', () => {
    for (const t of ['dereg-auth-failed', 'dereg-auth-timeout'] as const)
      for (const s of ['NOT_REGISTERED', 'UNREGISTERED', 'REGISTERED'] as const)
        expect(decideRegData(rec(s, ['a']), req(t))).toEqual({ kind: 'unchanged', refresh: false })
  })

  it('knows exactly the seven Homestead reqtypes', () => {
    expect(REG_DATA_REQTYPES).toEqual([
      'reg',
      'call',
      'dereg-user',
      'dereg-timeout',
      'dereg-admin',
      'dereg-auth-failed',
      'dereg-auth-timeout',
    ])
  })
})
