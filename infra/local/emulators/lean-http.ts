/**
 * @module lean-http
 * A small HTTP/1.1 server over raw TCP sockets (RFC 9112) for the local cloud's busiest
 * emulator, the Upstash REST adapter: every KV round trip of every function is one request to it,
 * and `node:http`'s general machinery (streams, events, header objects, timers) cost more of the
 * local cloud's CPU per request than the work behind it (docs/performance.md). It serves what
 * REST clients send (workerd's `fetch`, Node's `fetch`, curl): persistent connections, pipelined
 * requests answered in order, `Content-Length` or chunked request bodies, `Expect: 100-continue`,
 * `Connection: close` and HTTP/1.0. Every answer carries `Content-Length` and is one write.
 *
 * Like {@link SwitchableServer} it can be taken down without releasing its port (every
 * connection reset before any byte is answered, as a failed region looks;
 * switchable-listener.ts), and a handler can reset the connection of one request (a partition).
 * Limits: {@link LeanLimits}; a request over them, or one that does not parse, gets 400, 413 or
 * 431 and the connection is closed (RFC 9112 §2.2, §6.3).
 */
import net from 'node:net'
import { ChunkedBodyError, decodeChunked } from './chunked-body'
import { SwitchableListener } from './switchable-listener'

export interface LeanRequest {
  method: string
  /** The request target as sent (origin form: path and query). */
  url: string
  /** Header values by lower-case name (a repeated header's values joined with `, `). */
  headers: Map<string, string>
  body: Buffer
}

export interface LeanResponse {
  status: number
  /** The body (a string is sent as UTF-8), with its length. */
  body: string | Buffer
  /** Default `application/json`; `null` sends none. */
  contentType?: string | null
  /** The reason phrase (default: the standard one for the status). */
  reason?: string
  /** Further header fields, in order (never `content-length`, `connection` or `transfer-encoding`). */
  headers?: ReadonlyArray<readonly [string, string]>
  /**
   * No body is sent: the answer to a HEAD (with `contentLength`, the length a GET would have), or
   * a 1xx, 204 or 304 (no length at all; RFC 9110 §8.6).
   */
  bodiless?: { contentLength?: string }
}

/** A handler answers a request, or `'reset'` to reset its connection without an answer. */
export type LeanHandler = (
  req: LeanRequest
) => LeanResponse | 'reset' | Promise<LeanResponse | 'reset'>

export interface LeanLimits {
  /** Bytes of a request line and its headers (default 64 KiB; over: 431). */
  headerBytes: number
  /** Bytes of a request body (default 8 MiB, as `readBody`; over: 413). */
  bodyBytes: number
}

const DEFAULT_LIMITS: LeanLimits = { headerBytes: 64 * 1024, bodyBytes: 8 * 1024 * 1024 }

const REASONS: Record<number, string> = {
  200: 'OK',
  202: 'Accepted',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
}

/** A request that cannot be served: answered with `status`, then the connection closes. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
  }
}

const CRLF2 = Buffer.from('\r\n\r\n')
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** One connection: bytes in, requests out one at a time, answers written in order. */
class Connection {
  private buf: Buffer = Buffer.alloc(0)
  /** Bytes received after {@link buf} and not joined to it yet (a large body in many pieces). */
  private pending: Buffer[] = []
  private pendingBytes = 0
  /** How many bytes the request being received needs in all before it can parse. */
  private need = 0
  private busy = false
  private closing = false

  constructor(
    private readonly socket: net.Socket,
    private readonly server: LeanHttpServer,
    private readonly limits: LeanLimits
  ) {
    socket.setNoDelay(true)
    socket.on('data', (d: Buffer) => {
      // Pieces are joined once the request they belong to can be whole, not one by one.
      this.pending.push(d)
      this.pendingBytes += d.length
      if (this.buf.length + this.pendingBytes < this.need) return
      this.buf = Buffer.concat([this.buf, ...this.pending], this.buf.length + this.pendingBytes)
      this.pending = []
      this.pendingBytes = 0
      this.pump()
    })
    socket.on('error', () => socket.destroy())
  }

  /** Takes the next whole request off the buffer and serves it, unless one is being served. */
  private pump(): void {
    while (!this.busy && !this.closing && this.buf.length > 0) {
      let next: { req: LeanRequest; rest: Buffer; keepAlive: boolean } | 'more'
      try {
        next = this.parse()
      } catch (err) {
        const r = err instanceof Refusal ? err : new Refusal(400, 'bad request')
        this.closing = true
        this.write({ status: r.status, body: JSON.stringify({ error: r.message }) }, false)
        return
      }
      if (next === 'more') return
      this.buf = next.rest
      this.serve(next.req, next.keepAlive)
    }
  }

  private serve(req: LeanRequest, keepAlive: boolean): void {
    this.busy = true
    let answered: LeanResponse | 'reset' | Promise<LeanResponse | 'reset'>
    try {
      answered = this.server.handler(req)
    } catch (err) {
      answered = { status: 500, body: JSON.stringify({ error: `internal error: ${String(err)}` }) }
    }
    const done = (r: LeanResponse | 'reset') => {
      if (r === 'reset' || !this.server.isUp) {
        this.socket.destroy()
        return
      }
      this.write(r, keepAlive)
      this.busy = false
      if (!keepAlive) this.closing = true
      else this.pump()
    }
    if (answered instanceof Promise)
      answered.then(done, (err: unknown) =>
        done({ status: 500, body: JSON.stringify({ error: `internal error: ${String(err)}` }) })
      )
    else done(answered)
  }

