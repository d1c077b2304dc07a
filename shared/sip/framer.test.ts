/** Stream framing by Content-Length with CRLF keep-alives (RFC 3261 §18.3, RFC 5626 §4.4.1). */
import { describe, expect, it } from 'vitest'
import { decode, manifest, tortureBytes } from '../../test/support/sip/corpus'
import { type FrameEvent, StreamFramer } from './framer'
import { encodeUtf8 } from './utf8'

const msg = (callId: string, body = ''): string =>
  [
    'MESSAGE sip:bob@biloxi.com SIP/2.0',
    'Via: SIP/2.0/TCP h;branch=z9hG4bK1',
    'From: <sip:a@b>;tag=1',
    'To: <sip:bob@biloxi.com>',
    `Call-ID: ${callId}`,
    'CSeq: 1 MESSAGE',
    `Content-Length: ${encodeUtf8(body).length}`,
    '',
    body,
  ].join('\r\n')

const feed = (f: StreamFramer, bytes: Uint8Array, sizes: number[]): FrameEvent[] => {
  const out: FrameEvent[] = []
  let i = 0
  let k = 0
  while (i < bytes.length) {
    const n = Math.max(1, sizes[k++ % sizes.length]!)
    out.push(...f.push(bytes.subarray(i, i + n)))
    i += n
  }
  return out
}

const ids = (events: FrameEvent[]): string[] =>
  events.map((e) => (e.type === 'message' ? e.message.callId : e.type))

describe('StreamFramer', () => {
  it('delivers whole messages however the bytes are chunked', () => {
    const text = msg('one', 'héllo wörld') + msg('two') + msg('three', 'x'.repeat(5000))
    const bytes = encodeUtf8(text)
    for (const sizes of [[1], [3, 7], [bytes.length], [64, 1, 200]]) {
      const f = new StreamFramer()
      const events = feed(f, bytes, sizes)
      expect(ids(events)).toEqual(['one', 'two', 'three'])
      expect(f.buffered).toBe(0)
      const first = events[0]
      expect(first?.type === 'message' && first.message.body).toBe('héllo wörld')
    }
  })

  it('reports double-CRLF pings between messages and ignores single CRLFs', () => {
    const f = new StreamFramer()
    const bytes = encodeUtf8(`\r\n\r\n${msg('a')}\r\n${msg('b')}\r\n\r\n\r\n\r\n`)
    expect(ids(feed(f, bytes, [2, 5]))).toEqual(['ping', 'a', 'b', 'ping', 'ping'])
  })

  it('takes a missing Content-Length as 0 on a stream', () => {
    const f = new StreamFramer()
    const text = msg('a').replace('Content-Length: 0\r\n', '')
    expect(ids(f.push(encodeUtf8(text + msg('b'))))).toEqual(['a', 'b'])
  })

  it('waits for the rest of a body (RFC 4475 §3.1.2.2 over a stream)', () => {
    const f = new StreamFramer()
    const bytes = tortureBytes('rfc4475', 'clerr.dat')
    expect(f.push(bytes)).toEqual([])
    expect(f.buffered).toBe(bytes.length)
  })

  it('loses framing, fatally, on bad, negative or repeated Content-Length', () => {
    for (const file of ['ncl.dat', 'mcl01.dat']) {
      const f = new StreamFramer()
      const events = f.push(tortureBytes('rfc4475', file))
      expect(events.map((e) => e.type)).toEqual(['fatal'])
      expect(f.push(encodeUtf8(msg('later')))).toEqual([])
    }
  })

  it('enforces header and body limits', () => {
    const big = new StreamFramer({ maxHeaderBytes: 100 })
    expect(
      big.push(encodeUtf8('OPTIONS sip:a@b SIP/2.0\r\n'.repeat(10))).map((e) => e.type)
    ).toEqual(['fatal'])
    const body = new StreamFramer({ maxBodyBytes: 10 })
    expect(body.push(encodeUtf8(msg('a', 'x'.repeat(11)))).map((e) => e.type)).toEqual(['fatal'])
  })

  it('reports a well-framed but malformed message as invalid and carries on', () => {
    const f = new StreamFramer()
    const bad = msg('bad').replace('CSeq: 1 MESSAGE', 'CSeq: 1 INVITE')
    const events = f.push(encodeUtf8(bad + msg('good')))
    expect(events.map((e) => e.type)).toEqual(['invalid', 'message'])
    expect(events[0]?.type === 'invalid' && events[0].error.code).toBe('cseq-mismatch')
  })

  it('frames the RFC 4475 messages that have a correct Content-Length, back to back', () => {
    const files = manifest('rfc4475')
      .filter((e) => e.expect === 'parse' && !['dblreq.dat', 'inv2543.dat'].includes(e.file))
      .map((e) => e.file)
    const parts = files.map((file) => tortureBytes('rfc4475', file))
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
    let o = 0
    for (const p of parts) {
      all.set(p, o)
      o += p.length
    }
    const events = feed(new StreamFramer(), all, [97, 13, 256])
    expect(events.map((e) => e.type)).toEqual(files.map(() => 'message'))
    events.forEach((e, i) => {
      if (e.type !== 'message') return
      expect(Array.from(e.bytes)).toEqual(Array.from(parts[i]!))
      expect(e.message.toString()).toBe(decode(parts[i]!).text)
    })
  })
})
