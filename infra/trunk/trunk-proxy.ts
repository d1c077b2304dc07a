/**
 * @module trunk/trunk-proxy
 * The SIP trunk adapter's proxy (docs/trunk.md): a transaction-stateful relay between a SIP peer
 * (an SBC or PSTN gateway, over UDP or TCP) and Edgewater's signed internal hop, so that a
 * deployment whose SIP runs over HTTP can reach networks that speak RFC 3261 transports.
 *
 * - **Peer → core.** A request's top Via gets `received`/`rport` (RFC 3581). The adapter pops
 *   its own Route entries. An initial request goes to the I-CSCF of the home region
 *   (`Route: <sip:sprout.<region>.edgewater.internal;lr;service=icscf>`, `orig` added only when
 *   the peer asked for it and `TRUNK_TRUST_ORIG=1`), the other region's when the hop fails; an
 *   in-dialog request follows its remaining Route through the resolver. The adapter adds its hop
 *   Via (`SIP/2.0/HTTP <name>.trunk.edgewater.internal`, branch derived from the peer's, so a
 *   CANCEL takes its INVITE's branch, RFC 3261 §16.11) and, on a dialog-creating request, a double
 *   Record-Route (RFC 5658): the hop-facing entry above the peer-facing one. An INVITE is
 *   answered 100 Trying at once (§16.2). REGISTER is refused with 405 (a trunk does not register,
 *   as with Clearwater's Bono).
 * - **Core → peer.** A request pops the adapter's Route entries and goes to the remaining Route,
 *   else (initial requests, CANCEL) to `TRUNK_PEER`, else (in dialog) to its Request-URI. It gets
 *   the adapter's Via for the peer transport and, if dialog-creating, the double Record-Route
 *   with the peer-facing entry on top.
 * - **Responses** follow Via either way: the adapter pops its own and sends the response to the
 *   next (`received`/`rport` on the peer side, the resolver on the hop side).
 * - **UDP reliability** (RFC 3261 §17), since the core's transports are reliable and never
 *   retransmit: requests to the peer are retransmitted (Timers A/E, doubling to T2) until a
 *   response (INVITE) or a final response (others), and answered 408 upstream after Timer B/F;
 *   a retransmitted request from the peer gets the last response again; a 2xx to an INVITE is
 *   retransmitted to the peer until its ACK comes (§13.3.1.4); a repeated final response from the
 *   peer gets the ACK the adapter last relayed for it, and goes no further.
 *
 * - **Sources and identities** (trunk-ingress.ts): SIP is taken only from the peer's addresses;
 *   a peer not trusted with originating handling (`TRUNK_TRUST_ORIG=0`) is not trusted to assert
 *   identities either. The adapter is the trust boundary towards the SIP network, as the edge is
 *   towards clients.
 * - **Transaction state** (trunk-transactions.ts): what UDP reliability needs, kept in memory.
 *
 * Messages over `TRUNK_MAX_MESSAGE_BYTES` are refused (513 to a request); a malformed request
 * from the peer gets 400; at `TRUNK_MAX_TRANSACTIONS` transactions in memory, new ones get 503.
 */
import { classifyInternal, HOP_TRANSPORT, trunkHost } from '../../shared/hop/internal-addresses'
import type { Resolver } from '../../shared/hop/resolver'
import { type HopResult, hopFailureStatus } from '../../shared/hop/sip-over-http'
import {
  buildResponse,
  md5Hex,
  parseErrorResponse,
  SipParseError,
  type SipRequest,
  type SipResponse,
  tryParseMessage,
} from '../../shared/sip'
import { DIALOG_CREATING } from '../../shared/sip/dialog-methods'
import { getParam, hasParam } from '../../shared/sip/params'
import { TIMER_B, TIMER_F } from '../../shared/sip/timers'
import type { Uri } from '../../shared/sip/uri'
import { serializeVia, viaWithParams } from '../../shared/sip/via'
import type { TrunkConfig } from './trunk-config'
import { hopBranchOf, icscfEntry, isPeerAddress, UNTRUSTED_PEER_HEADERS } from './trunk-ingress'
import {
  type ClientTx,
  LINGER_MS,
  type PeerTarget,
  peerTargetOfVia,
  type TrunkIo,
  viaKey,
} from './trunk-state'
import { TrunkTransactions } from './trunk-transactions'

