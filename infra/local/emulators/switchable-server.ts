/**
 * @module switchable-server
 * An HTTP server that can be taken "down" without releasing its port, the way a failed AWS
 * region looks to a caller: while down, every connection is reset before any byte is answered,
 * so clients see a transport error (not an HTTP status). Used by the Upstash adapter, the fake
 * Scheduler and the regional gateway, and driven by the control API.
 */
import http from 'node:http'
import type net from 'node:net'

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>

export class SwitchableServer {
  readonly server: http.Server
  private up = true
  private readonly sockets = new Set<net.Socket>()

  constructor(
    readonly name: string,
    handler: Handler
  ) {
    this.server = http.createServer((req, res) => {
      if (!this.up) {
        req.socket.destroy()
        return
      }
      Promise.resolve(handler(req, res)).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ error: `internal error in ${name}: ${String(err)}` }))
        } else res.destroy()
      })
    })
    // Callers (workerd, the AWS SDK, Upstash's client) pool their connections. A server that
    // closes an idle one races the caller's next request on it, which then fails as "Network
    // connection lost"; so idle connections stay open (for ten minutes), and only `down()`
    // ends them.
    this.server.keepAliveTimeout = 600_000
    this.server.on('connection', (socket) => {
      if (!this.up) {
        socket.destroy()
        return
      }
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
  }

  get isUp(): boolean {
    return this.up
  }

  setUp(up: boolean): void {
    this.up = up
    if (!up) for (const s of this.sockets) s.destroy()
  }

  listen(port: number, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, host, () => {
        this.server.off('error', reject)
        const addr = this.server.address()
        resolve(typeof addr === 'object' && addr ? addr.port : port)
      })
    })
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}

/** Reads a request body fully (bounded, so a runaway client cannot exhaust memory). */
export function readBody(req: http.IncomingMessage, limit = 8 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Most bodies arrive in one chunk: keep it as is, and concatenate only when there are more.
    let first: Buffer | undefined
    let more: Buffer[] | undefined
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        reject(new Error(`request body over ${limit} bytes`))
        req.destroy()
        return
      }
      if (!first) first = chunk
      else (more ??= [first]).push(chunk)
    })
    req.on('end', () => resolve(more ? Buffer.concat(more, size) : (first ?? EMPTY)))
    req.on('error', reject)
  })
}

const EMPTY = Buffer.alloc(0)

/** Sends `body` as JSON with its length (one write: headers and body together). */
export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string>
): void {
  const text = JSON.stringify(body)
  res.statusCode = status
  res.setHeader('content-type', 'application/json')
  res.setHeader('content-length', Buffer.byteLength(text))
  if (headers) for (const k in headers) res.setHeader(k, headers[k]!)
  res.end(text)
}
