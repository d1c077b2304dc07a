/**
 * The other headers a registrar and proxy read, through the typed accessors: Event and
 * Subscription-State (RFC 6665), Session-Expires / Min-SE (RFC 4028), Expires / Min-Expires,
 * Content-Type, Privacy (RFC 3323), P-Asserted/Preferred-Identity and P-Associated-URI (RFC 3325,
 * 7315), P-Served-User (RFC 5502), P-Called-Party-ID, P-Charging-Vector (RFC 7315),
 * Accept-Contact / Reject-Contact / Request-Disposition (RFC 3841), Supported / Require /
 * Proxy-Require, Diversion (RFC 5806), History-Info (RFC 7044), Path / Service-Route, Reason.
 */
import { describe, expect, it } from 'vitest'
import { SipParseError } from './errors'
import type { SipMessage } from './message'
import { getParam, paramText } from './params'
import { parseMessage } from './parse-message'
import { parsePrivacy, parseSessionExpires, parseTokenList, parseValueParams } from './value-params'

const withHeaders = (...extra: string[]): SipMessage =>
  parseMessage(
    [
      'INVITE sip:bob@example.com SIP/2.0',
      'Via: SIP/2.0/TCP h;branch=z9hG4bK1',
      'From: <sip:alice@example.com>;tag=1',
      'To: <sip:bob@example.com>',
      'Call-ID: c',
      'CSeq: 1 INVITE',
      ...extra,
      '',
      '',
    ].join('\r\n')
  )

