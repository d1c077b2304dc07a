import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { RespConnection, RespError, SimpleString } from './resp-connection'

/** A fake redis-server that answers each received command line batch with scripted chunks. */
async function fakeRedis(
  answer: (received: string) => Buffer[]
): Promise<{ port: number; close: () => void; received: string[] }> {
  const received: string[] = []
  const server = net.createServer((socket) => {
    socket.on('data', async (d) => {
      received.push(d.toString('utf8'))
      // Each chunk is its own write, so replies arrive split the way the chunks say.
      for (const chunk of answer(d.toString('utf8'))) {
        socket.write(chunk)
        await new Promise((r) => setTimeout(r, 5))
      }
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as net.AddressInfo).port
  return { port, close: () => server.close(), received }
}

const b = (s: string) => Buffer.from(s, 'utf8')
let cleanup: (() => void)[] = []
afterEach(() => {
  for (const c of cleanup) c()
  cleanup = []
})

describe('RespConnection', () => {
  it('writes each command as a RESP array of bulk strings with UTF-8 byte lengths', async () => {
    const r = await fakeRedis(() => [b('+OK\r\n')])
    const conn = await RespConnection.connect(r.port)
    cleanup.push(() => conn.close(), r.close)
    await conn.send([['SET', 'k', 'é']])
    expect(r.received.join('')).toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\né\r\n')
  })

  it('matches replies to one batch in order, whatever the chunking', async () => {
    const r = await fakeRedis(() => [
      b('+OK\r\n:4'),
      b('2\r\n$5\r\nhel'),
      b('lo\r\n$-1\r\n-ERR wrong type\r\n*2\r\n$1\r\na\r\n'),
      b('*1\r\n+x\r\n'),
    ])
    const conn = await RespConnection.connect(r.port)
    cleanup.push(() => conn.close(), r.close)
    const replies = await conn.send([['A'], ['B'], ['C'], ['D'], ['E'], ['F']])
    expect(replies).toHaveLength(6)
    expect(replies[0]).toEqual(new SimpleString('OK'))
    expect(replies[1]).toBe(42)
    expect(Buffer.isBuffer(replies[2]) && replies[2].toString('utf8')).toBe('hello')
    expect(replies[3]).toBeNull()
    expect(replies[4]).toEqual(new RespError('ERR wrong type'))
    const arr = replies[5] as unknown[]
    expect((arr[0] as Buffer).toString('utf8')).toBe('a')
    expect(arr[1]).toEqual(['x'])
  })

  it('answers several callers pipelined on one socket each with their own replies', async () => {
    const r = await fakeRedis((cmds) => {
      const count = (cmds.match(/\*\d+\r\n/g) ?? []).length
      return [b(Array.from({ length: count }, (_, i) => `:${i - 1}\r\n`).join(''))]
    })
    const conn = await RespConnection.connect(r.port)
    cleanup.push(() => conn.close(), r.close)
    const [first, second] = await Promise.all([conn.send([['X'], ['Y']]), conn.send([['Z']])])
    // One write each; the fake numbers the replies of each write from -1.
    expect(first).toEqual([-1, 0])
    expect(second).toHaveLength(1)
  })

  it('fails every waiting caller when the connection closes', async () => {
    const server = net.createServer((s) => s.on('data', () => s.destroy()))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const conn = await RespConnection.connect((server.address() as net.AddressInfo).port)
    cleanup.push(() => server.close())
    await expect(conn.send([['PING']])).rejects.toThrow(/closed|reset/)
    expect(conn.isOpen).toBe(false)
    await expect(conn.send([['PING']])).rejects.toThrow('redis connection closed')
  })
})
