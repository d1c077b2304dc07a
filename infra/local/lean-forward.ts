/**
 * @module lean-forward
 * The regional gateway's client side (gateway.ts): HTTP/1.1 requests (RFC 9112) to one upstream
 * (a worker's socket in miniflare) over a pool of persistent raw TCP connections. Every hop of
 * every function passes the gateway, and `node:http`'s client machinery (agent, streams, events,
 * header objects) cost more of the local cloud's CPU per hop than the forward itself
 * (docs/performance.md), so the gateway writes each request as one buffer and reads each answer
 * whole.
 *
 * - One request at a time per connection; idle connections are reused last-in first-out.
 * - An answer is framed by `Content-Length`, chunked coding (RFC 9112 §7.1), or the connection's
 *   end (then the connection is not reused); a HEAD, 1xx, 204 or 304 answer has no body (RFC 9110
 *   §6.4.1). Interim 1xx answers are skipped.
 * - An answer carrying `Connection: close`, or one to HTTP/1.0, closes its connection.
 * - A request on a reused connection that fails before any byte of its answer arrived (the
 *   upstream closed the idle connection meanwhile) is sent once more on a new connection, as
 *   Node's own advice for that race is.
 */
import net from 'node:net'
import { decodeChunked } from './emulators/chunked-body'

/**
 * Request fields a forwarder does not pass on: hop-by-hop (RFC 9110 §7.6.1), or stated anew by
 * the forwarder for its own connection (host, length, framing).
 */
export const HOP_BY_HOP_REQUEST: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'host',
  'content-length',
  'transfer-encoding',
  'expect',
  'te',
  'upgrade',
])

/** A request to forward: the head's fields in order (names as they should be sent). */
export interface ForwardRequest {
  method: string
  /** The request target in origin form (path and query). */
  path: string
  headers: ReadonlyArray<readonly [string, string]>
  body: Buffer
}

/** The upstream's answer, read whole. */
export interface ForwardAnswer {
  status: number
  reason: string
  /** Header fields as received (lower-case names, in order; repeated fields kept apart). */
  headers: Array<[string, string]>
  body: Buffer
}

export interface ForwardLimits {
  /** Bytes of an answer's status line and headers (default 64 KiB). */
  headerBytes: number
  /** Bytes of an answer's body (default 64 MiB). */
  bodyBytes: number
  /** Idle connections kept per upstream (default 64). */
  idle: number
}

const DEFAULT_LIMITS: ForwardLimits = {
  headerBytes: 64 * 1024,
  bodyBytes: 64 * 1024 * 1024,
  idle: 64,
}

const CRLF2 = Buffer.from('\r\n\r\n')
const EMPTY = Buffer.alloc(0)

/** An answer that cannot be read: the connection is closed and the request fails. */
export class ForwardError extends Error {
  constructor(
    message: string,
    /** No byte of the answer had arrived: the request may be sent again. */
    readonly beforeAnswer: boolean
  ) {
    super(message)
    this.name = 'ForwardError'
  }
}

type Framing =
  | { kind: 'none' }
  | { kind: 'length'; n: number }
  | { kind: 'chunked' }
  | { kind: 'close' }

/** One connection to the upstream; serves one request at a time. */
class UpstreamConnection {
  private buf: Buffer = EMPTY
  private pending: Buffer[] = []
  private pendingBytes = 0
  private need = 0
  private head:
    | {
        status: number
        reason: string
        headers: Array<[string, string]>
        bodyAt: number
        framing: Framing
        close: boolean
      }
    | undefined
  private current:
    | { head: boolean; resolve: (a: ForwardAnswer) => void; reject: (e: ForwardError) => void }
    | undefined
  /** Bytes of the current answer seen. */
  private seen = false
  reused = false
  dead = false

  constructor(
    readonly socket: net.Socket,
    private readonly limits: ForwardLimits,
    private readonly release: (c: UpstreamConnection) => void
  ) {
    socket.setNoDelay(true)
    socket.on('data', (d: Buffer) => this.onData(d))
    socket.on('error', () => this.fail('upstream connection failed'))
    socket.on('close', () => this.onClose())
  }

