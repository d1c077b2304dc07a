/** Header name canonicalisation and spelling (RFC 3261 §7.3.1, §7.3.3). */
import { describe, expect, it } from 'vitest'
import { compactForm, displayName, headerKey } from './header-names'

describe('header names', () => {
  it('expands every compact form', () => {
    const compact: Record<string, string> = {
      i: 'call-id',
      m: 'contact',
      e: 'content-encoding',
      l: 'content-length',
      c: 'content-type',
      f: 'from',
      s: 'subject',
      k: 'supported',
      t: 'to',
      v: 'via',
      o: 'event',
      u: 'allow-events',
      r: 'refer-to',
      b: 'referred-by',
      x: 'session-expires',
      y: 'identity',
      a: 'accept-contact',
      j: 'reject-contact',
      d: 'request-disposition',
    }
    for (const [letter, key] of Object.entries(compact)) {
      expect(headerKey(letter)).toBe(key)
      expect(headerKey(letter.toUpperCase())).toBe(key)
      expect(compactForm(key)).toBe(letter)
    }
  })

  it('folds case for known and unknown names', () => {
    expect(headerKey('CALL-ID')).toBe('call-id')
    expect(headerKey('P-Asserted-Identity')).toBe('p-asserted-identity')
    expect(headerKey('X-Made-Up')).toBe('x-made-up')
    expect(headerKey('Vias')).toBe('vias')
    expect(headerKey('Vi')).toBe('vi')
    expect(headerKey('w')).toBe('w')
  })

  it('spells names the usual way when writing them afresh', () => {
    expect(displayName('call-id')).toBe('Call-ID')
    expect(displayName('cseq')).toBe('CSeq')
    expect(displayName('www-authenticate')).toBe('WWW-Authenticate')
    expect(displayName('p-associated-uri')).toBe('P-Associated-URI')
    expect(displayName('record-route')).toBe('Record-Route')
    expect(displayName('x-made-up')).toBe('X-Made-Up')
  })
})
