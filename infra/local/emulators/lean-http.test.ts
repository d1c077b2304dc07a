import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { type LeanHandler, LeanHttpServer, type LeanLimits, type LeanRequest } from './lean-http'

let cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanup) await c()
  cleanup = []
})

async function serve(handler: LeanHandler, limits?: Partial<LeanLimits>) {
  const s = new LeanHttpServer('test', handler, limits)
  const port = await s.listen(0)
  cleanup.push(() => s.close())
  return { s, port }
}

/** A raw connection: what it wrote, and everything the server sent until it closed or `until`. */
function raw(port: number) {
  const socket = net.connect(port, '127.0.0.1')
  let received = ''
  let closed = false
  let reset = false
  socket.on('data', (d) => {
    received += d.toString('utf8')
  })
  socket.on('error', () => {
    reset = true
  })
  socket.on('close', () => {
    closed = true
  })
  cleanup.push(() => socket.destroy())
  const waitFor = async (test: () => boolean) => {
    for (let i = 0; i < 200 && !test(); i++) await new Promise((r) => setTimeout(r, 10))
  }
  return {
    socket,
    write: (s: string) => socket.write(s),
    received: () => received,
    closed: () => closed,
    reset: () => reset,
    waitFor,
  }
}

const echo: LeanHandler = (req: LeanRequest) => ({
  status: 200,
  body: JSON.stringify({ method: req.method, url: req.url, body: req.body.toString('utf8') }),
})

describe('LeanHttpServer', () => {
  it('answers fetch with a JSON body and its length, over one kept-alive connection', async () => {
    const { port } = await serve(echo)
    for (const n of [1, 2]) {
      const res = await fetch(`http://127.0.0.1:${port}/pipeline?x=${n}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([['GET', `k${n}`]]),
      })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('application/json')
      expect(await res.json()).toEqual({
        method: 'POST',
        url: `/pipeline?x=${n}`,
        body: `[["GET","k${n}"]]`,
      })
    }
  })

  it('answers pipelined requests in order even when a later one is ready first', async () => {
    const { port } = await serve(async (req) => {
      const delay = req.url === '/slow' ? 60 : 0
      await new Promise((r) => setTimeout(r, delay))
      return { status: 200, body: `"${req.url}"` }
    })
    const c = raw(port)
    c.write(
      'POST /slow HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}' +
        'POST /fast HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n'
    )
    await c.waitFor(() => c.received().includes('"/fast"'))
    const r = c.received()
    expect(r.indexOf('"/slow"')).toBeGreaterThan(0)
    expect(r.indexOf('"/slow"')).toBeLessThan(r.indexOf('"/fast"'))
    expect(r.match(/content-length: 7\r\n/g)).toHaveLength(2)
    expect(c.closed()).toBe(false)
  })

  it('joins a chunked body that arrives in pieces, with a 100 Continue when asked', async () => {
    const { port } = await serve(echo)
    const c = raw(port)
    c.write(
      'POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\nexpect: 100-continue\r\n\r\n'
    )
    await c.waitFor(() => c.received().length > 0)
    expect(c.received()).toBe('HTTP/1.1 100 Continue\r\n\r\n')
    c.write('4\r\n["a"')
    await new Promise((r) => setTimeout(r, 20))
    c.write('\r\n3;ext=1\r\n,"b\r\n2\r\n"]\r\n0\r\n\r\n')
    await c.waitFor(() => c.received().includes('body'))
    expect(c.received()).toContain('"body":"[\\"a\\",\\"b\\"]"')
  })

  it('takes a body that arrives in many pieces whole', async () => {
    const { port } = await serve((req) => ({ status: 200, body: String(req.body.length) }))
    const c = raw(port)
    const body = 'x'.repeat(200_000)
    c.write(`POST / HTTP/1.1\r\ncontent-length: ${body.length}\r\n\r\n`)
    for (let i = 0; i < body.length; i += 16_384) {
      c.write(body.slice(i, i + 16_384))
      await new Promise((r) => setImmediate(r))
    }
    await c.waitFor(() => c.received().endsWith('200000'))
    expect(c.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*content-length: 6\r\n\r\n200000$/)
  })

  it('answers a request that does not parse with 400 and closes the connection', async () => {
    const { port } = await serve(echo)
    const c = raw(port)
    c.write('POST /\r\n\r\n')
    await c.waitFor(() => c.closed())
    expect(c.received()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
    expect(c.received()).toContain('connection: close')
    expect(c.closed()).toBe(true)
  })

  it('refuses a body or headers over the limits (413, 431)', async () => {
    const { port } = await serve(echo, { bodyBytes: 10, headerBytes: 200 })
    const big = raw(port)
    big.write('POST / HTTP/1.1\r\ncontent-length: 11\r\n\r\n')
    await big.waitFor(() => big.closed())
    expect(big.received()).toMatch(/^HTTP\/1\.1 413 /)
    const head = raw(port)
    head.write(`POST / HTTP/1.1\r\nx-pad: ${'a'.repeat(300)}\r\n`)
    await head.waitFor(() => head.closed())
    expect(head.received()).toMatch(/^HTTP\/1\.1 431 /)
  })

  it('closes after answering Connection: close and HTTP/1.0 without keep-alive', async () => {
    const { port } = await serve(echo)
    for (const req of [
      'POST / HTTP/1.1\r\nconnection: close\r\ncontent-length: 0\r\n\r\n',
      'POST / HTTP/1.0\r\ncontent-length: 0\r\n\r\n',
    ]) {
      const c = raw(port)
      c.write(req)
      await c.waitFor(() => c.closed())
      expect(c.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
      expect(c.closed()).toBe(true)
    }
  })

  it('resets one connection when the handler says so, and every connection when down', async () => {
    const { s, port } = await serve((req) => (req.url === '/cut' ? 'reset' : echo(req)))
    const cut = raw(port)
    cut.write('POST /cut HTTP/1.1\r\ncontent-length: 0\r\n\r\n')
    await cut.waitFor(() => cut.closed())
    expect(cut.received()).toBe('')
    const open = raw(port)
    open.write('POST / HTTP/1.1\r\ncontent-length: 0\r\n\r\n')
    await open.waitFor(() => open.received().length > 0)
    s.setUp(false)
    await open.waitFor(() => open.closed())
    expect(open.closed()).toBe(true)
    await expect(fetch(`http://127.0.0.1:${port}/`, { method: 'POST' })).rejects.toThrow()
    s.setUp(true)
    expect((await fetch(`http://127.0.0.1:${port}/`, { method: 'POST' })).status).toBe(200)
  })
})