  private write(r: LeanResponse, keepAlive: boolean): void {
    if (this.socket.destroyed) return
    let head = `HTTP/1.1 ${r.status} ${r.reason ?? REASONS[r.status] ?? 'Unknown'}\r\n`
    const type = r.contentType === undefined ? 'application/json' : r.contentType
    if (type !== null) head += `content-type: ${type}\r\n`
    for (const [k, v] of r.headers ?? []) head += `${k}: ${v}\r\n`
    if (!r.bodiless) head += `content-length: ${Buffer.byteLength(r.body)}\r\n`
    else if (r.bodiless.contentLength !== undefined)
      head += `content-length: ${r.bodiless.contentLength}\r\n`
    if (!keepAlive) head += 'connection: close\r\n'
    head += '\r\n'
    // Head and body in one write.
    const out = r.bodiless
      ? head
      : typeof r.body === 'string'
        ? head + r.body
        : Buffer.concat([Buffer.from(head, 'latin1'), r.body])
    if (keepAlive) this.socket.write(out)
    else this.socket.end(out)
  }

  /** The next request in the buffer, or `'more'` when it has not all arrived yet. */
  private parse(): { req: LeanRequest; rest: Buffer; keepAlive: boolean } | 'more' {
    const end = this.buf.indexOf(CRLF2)
    if (end < 0) {
      if (this.buf.length > this.limits.headerBytes) throw new Refusal(431, 'headers too large')
      return 'more'
    }
    if (end > this.limits.headerBytes) throw new Refusal(431, 'headers too large')
    const lines = this.buf.toString('latin1', 0, end).split('\r\n')
    // RFC 9112 §2.2: a server may ignore empty lines before the request line.
    while (lines.length > 0 && lines[0] === '') lines.shift()
    const parts = (lines.shift() ?? '').split(' ')
    if (parts.length !== 3 || !TOKEN.test(parts[0]!) || !parts[1])
      throw new Refusal(400, 'malformed request line')
    const version = parts[2]
    if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0')
      throw new Refusal(400, 'unsupported HTTP version')
    const headers = new Map<string, string>()
    for (const line of lines) {
      const colon = line.indexOf(':')
      if (colon <= 0) throw new Refusal(400, 'malformed header line')
      const name = line.slice(0, colon)
      if (!TOKEN.test(name)) throw new Refusal(400, 'malformed header name')
      const key = name.toLowerCase()
      const value = line.slice(colon + 1).trim()
      const had = headers.get(key)
      headers.set(key, had === undefined ? value : `${had}, ${value}`)
    }
    const connection = (headers.get('connection') ?? '').toLowerCase()
    const keepAlive =
      version === 'HTTP/1.1' ? !connection.includes('close') : connection.includes('keep-alive')
    let at = end + 4
    let body: Buffer
    const te = headers.get('transfer-encoding')
    if (te !== undefined) {
      // RFC 9112 §6.1: chunked must be the final coding; no other coding is supported here.
      if (te.toLowerCase() !== 'chunked') throw new Refusal(501, 'unsupported transfer coding')
      const chunked = this.chunkedBody(at)
      if (chunked === 'more') return this.continueIfAsked(headers, 'more')
      body = chunked.body
      at = chunked.end
    } else {
      const cl = headers.get('content-length')
      const length = cl === undefined ? 0 : /^\d+$/.test(cl) ? Number(cl) : Number.NaN
      if (!Number.isSafeInteger(length)) throw new Refusal(400, 'bad content-length')
      if (length > this.limits.bodyBytes) throw new Refusal(413, 'body too large')
      if (this.buf.length < at + length) {
        this.need = at + length
        return this.continueIfAsked(headers, 'more')
      }
      body = this.buf.subarray(at, at + length)
      at += length
    }
    this.continued = false
    this.need = 0
    const req: LeanRequest = { method: parts[0]!, url: parts[1]!, headers, body }
    return { req, rest: this.buf.subarray(at), keepAlive }
  }

  private continued = false
  /** RFC 9110 §10.1.1: a client waiting on `Expect: 100-continue` is told to send its body. */
  private continueIfAsked(headers: Map<string, string>, more: 'more'): 'more' {
    if (!this.continued && headers.get('expect')?.toLowerCase() === '100-continue') {
      this.continued = true
      this.socket.write('HTTP/1.1 100 Continue\r\n\r\n')
    }
    return more
  }

  /** A chunked body starting at `from` (RFC 9112 §7.1, chunked-body.ts), or `'more'`. */
  private chunkedBody(from: number): { body: Buffer; end: number } | 'more' {
    try {
      return decodeChunked(this.buf, from, this.limits.bodyBytes)
    } catch (err) {
      if (!(err instanceof ChunkedBodyError)) throw err
      throw new Refusal(err.kind === 'too-large' ? 413 : 400, err.message)
    }
  }
}

export class LeanHttpServer extends SwitchableListener {
  constructor(
    readonly name: string,
    readonly handler: LeanHandler,
    limits: Partial<LeanLimits> = {}
  ) {
    super(net.createServer())
    const l = { ...DEFAULT_LIMITS, ...limits }
    this.server.on('connection', (socket: net.Socket) => {
      if (this.admit(socket)) new Connection(socket, this, l)
    })
  }
}
