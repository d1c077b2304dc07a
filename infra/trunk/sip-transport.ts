/**
 * @module trunk/sip-transport
 * The adapter's SIP side on one port: UDP datagrams (one message each, RFC 3261 §18.1) and TCP
 * streams framed by Content-Length (§18.3, shared/sip/framer.ts). A response or request to a TCP
 * address reuses the connection that address opened, else opens one. A stream that loses its
 * framing is closed; a CRLF keep-alive ping gets its pong (RFC 5626 §4.4.1).
 */
import { createSocket, type Socket } from 'node:dgram'
import { createConnection, createServer, type Server, type Socket as TcpSocket } from 'node:net'
import { StreamFramer } from '../../shared/sip'
import type { TrunkPeer } from './trunk-config'

export interface SipTransport {
  /** The port bound (UDP and TCP share it). */
  readonly port: number
  send(text: string, to: TrunkPeer): void
  close(): Promise<void>
}

export type OnSipMessage = (text: string, source: TrunkPeer) => void

const utf8 = new TextDecoder()

/**
 * Opens UDP and TCP on `port` (0: a free port both can have; the system picks UDP's, and another
 * is tried when that one is taken for TCP).
 */
export async function openSipTransport(
  host: string,
  port: number,
  onMessage: OnSipMessage,
  log: (msg: string, fields?: Record<string, unknown>) => void
): Promise<SipTransport> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await openOnce(host, port, onMessage, log)
    } catch (err) {
      const taken = (err as NodeJS.ErrnoException).code === 'EADDRINUSE'
      if (port !== 0 || !taken || attempt >= 9) throw err
    }
  }
}

async function openOnce(
  host: string,
  port: number,
  onMessage: OnSipMessage,
  log: (msg: string, fields?: Record<string, unknown>) => void
): Promise<SipTransport> {
  const udp: Socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject)
    udp.bind(port, host, () => {
      udp.off('error', reject)
      resolve()
    })
  })
  const bound = udp.address().port
  udp.on('message', (buf, rinfo) =>
    onMessage(utf8.decode(buf), { host: rinfo.address, port: rinfo.port, transport: 'udp' })
  )
  udp.on('error', (err) => log('UDP socket error', { error: String(err) }))

  const conns = new Map<string, TcpSocket>()
  const adopt = (sock: TcpSocket, known?: TrunkPeer) => {
    const source: TrunkPeer = known ?? {
      host: sock.remoteAddress ?? '',
      port: sock.remotePort ?? 0,
      transport: 'tcp',
    }
    const key = `${source.host}:${source.port}`
    conns.set(key, sock)
    const framer = new StreamFramer()
    sock.on('data', (chunk: Buffer) => {
      for (const ev of framer.push(new Uint8Array(chunk))) {
        if (ev.type === 'message' || ev.type === 'invalid') onMessage(utf8.decode(ev.bytes), source)
        else if (ev.type === 'ping') sock.write('\r\n')
        else {
          log('TCP framing lost; connection closed', { peer: key, reason: ev.error.reason })
          sock.destroy()
        }
      }
    })
    sock.on('error', () => sock.destroy())
    sock.on('close', () => conns.delete(key))
  }
  const tcp: Server = createServer((sock) => adopt(sock))
  try {
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject)
      tcp.listen(bound, host, () => {
        tcp.off('error', reject)
        resolve()
      })
    })
  } catch (err) {
    await new Promise<void>((r) => udp.close(() => r()))
    throw err
  }

  return {
    port: bound,
    send(text, to) {
      if (to.transport === 'udp') {
        udp.send(text, to.port, to.host)
        return
      }
      const key = `${to.host}:${to.port}`
      let sock = conns.get(key)
      if (!sock || sock.destroyed) {
        sock = createConnection({ host: to.host, port: to.port })
        adopt(sock, to)
      }
      sock.write(text)
    },
    async close() {
      for (const s of conns.values()) s.destroy()
      await new Promise<void>((r) => udp.close(() => r()))
      await new Promise<void>((r) => tcp.close(() => r()))
    },
  }
}
