/**
 * @module resp-connection
 * A minimal RESP2 client connection for the local Upstash adapter: commands are written as
 * RESP arrays of bulk strings and replies are matched to callers in order (Redis answers a
 * connection's commands strictly in sequence), so many callers can pipeline over one socket.
 * Bulk strings stay `Buffer`s so binary values survive the adapter's base64 response encoding.
 */
import net from 'node:net'

export type RespValue = string | number | Buffer | null | RespError | RespValue[]

/** A Redis error reply (`-ERR ...`): kept as a value so pipelines can report it per command. */
export class RespError {
  constructor(readonly message: string) {}
}

/** A simple-string reply (`+OK`), distinct from a bulk string so the adapter can leave "OK" as is. */
export class SimpleString {
  constructor(readonly value: string) {}
}

/** One {@link RespConnection.send} call waiting for its replies (one entry per batch, not per command). */
interface Pending {
  replies: (RespValue | SimpleString)[]
  expected: number
  resolve: (v: (RespValue | SimpleString)[]) => void
  reject: (e: Error) => void
}

export class RespConnection {
  private socket: net.Socket
  private buffer: Buffer | undefined
  /** Batches in the order they were written; the head is the one being answered. */
  private readonly pending: Pending[] = []
  private head = 0
  private closed = false

  private constructor(socket: net.Socket) {
    this.socket = socket
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('close', () => this.failAll(new Error('redis connection closed')))
    socket.on('error', (err) => this.failAll(err))
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ port, host }, () => {
        socket.off('error', reject)
        socket.setNoDelay(true)
        resolve(new RespConnection(socket))
      })
      socket.once('error', reject)
    })
  }

  get isOpen(): boolean {
    return !this.closed
  }

  /** Sends commands back to back in one write; resolves with one reply per command, in order. */
  send(commands: readonly (readonly string[])[]): Promise<(RespValue | SimpleString)[]> {
    if (this.closed) return Promise.reject(new Error('redis connection closed'))
    let wire = ''
    for (const cmd of commands) wire += encodeCommand(cmd)
    return new Promise((resolve, reject) => {
      this.pending.push({ replies: [], expected: commands.length, resolve, reject })
      this.socket.write(wire, 'utf8')
    })
  }

  close(): void {
    this.closed = true
    this.socket.destroy()
  }

  private failAll(err: Error): void {
    this.closed = true
    const waiting = this.pending.splice(0)
    const from = this.head
    this.head = 0
    for (let i = from; i < waiting.length; i++) waiting[i]!.reject(err)
  }

  private onData(chunk: Buffer): void {
    const buf = this.buffer ? Buffer.concat([this.buffer, chunk]) : chunk
    const cursor = { at: 0 }
    for (;;) {
      const start = cursor.at
      const value = parseReply(buf, cursor)
      if (value === INCOMPLETE) {
        cursor.at = start
        break
      }
      const p = this.pending[this.head]
      if (!p) continue
      p.replies.push(value)
      if (p.replies.length === p.expected) {
        this.pending[this.head++] = undefined as unknown as Pending
        if (this.head === this.pending.length) {
          this.pending.length = 0
          this.head = 0
        }
        p.resolve(p.replies)
      }
    }
    this.buffer = cursor.at === buf.length ? undefined : buf.subarray(cursor.at)
  }
}

/**
 * A command as a RESP array of bulk strings, built as one string (one allocation per command
 * instead of four per argument; the socket encodes it once). Bulk lengths are UTF-8 byte counts.
 */
function encodeCommand(args: readonly string[]): string {
  let out = `*${args.length}\r\n`
  for (const a of args) out += `$${Buffer.byteLength(a, 'utf8')}\r\n${a}\r\n`
  return out
}

/** What {@link parseReply} answers when the buffer does not hold the whole reply yet. */
const INCOMPLETE = Symbol('incomplete')

/**
 * Parses one RESP2 reply at `cursor.at`, moving the cursor past it, or answers
 * {@link INCOMPLETE} (the cursor is then meaningless). Bulk strings are views of the socket's
 * chunk, which Node does not reuse, so they are not copied.
 */
function parseReply(
  buf: Buffer,
  cursor: { at: number }
): RespValue | SimpleString | typeof INCOMPLETE {
  const offset = cursor.at
  if (offset >= buf.length) return INCOMPLETE
  const eol = buf.indexOf(CRLF, offset)
  if (eol < 0) return INCOMPLETE
  const type = buf[offset]
  const after = eol + 2
  switch (type) {
    case 0x2b: // '+'
      cursor.at = after
      return new SimpleString(buf.toString('utf8', offset + 1, eol))
    case 0x2d: // '-'
      cursor.at = after
      return new RespError(buf.toString('utf8', offset + 1, eol))
    case 0x3a: // ':'
      cursor.at = after
      return intAt(buf, offset + 1, eol)
    case 0x24: {
      // '$' bulk string
      const len = intAt(buf, offset + 1, eol)
      if (len < 0) {
        cursor.at = after
        return null
      }
      if (buf.length < after + len + 2) return INCOMPLETE
      cursor.at = after + len + 2
      return buf.subarray(after, after + len)
    }
    case 0x2a: {
      // '*' array
      const count = intAt(buf, offset + 1, eol)
      cursor.at = after
      if (count < 0) return null
      const items: RespValue[] = new Array(count)
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, cursor)
        if (item === INCOMPLETE) return INCOMPLETE
        items[i] = item instanceof SimpleString ? item.value : item
      }
      return items
    }
    default:
      throw new Error(`unexpected RESP type byte ${type}`)
  }
}

const CRLF = Buffer.from('\r\n')

/** The decimal integer in `buf[from, to)` (RESP lengths and integer replies), without a string. */
function intAt(buf: Buffer, from: number, to: number): number {
  let i = from
  let sign = 1
  if (buf[i] === 0x2d) {
    sign = -1
    i++
  }
  let n = 0
  for (; i < to; i++) n = n * 10 + (buf[i]! - 0x30)
  return sign * n
}
