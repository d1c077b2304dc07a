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

type Pending = { resolve: (v: RespValue | SimpleString) => void; reject: (e: Error) => void }

export class RespConnection {
  private socket: net.Socket
  private buffer: Buffer = Buffer.alloc(0)
  private readonly pending: Pending[] = []
  private closed = false

  private constructor(socket: net.Socket) {
    this.socket = socket
    socket.on('data', (chunk) => this.onData(chunk))
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
    const replies = commands.map(
      () =>
        new Promise<RespValue | SimpleString>((resolve, reject) =>
          this.pending.push({ resolve, reject })
        )
    )
    this.socket.write(wire, 'utf8')
    return Promise.all(replies)
  }

  close(): void {
    this.closed = true
    this.socket.destroy()
  }

  private failAll(err: Error): void {
    this.closed = true
    for (const p of this.pending.splice(0)) p.reject(err)
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
    let offset = 0
    for (;;) {
      const parsed = parseReply(this.buffer, offset)
      if (!parsed) break
      offset = parsed.next
      this.pending.shift()?.resolve(parsed.value)
    }
    this.buffer = offset === this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(offset)
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

type Parsed = { value: RespValue | SimpleString; next: number }

/** Parses one RESP2 reply at `offset`, or returns undefined when the buffer is incomplete. */
function parseReply(buf: Buffer, offset: number): Parsed | undefined {
  if (offset >= buf.length) return undefined
  const eol = buf.indexOf('\r\n', offset)
  if (eol < 0) return undefined
  const type = buf[offset]
  const line = buf.toString('utf8', offset + 1, eol)
  const after = eol + 2
  switch (type) {
    case 0x2b: // '+'
      return { value: new SimpleString(line), next: after }
    case 0x2d: // '-'
      return { value: new RespError(line), next: after }
    case 0x3a: // ':'
      return { value: Number(line), next: after }
    case 0x24: {
      // '$' bulk string
      const len = Number(line)
      if (len < 0) return { value: null, next: after }
      if (buf.length < after + len + 2) return undefined
      return { value: Buffer.from(buf.subarray(after, after + len)), next: after + len + 2 }
    }
    case 0x2a: {
      // '*' array
      const count = Number(line)
      if (count < 0) return { value: null, next: after }
      const items: RespValue[] = []
      let next = after
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, next)
        if (!item) return undefined
        items.push(item.value instanceof SimpleString ? item.value.value : item.value)
        next = item.next
      }
      return { value: items, next }
    }
    default:
      throw new Error(`unexpected RESP type byte ${type}`)
  }
}
