/** Lazy header access and the proxy mutation API (RFC 3261 §16.6, §16.7). */
import { describe, expect, it } from 'vitest'
import { SipParseError } from './errors'
import type { SipRequest, SipResponse } from './message'
import { parseNameAddr } from './name-addr'
import { parseMessage } from './parse-message'
import { parseUri } from './uri'
import { makeVia } from './via'

const lines = (...l: string[]): string => `${l.join('\r\n')}\r\n`

const INVITE = lines(
  'INVITE sip:bob@biloxi.com SIP/2.0',
  'Via: SIP/2.0/WSS client.invalid;branch=z9hG4bKc1;rport',
  'Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>',
  'Route: <sip:p3.example.com;lr>',
  'Max-Forwards: 70',
  'To: <sip:bob@biloxi.com>',
  'From: "Alice" <sip:alice@atlanta.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710',
  'CSeq: 1 INVITE',
  'X-Odd:    spaced   value  ',
  'Contact: <sip:alice@client.invalid;transport=ws>',
  'Content-Type: application/sdp',
  'Content-Length: 5',
  '',
  'v=0'
)

const invite = (): SipRequest => parseMessage(INVITE) as SipRequest

describe('reading', () => {
  it('serialises an untouched message to its exact input', () => {
    const m = invite()
    m.get('contact')
    m.getAll('route')
    expect(m.toString()).toBe(INVITE)
  })

  it('parses headers only when read, and caches the result', () => {
    const m = parseMessage(
      INVITE.replace('Contact: <sip:alice@client.invalid;transport=ws>', 'Contact: <sip:broken')
    )
    // The malformed Contact did not stop the parse; reading it throws, naming the header.
    expect(() => m.contacts).toThrow(/Bad Contact header/)
    try {
      m.get('contact')
    } catch (e) {
      expect(e).toBeInstanceOf(SipParseError)
      expect((e as SipParseError).header).toBe('contact')
    }
    const ok = invite()
    expect(ok.get('contact')).toBe(ok.get('contact'))
  })

  it('gives typed values, raw values and all values across fields', () => {
    const m = invite()
    expect(m.getAll('route').map((r) => (r.uri.kind === 'sip' ? r.uri.host : ''))).toEqual([
      'p1.example.com',
      'p2.example.com',
      'p3.example.com',
    ])
    expect(m.getRaw('x-odd')).toBe('spaced   value')
    expect(m.getAllRaw('route')).toEqual([
      '<sip:p1.example.com;lr>, <sip:p2.example.com;lr>',
      '<sip:p3.example.com;lr>',
    ])
    expect(m.get('session-expires')).toBeUndefined()
    expect(m.has('ROUTE')).toBe(true)
    expect(m.fields('route')).toHaveLength(2)
    expect(m.body).toBe('v=0\r\n')
  })

  it('accepts compact forms and any case for names', () => {
    const m = parseMessage(
      lines(
        'OPTIONS sip:a@b SIP/2.0',
        'v: SIP/2.0/UDP h;branch=z9hG4bK1',
        'f: <sip:x@y>;tag=1',
        't: <sip:a@b>',
        'i: c1',
        'CSEQ: 1 OPTIONS',
        'l: 0',
        'k: path',
        ''
      )
    )
    expect(m.topVia.host).toBe('h')
    expect(m.fromTag).toBe('1')
    expect(m.callId).toBe('c1')
    expect(m.getAll('supported')).toEqual(['path'])
    expect(m.getRaw('Supported')).toBe('path')
    expect(m.fields()[0]!.name).toBe('v')
  })
})

