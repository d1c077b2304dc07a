import { describe, expect, it } from 'vitest'
import { ChunkedBodyError, decodeChunked } from './chunked-body'

const b = (s: string) => Buffer.from(s, 'latin1')

describe('decodeChunked (RFC 9112 §7.1)', () => {
  it('joins the chunks and ends after the trailer fields', () => {
    const text = 'HEAD4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nx-trailer: 1\r\n\r\nNEXT'
    const r = decodeChunked(b(text), 4, 100)
    expect(r).not.toBe('more')
    if (r === 'more') return
    expect(r.body.toString()).toBe('Wikipedia')
    expect(text.slice(r.end)).toBe('NEXT')
  })

  it("answers 'more' at every cut before the end", () => {
    const text = '3\r\nabc\r\n0\r\n\r\n'
    for (let cut = 0; cut < text.length; cut++)
      expect(decodeChunked(b(text.slice(0, cut)), 0, 100)).toBe('more')
    expect(decodeChunked(b(text), 0, 100)).toMatchObject({ end: text.length })
  })

  it('refuses bad sizes, a chunk without its CRLF, and data over the limit', () => {
    const kind = (text: string, limit = 100) => {
      try {
        decodeChunked(b(text), 0, limit)
      } catch (err) {
        return err instanceof ChunkedBodyError ? err.kind : 'other'
      }
      return 'none'
    }
    expect(kind('zz\r\nabc\r\n0\r\n\r\n')).toBe('malformed')
    expect(kind('3\r\nabcX\r\n0\r\n\r\n')).toBe('malformed')
    expect(kind('5\r\nabcde\r\n0\r\n\r\n', 4)).toBe('too-large')
  })
})
