/** The message splitter: start lines, header framing, body delimiting (RFC 3261 §7, §18.3, §20.14). */
import { describe, expect, it } from 'vitest'
import { SipParseError } from './errors'
import type { SipRequest, SipResponse } from './message'
import { parseMessage, tryParseMessage } from './parse-message'

const HEADERS = [
  'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
  'From: <sip:a@b>;tag=1',
  'To: <sip:c@d>',
  'Call-ID: x',
  'CSeq: 1 OPTIONS',
]
const request = (start: string, extra: string[] = [], body = ''): string =>
  `${[start, ...HEADERS, ...extra].join('\r\n')}\r\n\r\n${body}`

const fails = (text: string, opts?: { binary?: boolean }): SipParseError => {
  const r = tryParseMessage(text, opts)
  if (r.ok) throw new Error('expected a parse error')
  return r.error
}

describe('start line', () => {
  it('reads requests and responses', () => {
    const r = parseMessage(request('OPTIONS sip:c@d SIP/2.0')) as SipRequest
    expect([r.kind, r.method, r.uriText]).toEqual(['request', 'OPTIONS', 'sip:c@d'])
    const s = parseMessage(request('SIP/2.0 486 Busy Here')) as SipResponse
    expect([s.kind, s.status, s.reason]).toEqual(['response', 486, 'Busy Here'])
  })

  it('skips CRLFs before the start line (§7.5)', () => {
    const text = request('OPTIONS sip:c@d SIP/2.0')
    const m = parseMessage(`\r\n\r\n${text}`)
    expect(m.toString()).toBe(text)
  })

  it('answers an unknown version with 505 and a garbled one with 400', () => {
    const v = fails(request('OPTIONS sip:c@d SIP/3.0'))
    expect([v.code, v.status, v.kind]).toEqual(['version', 505, 'request'])
    expect(fails(request('OPTIONS sip:c@d HTTP/1.1')).status).toBe(400)
    expect(fails(request('SIP/2.1 200 OK')).code).toBe('version')
  })

  it('rejects malformed request lines', () => {
    for (const line of [
      'OPTIONS  sip:c@d SIP/2.0',
      'OPTIONS sip:c@d SIP/2.0 ',
      'OPTIONS sip:c@d',
      'OPT@ONS sip:c@d SIP/2.0',
      'OPTIONS <sip:c@d> SIP/2.0',
    ]) {
      expect(fails(request(line)).kind, line).toBe('request')
    }
  })

  it('rejects status codes outside 100–699', () => {
    for (const line of ['SIP/2.0 099 X', 'SIP/2.0 700 X', 'SIP/2.0 20 OK', 'SIP/2.0 2000 OK']) {
      const e = fails(request(line))
      expect([e.code, e.kind], line).toEqual(['status-code', 'response'])
    }
  })
})

describe('header framing', () => {
  it('unfolds continuation lines and trims values', () => {
    const m = parseMessage(
      request('OPTIONS sip:c@d SIP/2.0', ['Subject:  first\r\n  second\r\n\tthird  '])
    )
    expect(m.getRaw('subject')).toBe('first second third')
  })

  it('accepts bare LF line ends', () => {
    const m = parseMessage(request('OPTIONS sip:c@d SIP/2.0').replaceAll('\r\n', '\n'))
    expect(m.callId).toBe('x')
  })

  it('rejects a line without a colon, or a message without the blank line', () => {
    expect(fails(request('OPTIONS sip:c@d SIP/2.0', ['Bogus line'])).code).toBe('header-line')
    expect(fails(request('OPTIONS sip:c@d SIP/2.0').slice(0, -2)).code).toBe('truncated')
    expect(fails('').code).toBe('empty')
  })

  it('requires the mandatory headers once each (§8.1.1)', () => {
    for (const drop of HEADERS) {
      const text = request('OPTIONS sip:c@d SIP/2.0').replace(`${drop}\r\n`, '')
      expect(fails(text).code, drop).toBe('missing-header')
    }
    expect(fails(request('OPTIONS sip:c@d SIP/2.0', ['Call-ID: y'])).code).toBe('multiple-values')
    expect(
      fails(request('OPTIONS sip:c@d SIP/2.0', ['Max-Forwards: 1', 'Max-Forwards: 2'])).code
    ).toBe('multiple-values')
    expect(fails(request('INVITE sip:c@d SIP/2.0')).code).toBe('cseq-mismatch')
  })

  it('skips validation when asked, leaving everything lazy', () => {
    const m = parseMessage('OPTIONS sip:c@d SIP/2.0\r\nFrom: garbage\r\n\r\n', { validate: false })
    expect(m.headers).toHaveLength(1)
    expect(() => m.from).toThrow(SipParseError)
  })
})

describe('body and Content-Length', () => {
  it('takes the body to the end when Content-Length is absent (datagram, WebSocket)', () => {
    expect(parseMessage(request('OPTIONS sip:c@d SIP/2.0', [], 'hello')).body).toBe('hello')
  })

  it('drops octets after Content-Length (§18.3, RFC 4475 §3.1.1.8)', () => {
    const m = parseMessage(request('OPTIONS sip:c@d SIP/2.0', ['Content-Length: 2'], 'hello'))
    expect(m.body).toBe('he')
    expect(m.toString()).toBe(request('OPTIONS sip:c@d SIP/2.0', ['Content-Length: 2'], 'he'))
  })

  it('counts UTF-8 octets for text and chars for binary input', () => {
    expect(parseMessage(request('OPTIONS sip:c@d SIP/2.0', ['Content-Length: 3'], 'éa')).body).toBe(
      'éa'
    )
    expect(
      parseMessage(request('OPTIONS sip:c@d SIP/2.0', ['Content-Length: 2'], 'éab')).body
    ).toBe('é')
    expect(
      parseMessage(request('OPTIONS sip:c@d SIP/2.0', ['Content-Length: 2'], 'éab'), {
        binary: true,
      }).body
    ).toBe('éa')
    // Content-Length equal to the chars left but the text is not ASCII: only 4 octets are the body.
    expect(
      parseMessage(request('OPTIONS sip:c@d SIP/2.0', ['Content-Length: 4'], 'ééab')).body
    ).toBe('éé')
  })

  it('rejects a body shorter than Content-Length, and bad or repeated Content-Length', () => {
    expect(fails(request('OPTIONS sip:c@d SIP/2.0', ['Content-Length: 9'], 'hello')).code).toBe(
      'truncated'
    )
    expect(
      fails(request('OPTIONS sip:c@d SIP/2.0', ['Content-Length: 9'], 'hello'), { binary: true })
        .code
    ).toBe('truncated')
    expect(fails(request('OPTIONS sip:c@d SIP/2.0', ['Content-Length: -1'])).code).toBe(
      'content-length'
    )
    expect(fails(request('OPTIONS sip:c@d SIP/2.0', ['l: 0', 'Content-Length: 0'])).code).toBe(
      'content-length'
    )
  })
})
