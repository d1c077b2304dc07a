/**
 * @module chunked-body
 * Decodes a chunked message body (RFC 9112 §7.1) from a buffer that may not hold all of it yet:
 * the chunks' data joined, and where the message ends (after the trailer fields), or `'more'`.
 * Both sides of the local cloud's raw-socket HTTP read bodies this way: requests in
 * lean-http.ts, and the answers a client reads.
 */

/** A body that is not valid chunked coding (`malformed`) or longer than the limit (`too-large`). */
export class ChunkedBodyError extends Error {
  constructor(
    readonly kind: 'malformed' | 'too-large',
    message: string
  ) {
    super(message)
  }
}

/** The chunked body starting at `from` in `buf`, at most `limit` bytes of data, or `'more'`. */
export function decodeChunked(
  buf: Buffer,
  from: number,
  limit: number
): { body: Buffer; end: number } | 'more' {
  const parts: Buffer[] = []
  let size = 0
  let at = from
  for (;;) {
    const eol = buf.indexOf('\r\n', at)
    if (eol < 0) return 'more'
    const sizeText = buf.toString('latin1', at, eol).split(';')[0]!.trim()
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw new ChunkedBodyError('malformed', 'bad chunk size')
    const n = Number.parseInt(sizeText, 16)
    at = eol + 2
    if (n === 0) {
      // Trailer fields, then the empty line.
      for (;;) {
        const t = buf.indexOf('\r\n', at)
        if (t < 0) return 'more'
        const empty = t === at
        at = t + 2
        if (empty) break
      }
      return { body: parts.length === 1 ? parts[0]! : Buffer.concat(parts, size), end: at }
    }
    size += n
    if (size > limit) throw new ChunkedBodyError('too-large', 'body too large')
    if (buf.length < at + n + 2) return 'more'
    parts.push(buf.subarray(at, at + n))
    at += n
    if (buf[at] !== 13 || buf[at + 1] !== 10) throw new ChunkedBodyError('malformed', 'bad chunk')
    at += 2
  }
}