export class TrunkProxy {
  private readonly txs: TrunkTransactions
  private readonly hopHost: string

  constructor(
    private readonly cfg: TrunkConfig,
    private readonly resolver: Resolver,
    private readonly io: TrunkIo,
    /** The SIP port actually bound (the configured one, or the one the system chose). */
    private readonly sipPort: number
  ) {
    this.hopHost = trunkHost(cfg.name)
    this.txs = new TrunkTransactions(io, cfg.maxTransactions)
  }

  close(): void {
    this.txs.close()
  }

  /** Transactions held in memory (tests and the limit). */
  get transactions(): number {
    return this.txs.size
  }

  private isOwnRoute(uri: Uri): boolean {
    if (uri.kind !== 'sip') return false
    const a = classifyInternal(uri.host, uri.user)
    if (a?.kind === 'trunk' && a.name === this.cfg.name) return true
    return (
      uri.host.toLowerCase() === this.cfg.publicHost.toLowerCase() &&
      (uri.port ?? 5060) === this.sipPort
    )
  }

  private popOwnRoutes(req: SipRequest): boolean {
    let popped = false
    for (let r = req.get('route'); r && this.isOwnRoute(r.uri); r = req.get('route')) {
      req.shift('route')
      popped = true
    }
    return popped
  }

  private peerVia(branch: string, transport: 'udp' | 'tcp'): string {
    return `SIP/2.0/${transport.toUpperCase()} ${this.cfg.publicHost}:${this.sipPort};branch=${branch};rport`
  }

  private peerRecordRoute(transport: 'udp' | 'tcp'): string {
    return `<sip:${this.cfg.publicHost}:${this.sipPort};transport=${transport};lr>`
  }

  // ---- peer side ------------------------------------------------------------------------------

  /** A datagram or framed stream message from the peer. */
  async fromPeer(text: string, source: PeerTarget): Promise<void> {
    if (!isPeerAddress(this.cfg, source.host)) {
      this.io.log('message from an address that is not the peer dropped', { from: source.host })
      return
    }
    if (text.length > this.cfg.maxMessageBytes) {
      this.io.log('message from the peer over the size limit dropped', { bytes: text.length })
      return
    }
    const parsed = tryParseMessage(text)
    if (!parsed.ok) {
      const answer =
        parsed.error instanceof SipParseError ? parseErrorResponse(text, parsed.error) : null
      if (answer) this.io.toPeer(answer, source)
      this.io.log('malformed message from the peer', { reason: parsed.error.reason })
      return
    }
    const msg = parsed.value
    try {
      if (msg.kind === 'response') await this.responseFromPeer(msg)
      else await this.requestFromPeer(msg, source)
    } catch (err) {
      // Headers parse when first read: a malformed one surfaces here (RFC 3261 §16.3: 400).
      if (!(err instanceof SipParseError)) throw err
      const answer = msg.kind === 'request' ? parseErrorResponse(text, err) : null
      if (answer) this.io.toPeer(answer, source)
      this.io.log('malformed message from the peer', { reason: err.reason })
    }
  }

  private answerPeer(req: SipRequest, status: number, reason?: string): void {
    const res = buildResponse(req, status, {
      ...(reason ? { reason } : {}),
      ...(status > 100 ? { toTag: md5Hex(`${req.callId}|${req.cseq.seq}`).slice(0, 10) } : {}),
    })
    this.sendResponseToPeer(res)
  }

