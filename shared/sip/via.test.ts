/** Via values (RFC 3261 §20.42, §18.2.1; RFC 3581; RFC 5118 §4.5). */
import { describe, expect, it } from 'vitest'
import { SipParseError } from './errors'
import { isRfc3261Branch, makeVia, parseVia, serializeVia, viaWithParams } from './via'

describe('parseVia', () => {
  it('lifts branch, received, rport, maddr and ttl', () => {
    const [v] = parseVia(
      'SIP/2.0/UDP 10.0.0.5:5058;rport=40123;received=10.0.0.5;branch=z9hG4bKPj;maddr=239.1.1.1;ttl=16'
    )
    expect(v).toMatchObject({
      protocol: 'SIP/2.0',
      transport: 'UDP',
      host: '10.0.0.5',
      port: 5058,
      branch: 'z9hG4bKPj',
      received: '10.0.0.5',
      rport: 40123,
      maddr: '239.1.1.1',
      ttl: 16,
    })
  })

  it('reports a bare rport as true (RFC 3581 §4) and absent ones as null', () => {
    expect(parseVia('SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK1;rport')[0]!.rport).toBe(true)
    expect(parseVia('SIP/2.0/TCP h;branch=z9hG4bK1')[0]).toMatchObject({
      rport: null,
      received: null,
      port: null,
    })
  })

  it('accepts LWS and folding inside sent-protocol (RFC 4475 §3.1.1.1)', () => {
    const [v] = parseVia('SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw')
    expect(v).toMatchObject({
      protocol: 'SIP/2.0',
      transport: 'UDP',
      host: '192.0.2.2',
      branch: '390skdjuw',
    })
  })

  it('reads several comma-separated values', () => {
    const vs = parseVia(
      'SIP/2.0/TCP spindle.example.com ;\r\n  branch  =   z9hG4bK9ikj8  ,\r\n SIP / 2.0 / UDP 192.168.255.111 ; branch=\r\n z9hG4bK30239'
    )
    expect(vs.map((v) => v.branch)).toEqual(['z9hG4bK9ikj8', 'z9hG4bK30239'])
  })

  it('reads IPv6 sent-by and received in both forms (RFC 5118 §4.5)', () => {
    const [a] = parseVia(
      'SIP/2.0/UDP [2001:db8::9:1]:5060;received=[2001:db8::9:255];branch=z9hG4bKas3'
    )
    expect(a).toMatchObject({ host: '[2001:db8::9:1]', port: 5060, received: '[2001:db8::9:255]' })
    const [b] = parseVia('SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch=z9hG4bKas3')
    expect(b!.received).toBe('2001:db8::9:255')
  })

  it('upper-cases the transport and keeps unknown ones', () => {
    expect(parseVia('SIP/2.0/ws h;branch=z9hG4bK1')[0]!.transport).toBe('WS')
    expect(parseVia('SIP/2.0/UNKNOWN h')[0]!.transport).toBe('UNKNOWN')
  })

  it('rejects malformed values', () => {
    for (const bad of [
      'SIP/2.0/UDP 192.0.2.15;;,;,,',
      'SIP/2.0/UDP',
      'SIP/2.0 UDP host',
      'SIP/2.0/UDPhost',
      'SIP/2.0/UDP host:99999',
      'SIP/2.0/UDP host;rport=x',
      'SIP/2.0/UDP host;ttl=300',
      'SIP/2.0/UDP host;received',
      'SIP/2.0/UDP host,',
    ]) {
      expect(() => parseVia(bad), bad).toThrow(SipParseError)
    }
  })
})

describe('building Via values', () => {
  it('makeVia puts branch first and rport when asked', () => {
    const v = makeVia({
      transport: 'wss',
      host: 'edge.example.com',
      port: 443,
      branch: 'z9hG4bKabc',
      rport: true,
    })
    expect(serializeVia(v)).toBe('SIP/2.0/WSS edge.example.com:443;branch=z9hG4bKabc;rport')
    expect(parseVia(serializeVia(v))[0]).toEqual(v)
  })

  it('viaWithParams recomputes the lifted fields (a proxy filling in received/rport)', () => {
    const [v] = parseVia('SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1;rport')
    const filled = viaWithParams(v!, [
      ...v!.params.filter((p) => p.name !== 'rport'),
      { name: 'received', value: '192.0.2.1' },
      { name: 'rport', value: '5062' },
    ])
    expect(filled).toMatchObject({ received: '192.0.2.1', rport: 5062, branch: 'z9hG4bK1' })
    expect(serializeVia(filled)).toBe(
      'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1;received=192.0.2.1;rport=5062'
    )
  })

  it('brackets IPv6 hosts', () => {
    expect(
      serializeVia(makeVia({ transport: 'TCP', host: '2001:db8::1', branch: 'z9hG4bKx' }))
    ).toBe('SIP/2.0/TCP [2001:db8::1];branch=z9hG4bKx')
  })

  it('recognises RFC 3261 branches', () => {
    expect(isRfc3261Branch('z9hG4bK776asdhds')).toBe(true)
    expect(isRfc3261Branch('z9hG4bK')).toBe(false)
    expect(isRfc3261Branch('390skdjuw')).toBe(false)
    expect(isRfc3261Branch(null)).toBe(false)
  })
})
