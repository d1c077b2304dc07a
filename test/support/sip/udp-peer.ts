/**
 * @module support/sip/udp-peer
 * A scripted SIP endpoint on a UDP socket, standing for the PSTN gateway or SBC behind the trunk
 * adapter (docs/trunk.md) in tests: it records every message, answers requests through a
 * behaviour the test sets (by default 180 + 200 with SDP to an INVITE, 200 to anything else, and
 * nothing to an ACK), and can start requests and dialogs of its own. Responses go where RFC 3261
 * §18.2.2 / RFC 3581 say: the top Via's `received`/`rport`, else its sent-by.
 */
import { createSocket, type Socket } from 'node:dgram'
import {
  buildResponse,
  parseMessage,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../../../shared/sip'

export const PEER_SDP =
  'v=0\r\no=gw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n'

export type PeerBehaviour = (req: SipRequest, peer: UdpPeer) => void

export const defaultBehaviour: PeerBehaviour = (req, peer) => {
  if (req.method === 'ACK') return
  if (req.method === 'INVITE') {
    peer.respond(req, 180)
    peer.respond(req, 200, { body: PEER_SDP })
    return
  }
  peer.respond(req, 200)
}

export class UdpPeer {
  readonly received: SipMessage[] = []
  behaviour: PeerBehaviour = defaultBehaviour
  private readonly tags = new Map<string, string>()
  private seq = 0

  private constructor(
    private readonly sock: Socket,
    readonly port: number
  ) {
    sock.on('message', (buf) => {
      const msg = parseMessage(buf.toString('utf8'))
      this.received.push(msg)
      if (msg.kind === 'request') this.behaviour(msg, this)
    })
  }

  static async open(): Promise<UdpPeer> {
    const sock = createSocket('udp4')
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()))
    return new UdpPeer(sock, sock.address().port)
  }

  /** Requests received of a method (in arrival order, retransmissions included). */
  requests(method: string): SipRequest[] {
    return this.received.filter((m): m is SipRequest => m.kind === 'request' && m.method === method)
  }

  responses(method: string): SipResponse[] {
    return this.received.filter(
      (m): m is SipResponse => m.kind === 'response' && m.cseq.method === method
    )
  }

  send(text: string, port: number, host = '127.0.0.1'): void {
    this.sock.send(text, port, host)
  }

  /** Answers `req` (the same To tag for every response of one dialog-forming request). */
  respond(
    req: SipRequest,
    status: number,
    opts: { body?: string; headers?: [string, string][] } = {}
  ): void {
    const key = `${req.callId}|${req.cseq.seq}`
    let tag = req.toTag ?? this.tags.get(key)
    if (!tag && status > 100) {
      tag = `gw${++this.seq}`
      this.tags.set(key, tag)
    }
    const headers: [string, string][] = [...(opts.headers ?? [])]
    if (req.method === 'INVITE' && status > 100 && status < 300)
      headers.push(['Contact', `<sip:gw@127.0.0.1:${this.port}>`])
    const res = buildResponse(req, status, {
      ...(tag ? { toTag: tag } : {}),
      headers,
      ...(opts.body ? { body: opts.body, contentType: 'application/sdp' } : {}),
    })
    const via = req.topVia
    const port = typeof via.rport === 'number' ? via.rport : (via.port ?? 5060)
    this.send(res.toString(), port, via.received ?? via.host)
  }

  async waitFor<T extends SipMessage>(
    pred: (m: SipMessage) => m is T,
    what: string,
    timeoutMs = 10_000
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const m = this.received.find(pred)
      if (m) return m
      if (Date.now() > deadline) throw new Error(`UDP peer: timed out waiting for ${what}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  /** The `after`-th request of `method` (0: the first), once it has come. */
  async waitForRequest(method: string, timeoutMs = 10_000, after = 0): Promise<SipRequest> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const m = this.requests(method)[after]
      if (m) return m
      if (Date.now() > deadline) throw new Error(`UDP peer: timed out waiting for a ${method}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  waitForResponse(method: string, status: number, timeoutMs?: number): Promise<SipResponse> {
    return this.waitFor(
      (m): m is SipResponse =>
        m.kind === 'response' && m.cseq.method === method && m.status === status,
      `${status} to ${method}`,
      timeoutMs
    )
  }

  close(): Promise<void> {
    return new Promise((r) => this.sock.close(() => r()))
  }
}
