/** Error mapping: parse errors to 400/505/drop, and SipError (RFC 3261 §21; RFC 4475 §3.1.2). */
import { describe, expect, it } from 'vitest'
import { SipParseError } from './errors'
import { parseErrorAction, parseErrorResponse } from './parse-error-response'
import { parseMessage, tryParseMessage } from './parse-message'

const BAD = [
  'INVITE sip:bob@biloxi.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds',
  'To: Bob <sip:bob@biloxi.com>',
  'From: Alice <sip:alice@atlanta.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710',
  'CSeq: 99999999999 INVITE',
  'Content-Length: 0',
  '',
  '',
].join('\r\n')

describe('parse errors', () => {
  it('carry a code, a reason naming the problem, the offset and the header', () => {
    const r = tryParseMessage(BAD)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error).toMatchObject({
      code: 'header-value',
      header: 'cseq',
      kind: 'request',
      status: 400,
    })
    expect(r.error.reason).toBe('Bad CSeq header: CSeq number too large')
    expect(BAD.slice(r.error.offset)).toMatch(/^99999999999/)
  })

  it('turn into a 400 for requests, built from the salvaged headers', () => {
    const r = tryParseMessage(BAD)
    if (r.ok) throw new Error('expected failure')
    expect(parseErrorAction(r.error)).toEqual({
      action: 'respond',
      status: 400,
      reason: 'Bad CSeq header: CSeq number too large',
    })
    const text = parseErrorResponse(BAD, r.error)!
    expect(text.split('\r\n')[0]).toBe('SIP/2.0 400 Bad CSeq header: CSeq number too large')
    expect(text).toContain('Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n')
    expect(text).toMatch(/To: Bob <sip:bob@biloxi.com>;tag=[0-9a-f]{16}\r\n/)
    expect(text).toContain('CSeq: 99999999999 INVITE\r\n')
    // The error response itself is well formed enough for a UAC to match it.
    const back = parseMessage(text.replace('99999999999', '1'))
    expect(back.topVia.branch).toBe('z9hG4bK776asdhds')
  })

  it('are dropped for responses and unrecognisable input', () => {
    const r = tryParseMessage(BAD.replace('INVITE sip:bob@biloxi.com SIP/2.0', 'SIP/2.0 200 OK'))
    if (r.ok) throw new Error('expected failure')
    expect(parseErrorAction(r.error).action).toBe('drop')
    expect(parseErrorResponse('', new SipParseError('empty', 'Empty message', 0))).toBeNull()
    // Looks like a request line, but has nothing a response could be built from.
    const garbage = 'this is not SIP at all\r\n\r\n'
    const g = tryParseMessage(garbage)
    expect(g.ok).toBe(false)
    if (!g.ok) expect(parseErrorResponse(garbage, g.error)).toBeNull()
  })

  it('505 for an unsupported version', () => {
    const text = BAD.replace('SIP/2.0\r\n', 'SIP/3.0\r\n')
    const r = tryParseMessage(text)
    if (r.ok) throw new Error('expected failure')
    expect(parseErrorAction(r.error)).toEqual({
      action: 'respond',
      status: 505,
      reason: 'Version Not Supported',
    })
    expect(parseErrorResponse(text, r.error)).toMatch(/^SIP\/2\.0 505 Version Not Supported\r\n/)
  })

  it('keep reason phrases on one line', () => {
    const err = new SipParseError('header-value', 'Bad X\r\nInjected: yes', 0, { kind: 'request' })
    const a = parseErrorAction(err)
    expect(a.action === 'respond' && a.reason).toBe('Bad X Injected: yes')
  })
})
