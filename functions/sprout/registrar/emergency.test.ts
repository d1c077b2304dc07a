/**
 * Emergency bindings (emergency.ts) and the protected re-registration check
 * (protected-register.ts), as pure functions over parsed REGISTERs.
 */
import { describe, expect, it } from 'vitest'
import { parseMessage, type SipRequest } from '../../../shared/sip'
import { SipError } from '../../../shared/sip/errors'
import { edgeRegister, flowToken } from '../../../test/support/kits/sprout-kit'
import type { Binding } from './binding-model'
import { planBindings } from './binding-plan'
import { isEmergencyRegistration, refuseEmergencyRemoval } from './emergency'
import { parseRegistration } from './parse-registration'
import { protectedImpi } from './protected-register'

const limits = {
  maxExpires: 300,
  emergencyMaxExpires: 20,
  minExpires: 0,
  homeDomain: 'example.com',
}
const impu = 'sip:1@example.com'
const parse = (contacts: string[], extra: Partial<Parameters<typeof edgeRegister>[0]> = {}) =>
  parseRegistration(
    parseMessage(
      edgeRegister({ impu, token: flowToken(1), callId: 'c', cseq: 1, contacts, ...extra })
    ) as SipRequest,
    limits
  )

describe('emergency registration', () => {
  it('keys a sos Contact apart from the ordinary one and caps its expiry', () => {
    const reg = parse(['<sip:a@h>;sos;expires=3600', '<sip:a@h>;expires=3600'])
    expect(reg.contacts.map((c) => [c.key.id, c.emergency, c.expires])).toEqual([
      ['sossip:a@h', true, 20],
      ['sip:a@h', false, 300],
    ])
    expect(isEmergencyRegistration(reg)).toBe(true)
    expect(parse(['<sip:a@h;sos>']).contacts[0]!.emergency).toBe(true)
    expect(isEmergencyRegistration(parse(['<sip:a@h>']))).toBe(false)
  })

  it('refuses to remove an emergency binding with 501', () => {
    let err: unknown
    try {
      refuseEmergencyRemoval(parse(['<sip:a@h>;sos;expires=0']))
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(SipError)
    expect((err as SipError).status).toBe(501)
    expect(() => refuseEmergencyRemoval(parse(['<sip:a@h>;expires=0']))).not.toThrow()
  })

  it('keeps emergency bindings through Contact: *', () => {
    const bound = planBindings(parse(['<sip:a@h>;sos', '<sip:b@h>']), [], 1_000_000, 20)
    expect(bound.bindings.map((b) => [b.id, b.data.emergency ?? false])).toEqual([
      ['sip:b@h', false],
      ['sossip:a@h', true],
    ])
    const wiped = planBindings(
      parse(['*'], { callId: 'c', cseq: 2, expires: 0 }),
      bound.bindings,
      2_000_000,
      20
    )
    expect(wiped.changes.map((c) => [c.id, c.event])).toEqual([['sip:b@h', 'unregistered']])
    expect(wiped.bindings.map((b) => b.id)).toEqual(['sossip:a@h'])
  })
})

describe('protected re-registration check', () => {
  const marked = (username: string, token = flowToken(1)) =>
    parseRegistration(
      parseMessage(
        edgeRegister({
          impu,
          token,
          callId: 'c',
          cseq: 5,
          contacts: ['<sip:a@h>'],
          authorization: `Digest username="${username}", realm="example.com", nonce="", uri="sip:example.com", response="", integrity-protected="tls-yes"`,
        })
      ) as SipRequest,
      limits
    )
  const binding = (o: Partial<Binding['data']> & { expires?: number }): Binding => ({
    id: 'sip:a@h',
    cseq: 1,
    expires: o.expires ?? 2_000,
    data: {
      uri: 'sip:a@h',
      cid: 'c',
      cseq: 1,
      params: [],
      paths: [],
      impi: '1@example.com',
      flow: flowToken(1),
      registeredAt: 0,
      ...o,
    },
  })
  const now = 1_000_000

  it('accepts only a live binding of the same IMPI over the same flow', () => {
    expect(protectedImpi(marked('1@example.com'), { bindings: [binding({})] }, now)).toBe(
      '1@example.com'
    )
    // Another IMPI, another flow, an expired or removed binding, no binding at all.
    expect(protectedImpi(marked('2@example.com'), { bindings: [binding({})] }, now)).toBeUndefined()
    expect(
      protectedImpi(marked('1@example.com'), { bindings: [binding({ flow: flowToken(2) })] }, now)
    ).toBeUndefined()
    expect(
      protectedImpi(marked('1@example.com'), { bindings: [binding({ expires: 999 })] }, now)
    ).toBeUndefined()
    expect(
      protectedImpi(marked('1@example.com'), { bindings: [binding({ removed: true })] }, now)
    ).toBeUndefined()
    expect(protectedImpi(marked('1@example.com'), { bindings: [] }, now)).toBeUndefined()
  })

  it('ignores a REGISTER the edge did not mark', () => {
    const plain = parse(['<sip:a@h>'], {
      authorization:
        'Digest username="1@example.com", realm="example.com", nonce="", uri="sip:example.com", response=""',
    })
    expect(protectedImpi(plain, { bindings: [binding({})] }, now)).toBeUndefined()
    const ipAssoc = parse(['<sip:a@h>'], {
      authorization:
        'Digest username="1@example.com", realm="example.com", nonce="", uri="sip:example.com", response="", integrity-protected="ip-assoc-yes"',
    })
    expect(protectedImpi(ipAssoc, { bindings: [binding({})] }, now)).toBeUndefined()
  })
})
