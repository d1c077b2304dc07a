import { describe, expect, it } from 'vitest'
import { parseMessage, type SipRequest } from '../../../shared/sip'
import { SipError } from '../../../shared/sip/errors'
import { edgeRegister, flowToken } from '../../../test/support/kits/sprout-kit'
import { planBindings } from './binding-plan'
import { pubGruu } from './gruu'
import { parseRegistration } from './parse-registration'

const limits = {
  maxExpires: 300,
  emergencyMaxExpires: 300,
  minExpires: 0,
  homeDomain: 'example.com',
}
const impu = 'sip:1@example.com'
const req = (contacts: string[], extra: Partial<Parameters<typeof edgeRegister>[0]> = {}) =>
  parseMessage(
    edgeRegister({ impu, token: flowToken(1), callId: 'c', cseq: 1, contacts, ...extra })
  ) as SipRequest

function sipError(f: () => unknown): SipError {
  try {
    f()
  } catch (e) {
    if (e instanceof SipError) return e
    throw e
  }
  throw new Error('no SipError')
}

describe('parse-registration', () => {
  it('keys bindings by instance and reg-id only on an outbound flow (RFC 5626 §6)', () => {
    const c = '<sip:a@h>;+sip.instance="<urn:uuid:1>";reg-id=2'
    expect(parseRegistration(req([c]), limits).contacts[0]!.key).toEqual({
      id: 'urn:uuid:1:2',
      instance: 'urn:uuid:1',
      regId: 2,
    })
    const noOb = req([c]).clone()
    noOb.set('path', '<sip:x@edge.edgewater.internal;lr>')
    expect(parseRegistration(noOb, limits).contacts[0]!.key).toEqual({
      id: 'urn:uuid:1',
      instance: 'urn:uuid:1',
    })
    expect(parseRegistration(req(['<sip:b@h;transport=ws>']), limits).contacts[0]!.key.id).toBe(
      'sip:b@h;transport=ws'
    )
  })

  it('caps expiry at the maximum and takes Expires when the Contact has none', () => {
    const r = parseRegistration(
      req(['<sip:a@h>;expires=9999', '<sip:b@h>'], { expires: 60 }),
      limits
    )
    expect(r.contacts.map((c) => c.expires)).toEqual([300, 60])
    expect(parseRegistration(req(['<sip:a@h>']), limits).contacts[0]!.expires).toBe(300)
  })

  it('answers 423 with Min-Expires below a configured minimum, never for 0', () => {
    const e = sipError(() =>
      parseRegistration(req(['<sip:a@h>;expires=10']), { ...limits, minExpires: 60 })
    )
    expect(e.status).toBe(423)
    expect(e.headers).toEqual([['Min-Expires', '60']])
    expect(
      parseRegistration(req(['<sip:a@h>;expires=0']), { ...limits, minExpires: 60 }).contacts[0]!
        .expires
    ).toBe(0)
  })

  it('refuses a To that is neither sip nor tel (404) and a malformed Contact (400)', () => {
    const r = req(['<sip:a@h>'])
    r.set('to', '<urn:service:sos>')
    expect(sipError(() => parseRegistration(r, limits)).status).toBe(404)
    const bad = req(['<sip:a@h'])
    expect(sipError(() => parseRegistration(bad, limits)).reason).toBe('Malformed Contact header')
  })
})

describe('binding plan', () => {
  it('refuses more bindings than the cap with 403 but lets a full AoR refresh', () => {
    const contacts = ['<sip:a@h>', '<sip:b@h>', '<sip:c@h>']
    const first = planBindings(parseRegistration(req(contacts.slice(0, 2)), limits), [], 1000, 2)
    expect(first.bindings).toHaveLength(2)
    expect(
      sipError(() => planBindings(parseRegistration(req(contacts), limits), [], 1000, 2)).status
    ).toBe(403)
    const again = planBindings(
      parseRegistration(req(contacts.slice(0, 2), { callId: 'c', cseq: 2 }), limits),
      first.bindings,
      2000,
      2
    )
    expect(again.changes.map((c) => c.event)).toEqual(['refreshed', 'refreshed'])
    expect(again.changes[0]!.after.cseq).toBeGreaterThan(first.changes[0]!.after.cseq)
  })

  it('leaves a binding as it is for its own CSeq sent again, and refuses a lower one with 500 (RFC 3261 §10.3 step 7)', () => {
    const first = planBindings(
      parseRegistration(req(['<sip:a@h>'], { cseq: 5 }), limits),
      [],
      1000,
      5
    )
    const again = planBindings(
      parseRegistration(req(['<sip:a@h>'], { cseq: 5 }), limits),
      first.bindings,
      2000,
      5
    )
    expect(again.changes).toEqual([])
    expect(again.bindings).toEqual(first.bindings)
    const removeAgain = planBindings(
      parseRegistration(req(['*'], { cseq: 5, expires: 0 }), limits),
      first.bindings,
      2000,
      5
    )
    expect(removeAgain.changes).toEqual([])
    for (const contacts of [['<sip:a@h>'], ['*']])
      expect(
        sipError(() =>
          planBindings(
            parseRegistration(
              req(contacts, { cseq: 4, expires: contacts[0] === '*' ? 0 : 60 }),
              limits
            ),
            first.bindings,
            2000,
            5
          )
        ).status
      ).toBe(500)
    const other = planBindings(
      parseRegistration(req(['<sip:a@h>'], { callId: 'd', cseq: 1 }), limits),
      first.bindings,
      2000,
      5
    )
    expect(other.changes.map((c) => c.event)).toEqual(['refreshed'])
  })
})

describe('pub-gruu', () => {
  it('escapes the instance as Clearwater does (live test 57)', () => {
    expect(pubGruu(impu, 'geo:37.786971,-122.399677;crs=Moon-2011;u=35')).toBe(
      `${impu};gr=geo:37.786971%2c-122.399677%3bcrs%3dMoon-2011%3bu%3d35`
    )
    expect(pubGruu('tel:+1650', 'urn:uuid:1')).toBeUndefined()
  })
})

describe('test application server switch', () => {
  it('is 404 when disabled and does not shadow the other routes', async () => {
    const { testSprout, provisionLikeEllis } = await import('../../../test/support/kits/sprout-kit')
    const t = testSprout({ SPROUT_TEST_AS: '0' })
    await provisionLikeEllis(t.dime, 'sip:7@example.com', { password: 'pw' })
    expect((await t.request('GET', '/test-as/received?impu=x')).status).toBe(404)
    const res = await t.post(
      edgeRegister({
        impu: 'sip:7@example.com',
        token: flowToken(3),
        callId: 'ts',
        cseq: 1,
        contacts: ['<sip:a@h>'],
      })
    )
    expect(res.status).toBe(202)
    expect(t.toFlow(flowToken(3))[0]?.msg.kind).toBe('response')
  })
})
