/**
 * @module switchable-server
 * An HTTP server that can be taken "down" without releasing its port, the way a failed AWS
 * region looks to a caller: while down, every connection is reset before any byte is answered,
 * so clients see a transport error (not an HTTP status) (switchable-listener.ts). Used by the
 * fake Scheduler and the DynamoDB proxy, and driven by the control API.
 */
import http from 'node:http'
import type net from 'node:net'
import { SwitchableListener } from './switchable-listener'

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>

export class SwitchableServer extends SwitchableListener<http.Server> {
  constructor(
    readonly name: string,
    handler: Handler
  ) {
    super(http.createServer())
    this.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (!this.isUp) {
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
    this.server.on('connection', (socket: net.Socket) => {
      this.admit(socket)
    })
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
