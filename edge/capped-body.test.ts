/**
 * The internal body cap (capped-body.ts): a declared length over the limit is refused unread, a
 * body without one is read only until it passes the limit.
 */
import { describe, expect, it } from 'vitest'
import { readCappedBody } from './capped-body'

function streamOf(chunks: number, size: number, pulled: { n: number }) {
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (pulled.n >= chunks) return c.close()
      pulled.n++
      c.enqueue(new Uint8Array(size).fill(120))
    },
  })
}

describe('readCappedBody', () => {
  it('returns a body within the limit', async () => {
    const r = await readCappedBody(new Request('http://x/', { method: 'POST', body: 'hello' }), 5)
    expect(r).toEqual({ ok: true, bytes: new TextEncoder().encode('hello') })
  })

  it('refuses a declared Content-Length over the limit', async () => {
    const req = new Request('http://x/', {
      method: 'POST',
      body: 'x'.repeat(10),
      headers: { 'content-length': '10' },
    })
    expect(await readCappedBody(req, 5)).toEqual({ ok: false })
  })

  it('reads a body whose declared length is within the limit whole', async () => {
    const req = new Request('http://x/', {
      method: 'POST',
      body: 'SIP/2.0 200 OK\r\n',
      headers: { 'content-length': '16' },
    })
    expect(await readCappedBody(req, 16)).toEqual({
      ok: true,
      bytes: new TextEncoder().encode('SIP/2.0 200 OK\r\n'),
    })
  })

  it('stops reading a body without a length once it passes the limit', async () => {
    const pulled = { n: 0 }
    const req = new Request('http://x/', {
      method: 'POST',
      body: streamOf(100, 1024, pulled),
      duplex: 'half',
    } as RequestInit)
    expect(await readCappedBody(req, 4096)).toEqual({ ok: false })
    expect(pulled.n).toBeLessThan(10)
  })
})
