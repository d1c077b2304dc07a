/**
 * @module repro-flows
 * The load of the workerd memory repro's flow mode (support/workerd-memory-repro.ts): `flows`
 * WebSocket connections to the repro's front worker, each sending one SIP-sized message at a
 * time and waiting for its echo. With `deliver`, each message is followed by one delivery to the
 * same flow through the front worker (`POST /deliver`, the object's `stub.fetch`) that the
 * connection waits to receive. Every `reconnect` messages a connection closes and opens anew
 * (a new flow object, as clients that come and go make).
 */
import { Agent, request } from 'node:http'
import WebSocket from 'ws'

export interface FlowLoadOptions {
  /** The front worker's base URL (http://host:port). */
  base: URL
  flows: number
  /** Messages per connection before it reconnects; 0: never. */
  reconnect: number
  deliver: boolean
}

/** A REGISTER of the size the soak's clients send. */
const MESSAGE = (n: number) =>
  `REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/WSS client.invalid;branch=z9hG4bK${n}\r\n` +
  `Max-Forwards: 70\r\nTo: <sip:u${n % 50}@example.com>\r\nFrom: <sip:u${n % 50}@example.com>;tag=${n}\r\n` +
  `Call-ID: ${n}-repro\r\nCSeq: ${n} REGISTER\r\nContact: <sip:c@client.invalid;transport=ws>;expires=300\r\n` +
  `${'X-Pad: '.padEnd(300, 'x')}\r\nContent-Length: 0\r\n\r\n`

class Conn {
  private waiting: ((m: string) => void)[] = []
  private constructor(
    readonly ws: WebSocket,
    readonly id: string
  ) {
    ws.on('message', (d) => this.waiting.shift()?.(String(d)))
  }

  static open(base: URL, n: number): Promise<Conn> {
    const url = new URL(`/ws?n=${n}`, base)
    url.protocol = 'ws:'
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'sip')
      let id = ''
      ws.on('upgrade', (res) => {
        id = String(res.headers['x-flow-id'] ?? '')
      })
      ws.once('open', () => resolve(new Conn(ws, id)))
      ws.once('error', reject)
    })
  }

  next(): Promise<string> {
    return new Promise((r) => this.waiting.push(r))
  }

  close(): Promise<void> {
    return new Promise((r) => {
      this.ws.once('close', () => r())
      this.ws.close(1000)
    })
  }
}

function post(url: URL, agent: Agent, body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', () => resolve(0))
    req.end(body)
  })
}

/** Sends `n` messages over the flows; resolves with the number that failed. */
export async function driveFlows(o: FlowLoadOptions, n: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.flows })
  let next = 0
  let failed = 0
  await Promise.all(
    Array.from({ length: o.flows }, async (_, slot) => {
      let conn: Conn | undefined
      let sent = 0
      while (next < n) {
        const i = next++
        try {
          if (!conn || (o.reconnect > 0 && sent >= o.reconnect)) {
            await conn?.close()
            conn = await Conn.open(o.base, slot)
            sent = 0
          }
          const echo = conn.next()
          conn.ws.send(MESSAGE(i))
          sent++
          await echo
          if (o.deliver) {
            const got = conn.next()
            const status = await post(
              new URL(`/deliver?id=${conn.id}`, o.base),
              agent,
              `SIP/2.0 200 OK\r\nCall-ID: ${i}-repro\r\n\r\n`
            )
            if (status === 202) await got
            else {
              failed++
              await conn.close()
              conn = undefined
            }
          }
        } catch (err) {
          if (failed++ === 0) console.error(`flow load: ${String(err)}`)
          conn = undefined
        }
      }
      await conn?.close()
    })
  )
  agent.destroy()
  return failed
}