  private async requestFromPeer(req: SipRequest, source: PeerTarget): Promise<void> {
    // RFC 3581 §4: record where the request really came from.
    const top = req.shift('via')!
    const params = top.params.filter((p) => p.name !== 'received' && p.name !== 'rport')
    if (top.host !== source.host) params.push({ name: 'received', value: source.host })
    if (top.rport !== null) params.push({ name: 'rport', value: String(source.port) })
    const via = viaWithParams(top, params)
    req.prepend('via', serializeVia(via))
    const key = viaKey(via, req.method)
    const seen = this.txs.server.get(key)
    if (seen) {
      // A retransmission (RFC 3261 §17.2): the last answer again, nothing upstream.
      if (seen.last) this.io.toPeer(seen.last, seen.to)
      return
    }
    if (req.method === 'ACK') {
      this.txs.resend.stop(`ok|${req.callId}|${req.cseq.seq}`)
    } else {
      if (this.txs.full()) return this.answerPeer(req, 503, 'Service Unavailable (trunk busy)')
      this.txs.server.set(key, { to: peerTargetOfVia(via), expires: this.io.now() + LINGER_MS })
    }
    if (req.method === 'REGISTER') return this.answerPeer(req, 405, 'Method Not Allowed')
    if (req.maxForwards === 0) return this.answerPeer(req, 483, 'Too Many Hops')
    req.decrementMaxForwards()
    if (!this.cfg.trustOrig) for (const h of UNTRUSTED_PEER_HEADERS) req.remove(h)
    if (req.method === 'INVITE') this.answerPeer(req, 100, 'Trying')
    const first = req.get('route')?.uri
    const asksOrig = first?.kind === 'sip' && hasParam(first.params, 'orig')
    this.popOwnRoutes(req)
    const initial = !req.toTag
    let targets: string[]
    // In a dialog the Route set leads on; an initial request's Route (what the peer thinks its
    // next hop is) gives way to the I-CSCF.
    if (!initial && req.method !== 'CANCEL') {
      const next = req.get('route')?.uri ?? req.uri
      const hop = next.kind === 'sip' ? this.resolver.resolve(next.host, next.user) : undefined
      if (!hop) {
        if (req.method !== 'ACK') this.answerPeer(req, 404, 'Not Found (no route)')
        return
      }
      targets = [hop.url]
    } else {
      // An initial request (or a CANCEL of one) enters through the I-CSCF (docs/trunk.md).
      targets = icscfEntry(this.cfg, req, {
        asksOrig,
        hopHost: this.hopHost,
        peerRecordRoute: this.peerRecordRoute(source.transport),
      })
    }
    req.prepend('via', `SIP/2.0/${HOP_TRANSPORT} ${this.hopHost};branch=${hopBranchOf(via)}`)
    let result: HopResult = { ok: false, sipStatus: 503, reason: 'no hop', transport: true }
    for (const url of targets) {
      result = await this.io.toCore(url, req.toString())
      if (result.ok || !result.transport) break
    }
    if (result.ok || req.method === 'ACK') return
    req.shift('via')
    const failed = hopFailureStatus(result)
    this.answerPeer(req, failed.status, failed.reason)
  }

  private async responseFromPeer(res: SipResponse): Promise<void> {
    const top = res.topVia
    const tx = top.branch ? this.txs.client.get(top.branch) : undefined
    if (!tx) {
      const ours =
        top.host.toLowerCase() === this.cfg.publicHost.toLowerCase() &&
        (top.port ?? 5060) === this.sipPort
      if (!ours) {
        this.io.log('response not for the adapter dropped', { via: top.host })
        return
      }
    }
    if (tx) {
      if (res.status >= 200 || tx.invite) this.txs.resend.stop(top.branch!)
      if (res.status >= 200) tx.answered = true
    }
    if (res.cseq.method === 'INVITE' && res.status >= 200) {
      const final = `${top.branch}|${res.toTag ?? ''}|${res.status >= 300 ? 'x' : '2'}`
      if (this.txs.repeatedFinal(final)) {
        // A repeated final (our ACK was lost): the ACK again, nothing upstream.
        const ack = this.txs.ackFor(res.callId, res.cseq.seq)
        if (ack) this.io.toPeer(ack.text, ack.to)
        return
      }
    }
    res.shift('via')
    await this.responseToCore(res)
  }

  private async responseToCore(res: SipResponse): Promise<void> {
    const next = res.vias[0]
    if (!next) return
    const flow = getParam(next.params, 'flow') ?? undefined
    const hop = this.resolver.resolve(next.host, flow)
    if (!hop) {
      this.io.log('response with no internal next hop dropped', { via: next.host })
      return
    }
    const r = await this.io.toCore(hop.url, res.toString())
    if (!r.ok) this.io.log('response not delivered to the core', { reason: r.reason })
  }

