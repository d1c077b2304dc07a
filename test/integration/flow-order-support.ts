/**
 * Raw SIP-over-WebSocket parties for the ordering suites (flow-order.test.ts): a registered flow
 * that writes exact messages and can answer at once, so a test controls what leaves a client in
 * one burst (RFC 7118: one WebSocket message per SIP message). Calls follow RFC 3261 §12: the
 * caller's route set is the 2xx's Record-Route reversed, its in-dialog requests go to the
 * callee's Contact.
 */
import { buildResponse, parseMessage, type SipRequest, type SipResponse } from '../../shared/sip'
import { endpoints } from '../support/cloud'
import { RawSipSocket } from '../support/sip-ua'
import { rawRegisterFlow, type Subscriber, subscriber } from './registrar-helpers'

let seq = 0
const unique = () => `${Date.now().toString(36)}${(++seq).toString(36)}`
const branch = () => `z9hG4bK${unique()}${Math.random().toString(36).slice(2, 8)}`

const firstLine = (m: string) => m.slice(0, m.indexOf('\r\n'))
export const isRequest = (m: string, method: string) => firstLine(m).startsWith(`${method} `)
export const statusLine = (m: string) => Number(/^SIP\/2\.0 (\d{3}) /.exec(m)?.[1] ?? 0)
export const cseqOf = (m: string) => /\r\nCSeq:\s*(\d+)\s+(\w+)/i.exec(m)
export const callIdOf = (m: string) => /\r\nCall-ID:\s*([^\r\n]+)/i.exec(m)?.[1]?.trim()

export function message(lines: string[], body = '', type = 'text/plain'): string {
  const head = body ? [...lines, `Content-Type: ${type}`] : lines
  return `${head.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
}

/** A registered raw flow for `sub`; `onRequest` sees every request the core sends it. */
export class RawParty {
  readonly contact: string
  onRequest: (req: SipRequest, raw: string) => void = () => {}

  private constructor(
    readonly sock: RawSipSocket,
    readonly sub: Subscriber,
    readonly name: string
  ) {
    this.contact = `sip:${name}-${unique()}@raw.invalid;transport=ws`
    sock.ws.on('message', (data) => {
      const text = data.toString()
      if (!/^[A-Z]+ /.test(text)) return
      this.onRequest(parseMessage(text) as SipRequest, text)
    })
  }

  /** Opens a flow on region `region`'s edge and registers `sub` (a new subscriber by default). */
  static async open(name: string, sub?: Subscriber, region: 'a' | 'b' = 'a'): Promise<RawParty> {
    const s = sub ?? (await subscriber(name))
    const p = new RawParty(await RawSipSocket.open(endpoints().sip[region]), s, name)
    await p.register()
    return p
  }

  async register(expires = 300): Promise<{ challenge: string; ok: string }> {
    const r = await rawRegisterFlow(this.sock, {
      sub: this.sub,
      callId: `reg-${this.name}-${unique()}`,
      cseq: 1,
      contact: `<${this.contact}>`,
      expires,
    })
    if (statusLine(r.ok) !== 200) throw new Error(`REGISTER: ${firstLine(r.ok)}`)
    return r
  }

  send(text: string): void {
    this.sock.send(text)
  }

  /** Answers `req` with each status in turn, in one burst (no await between the sends). */
  answer(req: SipRequest, statuses: number[], toTag = `t${unique()}`): void {
    for (const status of statuses) {
      const res = buildResponse(req, status, {
        toTag,
        headers: status > 100 && req.method === 'INVITE' ? [['Contact', `<${this.contact}>`]] : [],
      })
      this.send(res.toString())
    }
  }

  /** An out-of-dialog request from this party to `to`. */
  request(method: string, to: string, callId: string, body = '', cseq = 1): string {
    return message(
      [
        `${method} ${to} SIP/2.0`,
        `Via: SIP/2.0/WSS raw.invalid;branch=${branch()}`,
        'Max-Forwards: 70',
        `From: <${this.sub.impu}>;tag=f${unique()}`,
        `To: <${to}>`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} ${method}`,
        `Contact: <${this.contact}>`,
      ],
      body,
      method === 'INVITE' ? 'application/sdp' : 'text/plain'
    )
  }
}

/** SDP enough for an offer. */
export const OFFER =
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n'

/**
 * An in-dialog request of the caller's dialog established by `invite` and its 2xx `ok`
 * (RFC 3261 §12.1.2: route set = Record-Route reversed, remote target = the 2xx's Contact).
 */
export function inDialog(
  method: 'ACK' | 'BYE' | 'INFO',
  invite: SipRequest,
  ok: SipResponse,
  cseq: number
): string {
  const contact = /<([^>]+)>/.exec(ok.getRaw('contact') ?? '')?.[1]
  if (!contact) throw new Error('2xx without a Contact')
  const routes = ok
    .getAllRaw('record-route')
    .flatMap((line) => line.match(/<[^>]*>[^,]*/g) ?? [])
    .map((r) => r.trim())
    .reverse()
  return message([
    `${method} ${contact} SIP/2.0`,
    `Via: SIP/2.0/WSS raw.invalid;branch=${branch()}`,
    'Max-Forwards: 70',
    ...routes.map((r) => `Route: ${r}`),
    `From: ${invite.getRaw('from')}`,
    `To: ${ok.getRaw('to')}`,
    `Call-ID: ${invite.callId}`,
    `CSeq: ${cseq} ${method}`,
  ])
}
