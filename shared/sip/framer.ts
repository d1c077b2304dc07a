/**
 * @module framer
 * Stream framing for SIP over TCP/TLS (RFC 3261 §18.3): feed byte chunks as they arrive, get whole
 * messages out. A message ends after its header block plus Content-Length octets (mandatory on
 * streams; absent is taken as 0). CRLFs between messages are skipped (§7.5), and a double CRLF is
 * reported as an RFC 5626 §4.4.1 keep-alive ping so the caller can answer with a CRLF pong. A bad
 * or duplicated Content-Length, or a header block or body over the limits, loses the framing: the
 * framer reports `fatal` and the caller closes the connection (RFC 4475 §3.1.2.3, §3.3.9). A
 * well-framed message that does not parse is reported as `invalid` (answer 400 or drop).
 * Messages are decoded as UTF-8 when valid, else one char per octet (`binary`), so any octets
 * round-trip.
 */
import { SipParseError } from './errors'
import { headerKey } from './header-names'
import type { SipMessage } from './message'
import { parseMessage } from './parse-message'
import { decodeLatin1, decodeUtf8 } from './utf8'

export type FrameEvent =
  | { readonly type: 'message'; readonly message: SipMessage; readonly bytes: Uint8Array }
  | {
      readonly type: 'invalid'
      readonly error: SipParseError
      readonly text: string
      readonly bytes: Uint8Array
    }
  | { readonly type: 'ping' }
  | { readonly type: 'fatal'; readonly error: SipParseError }

export interface FramerOptions {
  /** Largest header block accepted (default 64 KiB). */
  maxHeaderBytes?: number
  /** Largest Content-Length accepted (default 1 MiB). */
  maxBodyBytes?: number
}

export class StreamFramer {
  private buf = new Uint8Array(4096)
  private start = 0
  private end = 0
  /** Where the search for the end of the header block resumes. */
  private scanFrom = 0
  /** End of the current header block (index after the blank line), or -1 while unknown. */
  private headerEnd = -1
  private bodyLength = 0
  private newlines = 0
  private dead = false
  private readonly maxHeader: number
  private readonly maxBody: number

  constructor(opts: FramerOptions = {}) {
    this.maxHeader = opts.maxHeaderBytes ?? 65536
    this.maxBody = opts.maxBodyBytes ?? 1 << 20
  }

  /** Octets received but not yet part of a delivered message. */
  get buffered(): number {
    return this.end - this.start
  }

  /** Adds `chunk` and returns every event it completes, in order. */
  push(chunk: Uint8Array): FrameEvent[] {
    const events: FrameEvent[] = []
    if (this.dead) return events
    this.append(chunk)
    for (;;) {
      if (this.headerEnd < 0) {
        if (!this.skipKeepalives(events)) break
        const he = this.findHeaderEnd()
        if (he < 0) {
          if (this.end - this.start > this.maxHeader)
            return this.fail(events, 'Header block too large', 'too-large')
          break
        }
        const cl = this.contentLength(this.start, he)
        if (cl < 0)
          return this.fail(
            events,
            cl === -2 ? 'Multiple Content-Length headers' : 'Bad Content-Length header',
            'content-length'
          )
        if (cl > this.maxBody) return this.fail(events, 'Body too large', 'too-large')
        this.headerEnd = he
        this.bodyLength = cl
      }
      const msgEnd = this.headerEnd + this.bodyLength
      if (msgEnd > this.end) break
      const bytes = this.buf.slice(this.start, msgEnd)
      this.start = this.scanFrom = msgEnd
      this.headerEnd = -1
      events.push(decodeAndParse(bytes))
    }
    if (this.start === this.end) this.start = this.end = this.scanFrom = 0
    return events
  }

  private fail(events: FrameEvent[], reason: string, code: SipParseError['code']): FrameEvent[] {
    this.dead = true
    events.push({ type: 'fatal', error: new SipParseError(code, reason, this.start) })
    return events
  }

  private append(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.buf.length) {
      const live = this.end - this.start
      const size = Math.max(this.buf.length, (live + chunk.length) * 2)
      const next = size > this.buf.length ? new Uint8Array(size) : this.buf
      next.set(this.buf.subarray(this.start, this.end), 0)
      this.buf = next
      this.scanFrom -= this.start
      if (this.headerEnd >= 0) this.headerEnd -= this.start
      this.end = live
      this.start = 0
    }
    this.buf.set(chunk, this.end)
    this.end += chunk.length
  }

  /** Consumes CR/LF before a message; false when the buffer holds nothing else yet. */
  private skipKeepalives(events: FrameEvent[]): boolean {
    const b = this.buf
    while (this.start < this.end) {
      const c = b[this.start]!
      if (c === 10) {
        this.start++
        if (++this.newlines === 2) {
          events.push({ type: 'ping' })
          this.newlines = 0
        }
      } else if (c === 13) this.start++
      else {
        this.newlines = 0
        this.scanFrom = Math.max(this.scanFrom, this.start)
        return true
      }
    }
    this.scanFrom = this.start
    return false
  }

  /** Index just past the blank line ending the header block, or -1. */
  private findHeaderEnd(): number {
    const b = this.buf
    let i = Math.max(this.scanFrom, this.start)
    for (; i < this.end; i++) {
      if (b[i] !== 10) continue
      if (b[i + 1] === 10 && i + 1 < this.end) return i + 2
      if (b[i + 1] === 13 && b[i + 2] === 10 && i + 2 < this.end) return i + 3
    }
    this.scanFrom = Math.max(this.start, this.end - 2)
    return -1
  }

  /** Content-Length of the header block `[a, b)`: ≥ 0, -1 when malformed, -2 when repeated. */
  private contentLength(a: number, b: number): number {
    const text = decodeLatin1(this.buf, a, b)
    let found = -3
    for (const line of text.split(/\r?\n/)) {
      const colon = line.indexOf(':')
      if (colon <= 0 || line[0] === ' ' || line[0] === '\t') continue
      if (headerKey(line.slice(0, colon).trim()) !== 'content-length') continue
      if (found !== -3) return -2
      const v = line.slice(colon + 1).trim()
      found = /^\d{1,10}$/.test(v) ? Number(v) : -1
      if (found < 0) return -1
    }
    return found === -3 ? 0 : found
  }
}

function decodeAndParse(bytes: Uint8Array): FrameEvent {
  const utf8 = decodeUtf8(bytes)
  const text = utf8 ?? decodeLatin1(bytes)
  try {
    return { type: 'message', message: parseMessage(text, { binary: utf8 === null }), bytes }
  } catch (e) {
    if (e instanceof SipParseError) return { type: 'invalid', error: e, text, bytes }
    throw e
  }
}
