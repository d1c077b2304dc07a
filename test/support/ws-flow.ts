/**
 * A raw SIP-over-WebSocket client for integration tests: opens a flow on an edge with the `sip`
 * subprotocol (RFC 7118) and collects what the edge sends, so tests can wait for a message.
 */
import WebSocket from 'ws'

export class WsFlow {
  readonly received: string[] = []
  private waiters: (() => void)[] = []

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.received.push(data.toString())
      for (const w of this.waiters.splice(0)) w()
    })
  }

  static open(url: string, protocol: string | string[] = 'sip'): Promise<WsFlow> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocol)
      ws.once('open', () => resolve(new WsFlow(ws)))
      ws.once('error', reject)
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    })
  }

  send(text: string): void {
    this.ws.send(text)
  }

  /** Resolves with the first received message (from index `from`) that matches. */
  async next(
    match: (m: string) => boolean = () => true,
    from = 0,
    timeoutMs = 5_000
  ): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const hit = this.received.slice(from).find(match)
      if (hit !== undefined) return hit
      if (Date.now() > deadline)
        throw new Error(
          `no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.received)}`
        )
      await new Promise<void>((r) => {
        this.waiters.push(r)
        setTimeout(r, 100)
      })
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve()
      this.ws.once('close', () => resolve())
      this.ws.close()
    })
  }
}

export function sipRequest(lines: string[], body = ''): string {
  return `${lines.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
}
