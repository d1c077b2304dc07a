/** Contact values (RFC 3261 §20.10, §10.2.1; RFC 5626 §4; RFC 5627; RFC 3840). */
import { describe, expect, it } from 'vitest'
import {
  contactExpires,
  contactFeatureTags,
  contactInstance,
  contactPubGruu,
  contactQ,
  contactRegId,
  parseContact,
  serializeContact,
} from './contact'
import { SipParseError } from './errors'
import type { NameAddr } from './name-addr'

const one = (text: string): NameAddr => {
  const [c] = parseContact(text)
  if (c === undefined || c === '*') throw new Error('not an address')
  return c
}

describe('parseContact', () => {
  it('reads the wildcard, with white space around it', () => {
    expect(parseContact('*')).toEqual(['*'])
    expect(parseContact('  * ')).toEqual(['*'])
    expect(serializeContact('*')).toBe('*')
  })

  it('reads the RFC 5626 registration parameters', () => {
    const c = one(
      '<sip:ab12cd34@df7jal23ls0d.invalid;transport=ws>;reg-id=1;+sip.instance="<urn:uuid:3e5e0f46-4a7c-4f8a-9b3a-2f1d0c1e9a01>";expires=600;q=0.5'
    )
    expect(contactExpires(c)).toBe(600)
    expect(contactQ(c)).toBe(0.5)
    expect(contactRegId(c)).toBe(1)
    expect(contactInstance(c)).toBe('<urn:uuid:3e5e0f46-4a7c-4f8a-9b3a-2f1d0c1e9a01>')
    expect(contactPubGruu(c)).toBeUndefined()
  })

  it('reads pub-gruu and feature tags (RFC 5627 §5.1, RFC 3840 §9)', () => {
    const c = one(
      '<sip:u@h>;pub-gruu="sip:alice@example.com;gr=urn:uuid:f81d4fae";+g.3gpp.icsi-ref="urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel";audio;video;methods="INVITE,BYE";expires=3600'
    )
    expect(contactPubGruu(c)).toBe('sip:alice@example.com;gr=urn:uuid:f81d4fae')
    expect(contactFeatureTags(c).map((p) => p.name)).toEqual([
      '+g.3gpp.icsi-ref',
      'audio',
      'video',
      'methods',
    ])
  })

  it('reads several values, some in addr-spec form', () => {
    const list = parseContact('<sip:a@h1>;expires=0, sip:b@h2;expires=30, "X, Y" <sip:c@h3>')
    expect(list).toHaveLength(3)
    expect(list.map((c) => (c === '*' ? 0 : contactExpires(c)))).toEqual([0, 30, undefined])
  })

  it('rejects overlarge expires and bad q / reg-id values when read', () => {
    expect(() => contactExpires(one('<sip:a@h>;expires=280297596632815'))).toThrow(SipParseError)
    expect(() => contactQ(one('<sip:a@h>;q=1.5'))).toThrow(SipParseError)
    expect(() => contactQ(one('<sip:a@h>;q=0.1234'))).toThrow(SipParseError)
    expect(() => contactRegId(one('<sip:a@h>;reg-id=0x1'))).toThrow(SipParseError)
    expect(contactQ(one('<sip:a@h>;q=1.000'))).toBe(1)
    expect(contactQ(one('<sip:a@h>;q=0'))).toBe(0)
  })

  it('rejects a wildcard mixed with addresses and garbage values', () => {
    expect(() => parseContact('*, <sip:a@b>')).toThrow(SipParseError)
    expect(() => parseContact('"Joe" <sip:joe@example.org>;;;;')).toThrow(SipParseError)
  })
})