describe('IMS and extension headers', () => {
  it('Event and Subscription-State', () => {
    const m = withHeaders(
      'o: reg;id=7',
      'Subscription-State: active;expires=300',
      'Allow-Events: reg, presence.winfo'
    )
    expect(m.get('event')).toEqual({ value: 'reg', params: [{ name: 'id', value: '7' }] })
    const ss = m.get('subscription-state')!
    expect([ss.value, getParam(ss.params, 'expires')]).toEqual(['active', '300'])
    expect(m.getAll('allow-events')).toEqual(['reg', 'presence.winfo'])
  })

  it('Session-Expires, Min-SE, Expires, Min-Expires', () => {
    const m = withHeaders('x: 1800;refresher=UAC', 'Min-SE: 90', 'Expires: 600', 'Min-Expires: 60')
    expect(m.get('session-expires')).toMatchObject({ delta: 1800, refresher: 'uac' })
    expect(m.get('min-se')).toMatchObject({ delta: 90, refresher: null })
    expect([m.get('expires'), m.get('min-expires')]).toEqual([600, 60])
    expect(() => withHeaders('Expires: 10000000000000').get('expires')).toThrow(SipParseError)
    expect(() => parseSessionExpires('soon')).toThrow(SipParseError)
  })

  it('Content-Type with LWS around the slash and parameters', () => {
    expect(
      withHeaders('c: multipart/mixed ; boundary=7a9cbec02ceef655').get('content-type')
    ).toEqual({
      value: 'multipart/mixed',
      params: [{ name: 'boundary', value: '7a9cbec02ceef655' }],
    })
    expect(parseValueParams('application / sdp').value).toBe('application/sdp')
    expect(() => parseValueParams('application/')).toThrow(SipParseError)
  })

  it('Privacy values separated by semicolons (RFC 3323 §4.2)', () => {
    expect(withHeaders('Privacy: id; header ;user').getAll('privacy')).toEqual([
      'id',
      'header',
      'user',
    ])
    expect(() => parsePrivacy('id;;user')).toThrow(SipParseError)
  })

  it('asserted, preferred and associated identities', () => {
    const m = withHeaders(
      'P-Asserted-Identity: "Alice" <sip:alice@example.com>, <tel:+16505550001>',
      'P-Preferred-Identity: <sip:alice@example.com>',
      'P-Associated-URI: <sip:6505550001@example.com>, <tel:+16505550001>',
      'P-Called-Party-ID: <sip:bob@example.com>',
      'P-Served-User: <sip:alice@example.com>;sescase=orig;regstate=reg'
    )
    expect(m.getAll('p-asserted-identity').map((n) => [n.displayName, n.uri.kind])).toEqual([
      ['Alice', 'sip'],
      [null, 'tel'],
    ])
    expect(m.getAll('p-preferred-identity')).toHaveLength(1)
    expect(m.getAll('p-associated-uri').map((n) => n.uri.kind)).toEqual(['sip', 'tel'])
    expect(m.get('p-called-party-id')?.uri).toMatchObject({ user: 'bob' })
    const psu = m.get('p-served-user')!
    expect([getParam(psu.params, 'sescase'), getParam(psu.params, 'regstate')]).toEqual([
      'orig',
      'reg',
    ])
  })

  it('P-Charging-Vector parameters (RFC 7315 §4.6)', () => {
    const pcv = withHeaders(
      'P-Charging-Vector: icid-value="1234bc9876e";icid-generated-at=192.0.6.8;orig-ioi=example.com'
    ).get('p-charging-vector')!
    expect(paramText(pcv, 'icid-value')).toBe('1234bc9876e')
    expect(getParam(pcv, 'orig-ioi')).toBe('example.com')
  })

  it('caller preferences (RFC 3841 §10)', () => {
    const m = withHeaders(
      'a: *;audio;+sip.instance="<urn:uuid:1>";explicit, *;video',
      'j: *;automata',
      'd: proxy, recurse, parallel'
    )
    expect(m.getAll('accept-contact').map((v) => [v.value, v.params.map((p) => p.name)])).toEqual([
      ['*', ['audio', '+sip.instance', 'explicit']],
      ['*', ['video']],
    ])
    expect(m.get('reject-contact')?.params).toEqual([{ name: 'automata', value: null }])
    expect(m.getAll('request-disposition')).toEqual(['proxy', 'recurse', 'parallel'])
  })

  it('option tags', () => {
    const m = withHeaders(
      'k: path, gruu',
      'Supported: outbound',
      'Require: timer',
      'Proxy-Require: sec-agree',
      'Supported:'
    )
    expect(m.getAll('supported')).toEqual(['path', 'gruu', 'outbound'])
    expect(m.getAll('require')).toEqual(['timer'])
    expect(m.getAll('proxy-require')).toEqual(['sec-agree'])
    expect(() => parseTokenList('a,,b')).toThrow(SipParseError)
  })

  it('Diversion and History-Info (RFC 5806, RFC 7044)', () => {
    const m = withHeaders(
      'Diversion: <sip:bob@example.com>;reason=user-busy;counter=1',
      'History-Info: <sip:bob@example.com?Reason=SIP%3Bcause%3D486>;index=1, <sip:carol@example.com>;index=1.1'
    )
    expect(getParam(m.get('diversion')!.params, 'reason')).toBe('user-busy')
    const hi = m.getAll('history-info')
    expect(hi.map((h) => getParam(h.params, 'index'))).toEqual(['1', '1.1'])
    expect(hi[0]!.uri).toMatchObject({ headers: [{ name: 'Reason', value: 'SIP%3Bcause%3D486' }] })
  })

  it('Path, Service-Route and Reason', () => {
    const m = withHeaders(
      'Path: <sip:flowtoken@bono-1.example.com:5058;transport=TCP;lr;ob>',
      'Service-Route: <sip:scscf.sprout.example.com:5054;transport=TCP;lr;orig>',
      'Reason: SIP;cause=480;text="Temporarily Unavailable", Q.850;cause=16'
    )
    expect(m.get('path')?.uri).toMatchObject({ user: 'flowtoken', port: 5058 })
    expect(m.get('service-route')?.uri).toMatchObject({
      params: expect.arrayContaining([{ name: 'orig', value: null }]),
    })
    expect(m.getAll('reason').map((r) => [r.value, getParam(r.params, 'cause')])).toEqual([
      ['SIP', '480'],
      ['Q.850', '16'],
    ])
  })
})
