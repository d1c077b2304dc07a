import { describe, expect, it } from 'vitest'
import {
  identitiesOfText,
  identityOf,
  isFailure,
  recordOf,
  statusOfText,
  type TraceNote,
  traceRecordSchema,
} from './trace-record'

const SDP = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n'
const INVITE = [
  'INVITE sip:bob@example.com SIP/2.0',
  'Via: SIP/2.0/WSS edge.example;branch=z9hG4bKx',
  'From: "Alice" <sip:alice@Example.COM>;tag=1',
  't: <sip:bob@example.com>',
  'i: call-1@client',
  'CSeq: 1 INVITE',
  'P-Asserted-Identity: <tel:+15551234>',
  'Content-Type: application/sdp',
  `Content-Length: ${SDP.length}`,
  '',
  SDP,
].join('\r\n')
const RINGING = [
  'SIP/2.0 180 Ringing',
  'Via: SIP/2.0/WSS edge.example;branch=z9hG4bKx',
  'From: <sip:alice@example.com>;tag=1',
  'To: <sip:bob@example.com>;tag=2',
  'Call-ID: call-1@client',
  'CSeq: 1 INVITE',
  'Content-Length: 0',
  '',
  '',
].join('\r\n')

const note = (text: string, extra: Partial<TraceNote> = {}): TraceNote => ({
  traceId: 'a'.repeat(32),
  spanId: 'b'.repeat(16),
  at: 1_000,
  component: 'edge',
  region: 'a',
  direction: 'in',
  from: 'ua:sip:alice@example.com',
  to: 'edge',
  kind: 'sip',
  text,
  ...extra,
})

describe('trace records', () => {
  it('holds the start line, method, Call-ID (compact form too), CSeq and identities', () => {
    const r = recordOf(note(INVITE, { flow: 'flowtoken123' }), {
      body: 'full',
      maxMessageChars: 16_384,
    })
    expect(traceRecordSchema.parse(r)).toEqual(r)
    expect(r).toMatchObject({
      callId: 'call-1@client',
      summary: 'INVITE sip:bob@example.com SIP/2.0',
      method: 'INVITE',
      cseq: '1 INVITE',
      impus: ['sip:alice@example.com', 'sip:bob@example.com', 'tel:+15551234'],
      flow: 'flowtoken123',
      message: INVITE,
    })
    expect(r.status).toBeUndefined()
  })

  it('reads a response’s status and its request’s method from CSeq', () => {
    const r = recordOf(note(RINGING), { body: 'full', maxMessageChars: 16_384 })
    expect(r).toMatchObject({ status: 180, method: 'INVITE', summary: 'SIP/2.0 180 Ringing' })
  })

  it('applies the body policy: headers keeps the head and the body’s length, none the start line', () => {
    const headers = recordOf(note(INVITE), { body: 'headers', maxMessageChars: 16_384 })
    expect(headers.message).toContain('CSeq: 1 INVITE')
    expect(headers.message).not.toContain('o=- 1 1')
    expect(headers.message).toMatch(new RegExp(`\\[body of ${SDP.length} characters not kept\\]$`))
    const none = recordOf(note(INVITE), { body: 'none', maxMessageChars: 16_384 })
    expect(none.message).toBe('INVITE sip:bob@example.com SIP/2.0\r\n[headers and body not kept]')
    // A message without a body under `headers` is kept whole.
    expect(recordOf(note(RINGING), { body: 'headers', maxMessageChars: 16_384 }).message).toBe(
      RINGING
    )
  })

  it('cuts a message at the configured size', () => {
    const r = recordOf(note(INVITE), { body: 'full', maxMessageChars: 256 })
    expect(r.message.startsWith(INVITE.slice(0, 256))).toBe(true)
    expect(r.message).toMatch(/\[cut at 256 characters\]$/)
  })

  it('records an internal HTTP call with its status', () => {
    const r = recordOf(
      note('POST /call-id/c1 200', { kind: 'http', callId: 'c1', from: 'sprout-a', to: 'ralf-a' }),
      { body: 'full', maxMessageChars: 1_000 }
    )
    expect(r).toMatchObject({ kind: 'http', callId: 'c1', method: 'POST', status: 200, impus: [] })
  })

  it('reads identities from name-addr and addr-spec forms', () => {
    expect(identityOf('"A" <sips:al@Host.Example;transport=ws>;tag=1')).toBe('sip:al@host.example')
    expect(identityOf('sip:bob@example.com;tag=3')).toBe('sip:bob@example.com')
    expect(identityOf('<tel:+1-555;phone-context=x>')).toBe('tel:+1-555')
    expect(identityOf('<urn:service:sos>')).toBeUndefined()
    expect(identitiesOfText(RINGING)).toEqual(['sip:alice@example.com', 'sip:bob@example.com'])
  })

  it('reads a hostile value (many `<`, no `>`) in one pass, finding no identity', () => {
    // A backtracking `<([^>]*)>` would take billions of steps here.
    expect(identityOf('<'.repeat(200_000))).toBeUndefined()
    expect(identityOf(`${'<'.repeat(200_000)}sip:a@b>`)).toBeUndefined()
    expect(identityOf(`"x <y" <sip:a@b>`)).toBeUndefined()
    expect(identityOf(`"x" ${'<'.repeat(3)}sip:a@b.example>`)).toBeUndefined()
    expect(identityOf(`"x" <sip:a@B.example>${'<'.repeat(200_000)}`)).toBe('sip:a@b.example')
  })

  it('counts final failures except challenges and a cancelled request’s 487', () => {
    expect([180, 200, 302, 401, 407, 487].map(isFailure)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ])
    expect([400, 404, 486, 500, 503, 603].every(isFailure)).toBe(true)
    expect(statusOfText(RINGING)).toBe(180)
    expect(statusOfText(INVITE)).toBeUndefined()
  })
})
