import { describe, expect, it } from 'vitest'
import { SipError, type SipRequest, tryParseMessage } from '../shared/sip'
import { checkRequest } from './sanity'

const request = (uri: string): SipRequest => {
  const text = [
    `MESSAGE ${uri} SIP/2.0`,
    'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKm1',
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=1',
    `To: <${uri}>`,
    'Call-ID: m1',
    'CSeq: 1 MESSAGE',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')
  const p = tryParseMessage(text)
  if (!p.ok || p.value.kind !== 'request') throw new Error('test request does not parse')
  return p.value
}

const statusOf = (uri: string): number | undefined => {
  try {
    checkRequest(request(uri))
    return undefined
  } catch (e) {
    if (e instanceof SipError) return e.status
    throw e
  }
}

describe('Request-URI schemes at the edge (RFC 3261 §8.2.2.1, RFC 5031)', () => {
  it.each(['sip:bob@example.com', 'tel:+16505550001', 'urn:service:sos', 'urn:service:sos.police'])(
    'lets %s in',
    (uri) => expect(statusOf(uri)).toBeUndefined()
  )

  it.each(['http://example.com/', 'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6', 'mailto:a@b.c'])(
    'answers %s with 416',
    (uri) => expect(statusOf(uri)).toBe(416)
  )
})
