/**
 * Helpers for the REGISTER attack tests: a raw SIP WebSocket from a chosen client address, and
 * hand-written REGISTERs whose To, Contact and credentials the attacker chooses independently.
 * The address is what Cloudflare puts in `CF-Connecting-IP` (a client cannot set it there); the
 * local cloud's edge listens on direct sockets, so the test sets it as Cloudflare would.
 */
import WebSocket from 'ws'
import {
  buildCredentials,
  computeDigestResponse,
  computeHa1,
  formatNonceCount,
} from '../../shared/sip'
import type { Subscriber } from '../integration/registrar-helpers'
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

let branch = 0

/** A REGISTER with a free choice of To, Contact (none = a fetch) and Authorization. */
export function register(o: {
  to: string
  callId: string
  cseq: number
  contact?: string
  expires?: number
  authorization?: string
}): string {
  const domain = endpoints().homeDomain
  return [
    `REGISTER sip:${domain} SIP/2.0`,
    `Via: SIP/2.0/WSS attack.invalid;branch=z9hG4bKsec${++branch}x${Date.now().toString(36)}`,
    'Max-Forwards: 70',
    `From: <${o.to}>;tag=sec${o.callId.slice(0, 6)}`,
    `To: <${o.to}>`,
    `Call-ID: ${o.callId}`,
    `CSeq: ${o.cseq} REGISTER`,
    ...(o.contact !== undefined ? [`Contact: ${o.contact}`] : []),
    ...(o.expires !== undefined ? [`Expires: ${o.expires}`] : []),
    'Supported: path, outbound, gruu',
    ...(o.authorization ? [`Authorization: ${o.authorization}`] : []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')
}

/** An MD5 answer to the 401's challenge with `as`'s credentials (or a wrong password). */
export function answerAs(res401: string, as: Subscriber, password = as.password, nc = 1): string {
  const line = /\r\nWWW-Authenticate:\s*(Digest [^\r\n]*algorithm=MD5[^\r\n]*)/i.exec(res401)?.[1]
  if (!line) throw new Error(`no MD5 challenge in ${res401.slice(0, 200)}`)
  const p = (n: string) => new RegExp(`${n}="([^"]*)"`).exec(line)?.[1] ?? ''
  const uri = `sip:${endpoints().homeDomain}`
  const ncText = formatNonceCount(nc)
  const response = computeDigestResponse({
    ha1: computeHa1(as.impi, p('realm'), password),
    method: 'REGISTER',
    uri,
    nonce: p('nonce'),
    qop: 'auth',
    nc: ncText,
    cnonce: 'attack',
  })
  return buildCredentials({
    username: as.impi,
    realm: p('realm'),
    nonce: p('nonce'),
    uri,
    response,
    qop: 'auth',
    nc: ncText,
    cnonce: 'attack',
    opaque: p('opaque'),
  })
}

export const statusOf = (m: string) => Number(/^SIP\/2\.0 (\d{3})/.exec(m)?.[1] ?? 0)
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