  private sendResponseToPeer(res: SipResponse): void {
    const via = res.topVia
    const to = peerTargetOfVia(via)
    const text = res.toString()
    this.txs.answered(viaKey(via, res.cseq.method), text)
    this.io.toPeer(text, to)
    if (
      res.cseq.method === 'INVITE' &&
      res.status >= 200 &&
      res.status < 300 &&
      to.transport === 'udp'
    )
      this.txs.resend.start(`ok|${res.callId}|${res.cseq.seq}`, () => this.io.toPeer(text, to), {
        capAtT2: true,
        deadlineMs: TIMER_B,
      })
  }

  // ---- core side ------------------------------------------------------------------------------

  /**
   * A message Sprout or the edge posted on the hop. Answers the HTTP status for the hop: 202 once
   * taken, 400 when it is not SIP.
   */
  async fromCore(text: string): Promise<number> {
    if (text.length > this.cfg.maxMessageBytes) return 413
    const parsed = tryParseMessage(text)
    if (!parsed.ok) return 400
    const msg = parsed.value
    if (msg.kind === 'response') {
      const top = msg.topVia
      if (top.host.toLowerCase() !== this.hopHost) return 400
      msg.shift('via')
      if (msg.vias.length === 0) return 400
      // The adapter sent the peer its own 100 Trying at once (RFC 3261 §16.7 step 3).
      if (msg.status === 100) return 202
      this.sendResponseToPeer(msg)
      return 202
    }
    await this.requestFromCore(msg)
    return 202
  }

  private async answerCore(req: SipRequest, status: number, reason: string): Promise<void> {
    if (req.method === 'ACK') return
    await this.responseToCore(buildResponse(req, status, { reason, toTag: 'trunk' }))
  }

  private async requestFromCore(req: SipRequest): Promise<void> {
    if (req.maxForwards === 0) return this.answerCore(req, 483, 'Too Many Hops')
    req.decrementMaxForwards()
    this.popOwnRoutes(req)
    // From the core's branch alone: a CANCEL or non-2xx ACK finds its INVITE's transaction.
    const branch = `z9hG4bKT${md5Hex(`${req.topVia.branch}|${req.topVia.host}`).slice(0, 24)}`
    const existing = this.txs.client.get(branch)
    let to: PeerTarget
    const route = req.get('route')?.uri
    if (existing) to = existing.to
    else if (route?.kind === 'sip') to = this.targetOfUri(route)
    else if (!req.toTag || req.method === 'CANCEL') to = this.cfg.peer
    else if (req.uri.kind === 'sip') to = this.targetOfUri(req.uri)
    else return this.answerCore(req, 404, 'Not Found (no route to the peer)')
    if (!existing && req.method !== 'ACK' && this.txs.full())
      return this.answerCore(req, 503, 'Service Unavailable (trunk busy)')
    if (!req.toTag && DIALOG_CREATING.has(req.method)) {
      req.prepend('record-route', `<sip:${this.hopHost};lr>`)
      req.prepend('record-route', this.peerRecordRoute(to.transport))
    }
    req.prepend('via', this.peerVia(branch, to.transport))
    const text = req.toString()
    this.io.toPeer(text, to)
    if (req.method === 'ACK') {
      this.txs.rememberAck(req.callId, req.cseq.seq, text, to)
      return
    }
    if (existing) return
    const tx: ClientTx = {
      text,
      to,
      invite: req.method === 'INVITE',
      answered: false,
      expires: this.io.now() + LINGER_MS + TIMER_B,
    }
    this.txs.client.set(branch, tx)
    if (to.transport === 'udp') this.startRetransmit(branch, tx, req)
  }

  private targetOfUri(u: Uri & { kind: 'sip' }): PeerTarget {
    const t = getParam(u.params, 'transport')?.toLowerCase()
    return { host: u.host, port: u.port ?? 5060, transport: t === 'tcp' ? 'tcp' : 'udp' }
  }

  private startRetransmit(branch: string, tx: ClientTx, req: SipRequest): void {
    this.txs.resend.start(branch, () => this.io.toPeer(tx.text, tx.to), {
      capAtT2: !tx.invite,
      deadlineMs: tx.invite ? TIMER_B : TIMER_F,
      // Timer B/F (RFC 3261 §17.1.1.2, §17.1.2.2): the peer never answered.
      onTimeout: () => {
        if (tx.answered) return
        tx.answered = true
        req.shift('via')
        void this.answerCore(req, 408, 'Request Timeout (trunk peer)')
      },
    })
  }
}