  send(req: ForwardRequest, wire: Buffer): Promise<ForwardAnswer> {
    return new Promise((resolve, reject) => {
      this.current = { head: req.method === 'HEAD', resolve, reject }
      this.seen = false
      this.socket.write(wire)
    })
  }

  private onData(d: Buffer): void {
    if (!this.current) {
      // Bytes nobody asked for: the connection can no longer be trusted.
      this.destroy()
      return
    }
    this.seen = true
    this.pending.push(d)
    this.pendingBytes += d.length
    if (this.buf.length + this.pendingBytes < this.need) return
    this.buf =
      this.buf.length === 0 && this.pending.length === 1
        ? this.pending[0]!
        : Buffer.concat([this.buf, ...this.pending], this.buf.length + this.pendingBytes)
    this.pending = []
    this.pendingBytes = 0
    try {
      this.parse(false)
    } catch (err) {
      this.fail(err instanceof Error ? err.message : String(err))
    }
  }

  private onClose(): void {
    this.dead = true
    if (!this.current) return
    if (this.head?.framing.kind === 'close') {
      this.join()
      try {
        this.parse(true)
        return
      } catch {}
    }
    this.fail('upstream closed the connection')
  }

  private join(): void {
    if (this.pendingBytes === 0) return
    this.buf = Buffer.concat([this.buf, ...this.pending], this.buf.length + this.pendingBytes)
    this.pending = []
    this.pendingBytes = 0
  }

  /** Reads the answer's head, then its body; `ended` when the upstream closed the connection. */
  private parse(ended: boolean): void {
    for (;;) {
      if (!this.head) {
        const end = this.buf.indexOf(CRLF2)
        if (end < 0) {
          if (this.buf.length > this.limits.headerBytes) throw new Error('answer head too large')
          this.need = 0
          return
        }
        const head = this.readHead(end)
        if (head.status >= 100 && head.status < 200) {
          // An interim answer (RFC 9110 §15.2): the final one follows.
          this.buf = this.buf.subarray(end + 4)
          continue
        }
        this.head = head
      }
      const h = this.head
      const f = h.framing
      let body: Buffer
      let rest: Buffer
      if (f.kind === 'none') {
        body = EMPTY
        rest = this.buf.subarray(h.bodyAt)
      } else if (f.kind === 'length') {
        if (this.buf.length < h.bodyAt + f.n) {
          this.need = h.bodyAt + f.n
          return
        }
        body = this.buf.subarray(h.bodyAt, h.bodyAt + f.n)
        rest = this.buf.subarray(h.bodyAt + f.n)
      } else if (f.kind === 'chunked') {
        const c = decodeChunked(this.buf, h.bodyAt, this.limits.bodyBytes)
        if (c === 'more') {
          this.need = 0
          return
        }
        body = c.body
        rest = this.buf.subarray(c.end)
      } else {
        if (this.buf.length - h.bodyAt > this.limits.bodyBytes)
          throw new Error('answer body too large')
        if (!ended) {
          this.need = 0
          return
        }
        body = this.buf.subarray(h.bodyAt)
        rest = EMPTY
      }
      this.finish(h, body, rest.length > 0 || h.close || f.kind === 'close')
      return
    }
  }

