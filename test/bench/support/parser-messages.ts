/**
 * @module parser bench messages
 * The SIP messages of the parser bench (the same text as `../shared/tools/parser-bench.mjs`) as
 * flat strings, and the adversarial inputs built from its REGISTER.
 */

const CRLF = '\r\n'
export const utf8Len = (s: string): number => Buffer.byteLength(s)
const msg = (lines: string[], body = ''): string => {
  const hdrs = lines.filter((l) => !l.startsWith('Content-Length'))
  return `${hdrs.join(CRLF)}${CRLF}Content-Length: ${utf8Len(body)}${CRLF}${CRLF}${body}`
}

const REGISTER = msg([
  'REGISTER sip:example.com SIP/2.0',
  'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK5465464;rport',
  'Via: SIP/2.0/TCP 10.0.0.5:5058;rport=40123;received=10.0.0.5;branch=z9hG4bKPjd6a8b3e2',
  'Max-Forwards: 69',
  'To: <sip:6505550001@example.com>',
  'From: <sip:6505550001@example.com>;tag=hu1o8frkvh',
  'Call-ID: 4u4b2ppq3nf1ttcs7k8m1f',
  'CSeq: 3 REGISTER',
  'Authorization: Digest username="6505550001@example.com", realm="example.com", nonce="7a5bc2c4b6e86a2f", uri="sip:example.com", response="6629fae49393a05397450978507c4ef1", algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001',
  'Contact: <sip:ab12cd34@df7jal23ls0d.invalid;transport=ws>;reg-id=1;+sip.instance="<urn:uuid:3e5e0f46-4a7c-4f8a-9b3a-2f1d0c1e9a01>";expires=600',
  'Expires: 600',
  'Path: <sip:bono-1.example.com:5058;transport=TCP;lr;ob>',
  'Supported: path, gruu, outbound',
  'Allow: INVITE,ACK,CANCEL,BYE,UPDATE,MESSAGE,OPTIONS,REFER,INFO,NOTIFY',
  'User-Agent: JsSIP 3.10.0',
  'P-Visited-Network-ID: example.com',
  'P-Charging-Vector: icid-value="1234bc9876e";orig-ioi=example.com',
])

const SDP = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'a=msid-semantic: WMS stream1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=candidate:1467250027 1 udp 2122260223 192.0.2.10 46243 typ host generation 0',
  'a=candidate:842163049 1 udp 1686052607 198.51.100.7 46243 typ srflx raddr 192.0.2.10 rport 46243 generation 0',
  'a=ice-ufrag:4ZcD',
  'a=ice-pwd:2/1muCWoOi3uLifh0NuRHlGS',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 75:74:5A:A6:A4:E5:52:F4:A7:67:4C:01:C7:EE:91:3F:21:3D:A2:E3:53:7B:6F:30:86:F2:30:AA:65:FB:04:24',
  'a=setup:actpass',
  'a=mid:0',
  'a=sendrecv',
  'a=msid:stream1 track1',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-fb:111 transport-cc',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:63 red/48000/2',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:13 CN/8000',
  'a=rtpmap:110 telephone-event/48000',
  'a=rtpmap:126 telephone-event/8000',
  'a=ssrc:3510681383 cname:0cEn6ykkLtvdd2dE',
  '',
].join(CRLF)

const INVITE = msg(
  [
    'INVITE sip:6505550002@example.com SIP/2.0',
    'Via: SIP/2.0/TCP 10.0.0.5:5058;rport;branch=z9hG4bKPj8f8c0e3a1b',
    'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK9177386;received=203.0.113.9;rport=51234',
    'Record-Route: <sip:bono-1.example.com:5058;transport=TCP;lr>',
    'Record-Route: <sip:203.0.113.1:5062;transport=ws;lr>',
    'Route: <sip:sprout.example.com:5054;transport=TCP;lr;orig>',
    'Max-Forwards: 69',
    'To: <sip:6505550002@example.com>',
    'From: "Alice" <sip:6505550001@example.com>;tag=o4pdc6g9hb',
    'Call-ID: t5d2c9v1mbh7q0k5p2v8',
    'CSeq: 1234 INVITE',
    'Contact: <sip:ab12cd34@df7jal23ls0d.invalid;transport=ws;ob>',
    'Content-Type: application/sdp',
    'Session-Expires: 90',
    'Allow: INVITE,ACK,CANCEL,BYE,UPDATE,MESSAGE,OPTIONS,REFER,INFO,NOTIFY',
    'Supported: timer, ice, replaces, outbound',
    'User-Agent: JsSIP 3.10.0',
    'P-Asserted-Identity: <sip:6505550001@example.com>',
    'P-Charging-Vector: icid-value="4f8a9b3a2f1d";orig-ioi=example.com',
  ],
  SDP
)

const OK200 = msg([
  'SIP/2.0 200 OK',
  'Via: SIP/2.0/TCP 10.0.0.5:5058;rport=40123;received=10.0.0.5;branch=z9hG4bKPjd6a8b3e2',
  'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK5465464;rport=51234;received=203.0.113.9',
  'Call-ID: 4u4b2ppq3nf1ttcs7k8m1f',
  'From: <sip:6505550001@example.com>;tag=hu1o8frkvh',
  'To: <sip:6505550001@example.com>;tag=z9hG4bKPjd6a8b3e2',
  'CSeq: 3 REGISTER',
  'Contact: <sip:ab12cd34@df7jal23ls0d.invalid;transport=ws>;expires=600;+sip.instance="<urn:uuid:3e5e0f46-4a7c-4f8a-9b3a-2f1d0c1e9a01>";reg-id=1',
  'Path: <sip:bono-1.example.com:5058;transport=TCP;lr;ob>',
  'Service-Route: <sip:sprout.example.com:5054;transport=TCP;lr;orig>',
  'P-Associated-URI: <sip:6505550001@example.com>, <tel:+16505550001>',
  'Require: outbound',
  'Supported: outbound',
  'Date: Tue, 14 Jan 2025 10:00:00 GMT',
])

/**
 * Concatenation builds rope strings; a frame decoded from octets is one flat string. All libraries
 * get the same flat copy (V8 `charCodeAt` on a rope pays an indirection on every call).
 */
export const flat = (s: string): string => Buffer.from(s, 'utf8').toString('utf8')

export const MESSAGES: Record<string, string> = {
  REGISTER: flat(REGISTER),
  INVITE_SDP: flat(INVITE),
  '200_OK': flat(OK200),
}

/** A REGISTER whose From display name and one unknown header are `n` KiB long. */
export function longHeader(kib: number): string {
  const big = 'x'.repeat(kib * 1024)
  return flat(
    REGISTER.replace('From: <sip:', `From: "${big}" <sip:`).replace(
      'Expires: 600',
      `Expires: 600\r\nX-Long: ${big}`
    )
  )
}
/** A REGISTER whose top Via and Contact carry `n` extra parameters each. */
export function manyParams(n: number): string {
  let ps = ''
  for (let i = 0; i < n; i++) ps += `;p${i}=v${i}`
  return flat(
    REGISTER.replace(';branch=z9hG4bK5465464;rport', `;branch=z9hG4bK5465464;rport${ps}`).replace(
      ';expires=600\r\n',
      `;expires=600${ps}\r\n`
    )
  )
}
