/**
 * Helpers for the REGISTER attack tests: a raw SIP WebSocket from a chosen client address, and
 * hand-written REGISTERs whose To, Contact and credentials the attacker chooses independently.
 * The address is what Cloudflare puts in `CF-Connecting-IP` (a client cannot set it there); the
 * local cloud's edge listens on direct sockets, so the test sets it as Cloudflare would.
 */
import WebSocket from 'ws'
import {
  answerChallenge,
  rawRegister,
  type Subscriber,
  statusOf,
} from '../integration/registrar-helpers'
import { endpoints } from '../support/cloud'

/** A bare SIP WebSocket from client address `address` (none: the edge sees no address). */
export class SourceSocket {
  readonly received: string[] = []
  private waiters: Array<() => void> = []
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.received.push(data.toString())
      for (const w of this.waiters.splice(0)) w()
    })
  }

  static open(address?: string, server = endpoints().sip.a): Promise<SourceSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(server, 'sip', {
        ...(address ? { headers: { 'CF-Connecting-IP': address } } : {}),
      })
      ws.once('open', () => resolve(new SourceSocket(ws)))
      ws.once('error', reject)
    })
  }

  /** Sends `text` and waits for the final response with the same CSeq. */
  async request(text: string, timeoutMs = 10_000): Promise<string> {
    const cseq = /\r\nCSeq:\s*(\d+\s+\w+)/i.exec(text)?.[1]
    const from = this.received.length
    this.ws.send(text)
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const hit = this.received
        .slice(from)
        .find(
          (m) =>
            /^SIP\/2\.0 [2-6]\d\d /.test(m) &&
            new RegExp(`\\r\\nCSeq:\\s*${cseq}\\r\\n`, 'i').test(m)
        )
      if (hit) return hit
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no final response to CSeq ${cseq} within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  close(): void {
    this.ws.close()
  }
}

/** A REGISTER with a free choice of To, Contact (none = a fetch) and Authorization. */
export const register = (o: {
  to: string
  callId: string
  cseq: number
  contact?: string
  expires?: number
  authorization?: string
}): string => rawRegister(o)

/** An MD5 answer to the 401's challenge with `as`'s credentials (or a wrong password). */
export const answerAs = (res401: string, as: Subscriber, password = as.password, nc = 1): string =>
  answerChallenge(res401, as, nc, password)

export { statusOf }
export const headerOf = (m: string, name: string) =>
  new RegExp(`\\r\\n${name}:\\s*([^\\r\\n]*)`, 'i').exec(m)?.[1]

/** Challenge then answer as `sub` itself from `ws`; returns the final response. */
export async function registerSelf(
  ws: SourceSocket,
  sub: Subscriber,
  o: { callId: string; cseq: number; contact: string; expires?: number }
): Promise<string> {
  const ch = await ws.request(register({ to: sub.impu, ...o }))
  if (statusOf(ch) !== 401) throw new Error(`expected 401, got ${ch.slice(0, 80)}`)
  return ws.request(
    register({ to: sub.impu, ...o, cseq: o.cseq + 1, authorization: answerAs(ch, sub) })
  )
}

/** A fresh documentation address (RFC 5737 TEST-NET-3), so reruns start with clean counters. */
export const testAddress = () => `203.0.113.${1 + Math.floor(Math.random() * 254)}`