  private readHead(end: number) {
    const lines = this.buf.toString('latin1', 0, end).split('\r\n')
    const status = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0] ?? '')
    if (!status) throw new Error('malformed status line')
    const code = Number(status[2])
    const headers: Array<[string, string]> = []
    let length: string | undefined
    let chunked = false
    let close = status[1] === '0'
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!
      const colon = line.indexOf(':')
      if (colon <= 0) throw new Error('malformed header line')
      const name = line.slice(0, colon).trim().toLowerCase()
      const value = line.slice(colon + 1).trim()
      if (name === 'content-length') length = value
      else if (name === 'transfer-encoding') chunked = value.toLowerCase().endsWith('chunked')
      else if (name === 'connection') {
        const v = value.toLowerCase()
        if (v.includes('close')) close = true
        else if (v.includes('keep-alive')) close = false
      }
      headers.push([name, value])
    }
    let framing: Framing
    if (this.current?.head || code === 204 || code === 304 || code < 200) framing = { kind: 'none' }
    else if (chunked) framing = { kind: 'chunked' }
    else if (length !== undefined) {
      // RFC 9112 §6.3: a length that does not parse makes the answer unreadable.
      if (!/^\d+$/.test(length)) throw new Error('bad content-length')
      const n = Number(length)
      if (n > this.limits.bodyBytes) throw new Error('answer body too large')
      framing = { kind: 'length', n }
    } else framing = { kind: 'close' }
    return { status: code, reason: status[3] ?? '', headers, bodyAt: end + 4, framing, close }
  }

  private finish(h: NonNullable<typeof this.head>, body: Buffer, close: boolean): void {
    const cur = this.current!
    this.current = undefined
    this.head = undefined
    this.buf = EMPTY
    this.need = 0
    // The body is copied out of the receive buffer only when it shares it with other bytes.
    cur.resolve({ status: h.status, reason: h.reason, headers: h.headers, body })
    if (close) this.destroy()
    else this.release(this)
  }

  private fail(message: string): void {
    const cur = this.current
    this.current = undefined
    this.destroy()
    cur?.reject(new ForwardError(message, !this.seen))
  }

  destroy(): void {
    this.dead = true
    this.socket.destroy()
  }
}

/** Requests to one upstream over a pool of persistent connections (module header). */
export class LeanForwarder {
  private readonly idle: UpstreamConnection[] = []
  private readonly open = new Set<UpstreamConnection>()
  private readonly limits: ForwardLimits

  constructor(
    private readonly host: string,
    private readonly port: number,
    limits: Partial<ForwardLimits> = {}
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits }
  }

  /** The request as it goes on the wire: head and body in one buffer. */
  static wire(req: ForwardRequest, host: string): Buffer {
    let head = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${host}\r\n`
    for (const [k, v] of req.headers) head += `${k}: ${v}\r\n`
    // A GET or HEAD without a body says nothing of one; anything else states its length.
    if (req.body.length > 0 || (req.method !== 'GET' && req.method !== 'HEAD'))
      head += `content-length: ${req.body.length}\r\n`
    head += '\r\n'
    if (req.body.length === 0) return Buffer.from(head, 'latin1')
    const h = Buffer.from(head, 'latin1')
    return Buffer.concat([h, req.body], h.length + req.body.length)
  }

  async send(req: ForwardRequest): Promise<ForwardAnswer> {
    const wire = LeanForwarder.wire(req, `${this.host}:${this.port}`)
    const first = await this.connection()
    try {
      return await first.send(req, wire)
    } catch (err) {
      if (!(err instanceof ForwardError && err.beforeAnswer && first.reused)) throw err
      return (await this.connection(true)).send(req, wire)
    }
  }

  private connection(fresh = false): Promise<UpstreamConnection> {
    if (!fresh)
      for (let c = this.idle.pop(); c; c = this.idle.pop()) {
        if (c.dead) continue
        c.reused = true
        return Promise.resolve(c)
      }
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port })
      const onError = (err: Error) => reject(new ForwardError(err.message, true))
      socket.once('error', onError)
      socket.once('connect', () => {
        socket.off('error', onError)
        const c = new UpstreamConnection(socket, this.limits, (x) => this.release(x))
        this.open.add(c)
        socket.once('close', () => {
          this.open.delete(c)
          const i = this.idle.indexOf(c)
          if (i >= 0) this.idle.splice(i, 1)
        })
        resolve(c)
      })
    })
  }

  private release(c: UpstreamConnection): void {
    if (c.dead) return
    if (this.idle.length >= this.limits.idle) c.destroy()
    else this.idle.push(c)
  }

  /** Idle connections now pooled (for tests). */
  get idleCount(): number {
    return this.idle.length
  }

  close(): void {
    for (const c of this.open) c.destroy()
    this.idle.length = 0
  }
}
