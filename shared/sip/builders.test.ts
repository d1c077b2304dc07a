/** Response and request builders, and identifiers with injected entropy (RFC 3261 §8.1.1, §8.2.6). */
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../test/support/sip/corpus'
import {
  buildRequest,
  buildResponse,
  createsDialog,
  responseFromError,
  stableTag,
} from './builders'
import { SipError } from './errors'
import type { SipRequest } from './message'
import { parseNameAddr } from './name-addr'
import { parseMessage } from './parse-message'
import { generateBranch, generateCallId, generateTag, randomToken } from './random'
import { makeVia } from './via'

const INVITE = [
  'INVITE sip:bob@biloxi.com SIP/2.0',
  'Via: SIP/2.0/TCP p1.example.com;branch=z9hG4bKp1',
  'v: SIP/2.0/WSS client.invalid;branch=z9hG4bKc1;received=192.0.2.1;rport=5062',
  'Record-Route: <sip:p1.example.com;lr>',
  'Max-Forwards: 69',
  'To: Bob <sip:bob@biloxi.com>',
  'From: "Alice" <sip:alice@atlanta.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710',
  'CSeq: 314159 INVITE',
  'Timestamp: 54',
  'Contact: <sip:alice@client.invalid;transport=ws>',
  'Content-Length: 0',
  '',
  '',
].join('\r\n')

const invite = (): SipRequest => parseMessage(INVITE) as SipRequest