describe('mutating as a proxy', () => {
  it('adds a Via at the top and leaves every other line byte-identical', () => {
    const m = invite()
    m.prepend('via', makeVia({ transport: 'TCP', host: 'p0.example.com', branch: 'z9hG4bKp0' }))
    const out = m.toString()
    expect(out).toBe(
      INVITE.replace(
        'Via: SIP/2.0/WSS',
        'Via: SIP/2.0/TCP p0.example.com;branch=z9hG4bKp0\r\nVia: SIP/2.0/WSS'
      )
    )
    expect(parseMessage(out).vias.map((v) => v.branch)).toEqual(['z9hG4bKp0', 'z9hG4bKc1'])
  })

  it('pops the top Route out of a comma list, keeping the rest of the text (§16.4)', () => {
    const m = invite()
    const top = m.shift('route')
    expect(top?.uri).toMatchObject({ host: 'p1.example.com' })
    expect(m.getAllRaw('route')).toEqual(['<sip:p2.example.com;lr>', '<sip:p3.example.com;lr>'])
    m.shift('route')
    m.shift('route')
    expect(m.has('route')).toBe(false)
    expect(m.shift('route')).toBeUndefined()
  })

  it('adds Record-Route, retargets the Request-URI and decrements Max-Forwards (§16.6)', () => {
    const m = invite()
    m.prepend('record-route', parseNameAddr('<sip:p0.example.com;lr>'))
    m.setUri(parseUri('sip:bob@192.0.2.4:5060;transport=tcp'))
    expect(m.decrementMaxForwards()).toBe(69)
    const back = parseMessage(m.toString()) as SipRequest
    expect(back.uriText).toBe('sip:bob@192.0.2.4:5060;transport=tcp')
    expect(back.maxForwards).toBe(69)
    expect(back.get('record-route')?.uri).toMatchObject({ host: 'p0.example.com' })
    expect(back.toString().split('\r\n')[0]).toBe(
      'INVITE sip:bob@192.0.2.4:5060;transport=tcp SIP/2.0'
    )
  })

  it('adds Max-Forwards: 70 when a request has none', () => {
    const m = parseMessage(INVITE.replace('Max-Forwards: 70\r\n', '')) as SipRequest
    expect(m.decrementMaxForwards()).toBe(70)
    expect(m.getRaw('max-forwards')).toBe('70')
  })

  it('sets, appends and removes headers with typed values or text', () => {
    const m = invite()
    m.set('supported', ['path', 'outbound'])
    m.append('p-asserted-identity', '<sip:alice@atlanta.com>')
    m.append('p-asserted-identity', parseNameAddr('<tel:+16505550001>'))
    expect(m.remove('x-odd')).toBe(1)
    expect(m.remove('x-missing')).toBe(0)
    m.set('X-Custom', 'a, b')
    const back = parseMessage(m.toString())
    expect(back.getAll('supported')).toEqual(['path', 'outbound'])
    expect(back.getAll('p-asserted-identity').map((p) => p.uri.kind)).toEqual(['sip', 'tel'])
    expect(back.getRaw('x-custom')).toBe('a, b')
    expect(back.has('x-odd')).toBe(false)
    expect(m.toString()).toContain('Supported: path, outbound\r\n')
    expect(m.toString()).toContain('X-Custom: a, b\r\n')
  })

  it('replaces the body and its Content-Length (UTF-8 octets)', () => {
    const m = invite()
    m.setBody('héllo', 'text/plain')
    expect(m.get('content-length')).toBe(6)
    expect(parseMessage(m.toString()).body).toBe('héllo')
  })

  it('clones: edits to the copy do not touch the original', () => {
    const m = invite()
    const c = m.clone()
    c.shift('route')
    c.setUri('sip:carol@chicago.com')
    expect(m.toString()).toBe(INVITE)
    expect(c.toString()).not.toBe(INVITE)
  })

  it('pops the top Via of a response and rewrites its status (§16.7)', () => {
    const res = parseMessage(
      lines(
        'SIP/2.0 503 Service Unavailable',
        'Via: SIP/2.0/TCP p0;branch=z9hG4bK0, SIP/2.0/UDP c;branch=z9hG4bK1',
        'From: <sip:a@b>;tag=1',
        'To: <sip:c@d>;tag=2',
        'Call-ID: x',
        'CSeq: 1 INVITE',
        'Content-Length: 0',
        ''
      )
    ) as SipResponse
    expect(res.shift('via')?.host).toBe('p0')
    res.setStatus(500, 'Server Internal Error')
    const back = parseMessage(res.toString()) as SipResponse
    expect(back.vias.map((v) => v.host)).toEqual(['c'])
    expect([back.status, back.reason]).toEqual([500, 'Server Internal Error'])
  })
})
