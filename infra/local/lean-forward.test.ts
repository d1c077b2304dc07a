import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { ForwardError, LeanForwarder } from './lean-forward'

/** A raw upstream: each request's bytes are handed to `answer`, which writes what it likes. */
class RawUpstream {
  readonly server: net.Server
  connections = 0
  readonly requests: string[] = []
  readonly sockets = new Set<net.Socket>()
  constructor(answer: (socket: net.Socket, request: string, n: number) => void) {
    this.server = net.createServer((socket) => {
      this.connections++
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
      let buf = ''
      socket.on('data', (d) => {
        buf += d.toString('latin1')
        for (;;) {
          const end = buf.indexOf('\r\n\r\n')
          if (end < 0) return
          const len = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0)
          if (buf.length < end + 4 + len) return
          const request = buf.slice(0, end + 4 + len)
          buf = buf.slice(end + 4 + len)
          this.requests.push(request)
          answer(socket, request, this.requests.length)
        }
      })
    })
  }
  listen(): Promise<number> {
    return new Promise((resolve) =>
      this.server.listen(0, '127.0.0.1', () =>
        resolve((this.server.address() as net.AddressInfo).port)
      )
    )
  }
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    return new Promise((r) => this.server.close(() => r()))
  }
}

const closers: Array<() => unknown> = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

async function setup(answer: (socket: net.Socket, request: string, n: number) => void) {
  const up = new RawUpstream(answer)
  const port = await up.listen()
  const fwd = new LeanForwarder('127.0.0.1', port)
  closers.push(
    () => up.close(),
    () => fwd.close()
  )
  return { up, fwd }
}

const get = (path = '/x') => ({ method: 'GET', path, headers: [], body: Buffer.alloc(0) })

describe('LeanForwarder', () => {
  it('writes the request whole, reads a Content-Length answer and reuses the connection', async () => {
    const { up, fwd } = await setup((s) =>
      s.write(
        'HTTP/1.1 201 Made\r\ncontent-type: text/plain\r\nx-a: 1\r\nx-a: 2\r\ncontent-length: 5\r\n\r\nhello'
      )
    )
    const body = Buffer.from([0, 1, 2, 255, 10, 13])
    const a = await fwd.send({
      method: 'POST',
      path: '/sip?x=1',
      headers: [['x-edgewater-signature', 'abc']],
      body,
    })
    expect(a.status).toBe(201)
    expect(a.reason).toBe('Made')
    expect(a.body.toString()).toBe('hello')
    expect(a.headers).toEqual([
      ['content-type', 'text/plain'],
      ['x-a', '1'],
      ['x-a', '2'],
      ['content-length', '5'],
    ])
    const req = Buffer.from(up.requests[0]!, 'latin1')
    expect(req.subarray(0, req.length - body.length).toString('latin1')).toBe(
      `POST /sip?x=1 HTTP/1.1\r\nhost: 127.0.0.1:${(up.server.address() as net.AddressInfo).port}\r\nx-edgewater-signature: abc\r\ncontent-length: 6\r\n\r\n`
    )
    expect(req.subarray(req.length - body.length)).toEqual(body)
    await fwd.send(get())
    expect(up.connections).toBe(1)
    expect(fwd.idleCount).toBe(1)
  })

  it('sends no length on a GET without a body', async () => {
    const { up, fwd } = await setup((s) => s.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'))
    await fwd.send(get())
    expect(up.requests[0]).not.toMatch(/content-length/i)
  })

  it('reads a chunked answer that arrives in pieces, trailers included', async () => {
    const { fwd } = await setup((s) => {
      s.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4\r\nab')
      setTimeout(() => s.write('cd\r\n3;ext=1\r\nefg\r\n0\r\nx-t: 1\r\n\r\n'), 5)
    })
    const a = await fwd.send(get())
    expect(a.body.toString()).toBe('abcdefg')
    expect(fwd.idleCount).toBe(1)
  })

  it('takes no body after a HEAD, a 204 or a 304, and skips an interim 100', async () => {
    let n = 0
    const { up, fwd } = await setup((s) => {
      n++
      if (n === 1) s.write('HTTP/1.1 200 OK\r\ncontent-length: 42\r\n\r\n')
      else if (n === 2) s.write('HTTP/1.1 204 No Content\r\n\r\n')
      else if (n === 3) s.write('HTTP/1.1 304 Not Modified\r\ncontent-length: 9\r\n\r\n')
      else s.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok')
    })
    const head = await fwd.send({ ...get(), method: 'HEAD' })
    expect(head.body.length).toBe(0)
    expect(head.headers).toContainEqual(['content-length', '42'])
    expect((await fwd.send(get())).status).toBe(204)
    expect((await fwd.send(get())).status).toBe(304)
    const last = await fwd.send(get())
    expect([last.status, last.body.toString()]).toEqual([200, 'ok'])
    expect(up.connections).toBe(1)
  })

  it('reads an answer without length to the end of the connection and does not reuse it', async () => {
    const { up, fwd } = await setup((s) => s.end('HTTP/1.1 200 OK\r\n\r\nall of it'))
    expect((await fwd.send(get())).body.toString()).toBe('all of it')
    expect(fwd.idleCount).toBe(0)
    await fwd.send(get())
    expect(up.connections).toBe(2)
  })

  it('closes a connection whose answer says Connection: close', async () => {
    const { up, fwd } = await setup((s) =>
      s.write('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 1\r\n\r\nx')
    )
    await fwd.send(get())
    await fwd.send(get())
    expect(up.connections).toBe(2)
  })

  it('sends a request again on a new connection when a reused one was closed meanwhile', async () => {
    let n = 0
    const { up, fwd } = await setup((s) => {
      n++
      // The second request's connection is dropped without an answer, as a server closing an
      // idle connection races it.
      if (n === 2) s.destroy()
      else s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok')
    })
    await fwd.send(get())
    const again = await fwd.send(get('/again'))
    expect(again.body.toString()).toBe('ok')
    expect(up.connections).toBe(2)
    expect(up.requests.map((r) => r.split(' ')[1])).toEqual(['/x', '/again', '/again'])
  })

  it('fails a request the upstream drops on a new connection, and one nobody listens for', async () => {
    const { fwd } = await setup((s) => s.destroy())
    await expect(fwd.send(get())).rejects.toBeInstanceOf(ForwardError)
    const probe = net.createServer()
    const port = await new Promise<number>((r) =>
      probe.listen(0, '127.0.0.1', () => r((probe.address() as net.AddressInfo).port))
    )
    await new Promise((r) => probe.close(r))
    await expect(new LeanForwarder('127.0.0.1', port).send(get())).rejects.toBeInstanceOf(
      ForwardError
    )
  })

  it('fails an answer that does not parse, and one cut in its body', async () => {
    let n = 0
    const { fwd } = await setup((s) => {
      n++
      if (n === 1) s.write('NOT HTTP\r\n\r\n')
      else s.end('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort')
    })
    await expect(fwd.send(get())).rejects.toThrow(/malformed status line/)
    await expect(fwd.send(get())).rejects.toThrow(/closed/)
  })
})