describe('buildResponse', () => {
  it('copies Via, From, Call-ID, CSeq byte-for-byte and adds a To tag', () => {
    const res = buildResponse(invite(), 180, { toTag: 'b0b' })
    const text = res.toString()
    expect(text).toBe(
      [
        'SIP/2.0 180 Ringing',
        'Via: SIP/2.0/TCP p1.example.com;branch=z9hG4bKp1',
        'v: SIP/2.0/WSS client.invalid;branch=z9hG4bKc1;received=192.0.2.1;rport=5062',
        'From: "Alice" <sip:alice@atlanta.com>;tag=1928301774',
        'To: Bob <sip:bob@biloxi.com>;tag=b0b',
        'Call-ID: a84b4c76e66710',
        'CSeq: 314159 INVITE',
        'Record-Route: <sip:p1.example.com;lr>',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n')
    )
    const back = parseMessage(text)
    expect(back.toTag).toBe('b0b')
    expect(back.vias).toHaveLength(2)
  })

  it('adds no tag to 100 Trying and copies Timestamp into it (§8.2.6.1)', () => {
    const res = buildResponse(invite(), 100)
    expect(res.toTag).toBeUndefined()
    expect(res.getRaw('timestamp')).toBe('54')
    expect(res.has('record-route')).toBe(false)
  })

  it('keeps an existing To tag and copies Record-Route only into dialog-creating responses', () => {
    const req = parseMessage(
      INVITE.replace('To: Bob <sip:bob@biloxi.com>', 'To: Bob <sip:bob@biloxi.com>;tag=x')
    ) as SipRequest
    expect(buildResponse(req, 200).toTag).toBe('x')
    expect(buildResponse(invite(), 486).has('record-route')).toBe(false)
    const reg = parseMessage(INVITE.replaceAll('INVITE', 'REGISTER')) as SipRequest
    expect(buildResponse(reg, 200).has('record-route')).toBe(false)
    expect(createsDialog('SUBSCRIBE', 202)).toBe(true)
    expect(createsDialog('INVITE', 100)).toBe(false)
  })

  it('derives a stable To tag without a random source, or a random one with it', () => {
    const a = buildResponse(invite(), 404).toTag
    const b = buildResponse(invite(), 404).toTag
    expect(a).toBe(b)
    expect(a).toBe(stableTag(invite()))
    const random = seededRandom(1)
    const c = buildResponse(invite(), 404, { random }).toTag
    const d = buildResponse(invite(), 404, { random }).toTag
    expect(c).not.toBe(d)
  })

  it('adds extra headers, a reason and a body with Content-Type and Content-Length', () => {
    const res = buildResponse(invite(), 200, {
      reason: 'Fine',
      headers: [['Supported', 'outbound']],
      body: 'v=0\r\n',
      contentType: 'application/sdp',
    })
    expect(res.reason).toBe('Fine')
    expect(res.getRaw('supported')).toBe('outbound')
    expect(res.getRaw('content-type')).toBe('application/sdp')
    expect(res.get('content-length')).toBe(5)
    expect(parseMessage(res.toString()).body).toBe('v=0\r\n')
  })
})

describe('responseFromError', () => {
  it('maps SipError to its status, reason, Retry-After and headers', () => {
    const err = new SipError(503, 'Service Unavailable', {
      retryAfter: 0,
      headers: [['Warning', '399 x "overload"']],
    })
    const res = responseFromError(invite(), err)
    expect([res.status, res.reason]).toEqual([503, 'Service Unavailable'])
    expect(res.getRaw('retry-after')).toBe('0')
    expect(res.getRaw('warning')).toBe('399 x "overload"')
  })

  it('SipError only takes final non-2xx statuses and keeps its cause', () => {
    expect(() => new SipError(200, 'OK')).toThrow(RangeError)
    const cause = new Error('store down')
    expect(new SipError(504, 'Server Time-out', { cause }).cause).toBe(cause)
  })
})

describe('buildRequest', () => {
  it('assembles a request that parses back with the same fields', () => {
    const random = seededRandom(42)
    const branch = generateBranch(random)
    const req = buildRequest({
      method: 'NOTIFY',
      uri: 'sip:alice@client.invalid;transport=ws',
      via: [makeVia({ transport: 'TCP', host: 'sprout.example.com', port: 5054, branch })],
      route: ['<sip:bono.example.com;lr>'],
      from: parseNameAddr('<sip:alice@example.com>;tag=s1'),
      to: '<sip:alice@example.com>;tag=a1',
      callId: generateCallId(random, 'sprout.example.com'),
      cseq: 7,
      contact: '<sip:sprout.example.com:5054>',
      headers: [
        ['Event', 'reg'],
        ['Subscription-State', 'active;expires=300'],
      ],
      body: '<reginfo/>',
      contentType: 'application/reginfo+xml',
    })
    const back = parseMessage(req.toString()) as SipRequest
    expect(back.method).toBe('NOTIFY')
    expect(back.topVia.branch).toBe(branch)
    expect(back.cseq).toEqual({ seq: 7, method: 'NOTIFY' })
    expect(back.maxForwards).toBe(70)
    expect(back.get('route')?.uri).toMatchObject({ host: 'bono.example.com' })
    expect(back.get('event')).toEqual({ value: 'reg', params: [] })
    expect(back.body).toBe('<reginfo/>')
    expect(back.get('content-length')).toBe(10)
  })
})

describe('identifiers', () => {
  it('branches carry the magic cookie and 96 random bits', () => {
    const b = generateBranch(seededRandom(3))
    expect(b).toMatch(/^z9hG4bK[a-z2-7]{20}$/)
  })

  it('tags and Call-IDs have enough entropy and differ', () => {
    const random = seededRandom(5)
    const tags = new Set(Array.from({ length: 1000 }, () => generateTag(random)))
    expect(tags.size).toBe(1000)
    expect(generateTag(random)).toMatch(/^[a-z2-7]{13}$/)
    expect(generateCallId(random)).toMatch(/^[a-z2-7]{26}$/)
    expect(generateCallId(random, 'h.example.com')).toMatch(/@h\.example\.com$/)
  })

  it('takes its entropy only from the injected source', () => {
    expect(generateTag(seededRandom(9))).toBe(generateTag(seededRandom(9)))
    expect(randomToken(() => {}, 5)).toBe('aaaaaaaa')
  })
})
