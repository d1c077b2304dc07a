/**
 * @module trunk/trunk-transactions
 * The transaction state the trunk adapter's proxy (trunk-proxy.ts) keeps in memory for UDP
 * reliability (RFC 3261 §17): its client transactions towards the peer (by branch), its server
 * transactions for the peer's requests (by Via, trunk-state.ts `viaKey`) with the last answer
 * to repeat, the ACKs it relayed to the peer and the INVITE finals it saw (to absorb repeats),
 * and the retransmissions running. Everything lingers 64·T1 after use and is swept every 5 s;
 * `full` is the `TRUNK_MAX_TRANSACTIONS` limit.
 */
import { Retransmissions } from './retransmissions'
import {
  type ClientTx,
  LINGER_MS,
  type PeerTarget,
  type ServerTx,
  SWEEP_MS,
  type TrunkIo,
} from './trunk-state'

export class TrunkTransactions {
  readonly client = new Map<string, ClientTx>()
  readonly server = new Map<string, ServerTx>()
  /** Requests to the peer (by branch) and 2xx to it (`ok|<Call-ID>|<CSeq>`) being resent. */
  readonly resend: Retransmissions
  /** ACKs relayed to the peer, by Call-ID and CSeq number, and the finals they acknowledged. */
  private readonly acks = new Map<string, { text: string; to: PeerTarget; expires: number }>()
  private readonly finals = new Map<string, number>()
  private sweeper: unknown

  constructor(
    private readonly io: TrunkIo,
    private readonly max: number
  ) {
    this.resend = new Retransmissions(io)
    this.sweeper = io.setTimer(SWEEP_MS, () => this.sweep())
  }

  close(): void {
    this.io.clearTimer(this.sweeper)
    this.resend.stopAll()
    this.client.clear()
  }

  /** Transactions held in memory (tests and the limit). */
  get size(): number {
    return this.client.size + this.server.size
  }

  /** At `TRUNK_MAX_TRANSACTIONS`: new transactions are refused. */
  full(): boolean {
    return this.size >= this.max
  }

  private sweep(): void {
    const now = this.io.now()
    for (const m of [this.client, this.server, this.acks] as Map<string, { expires: number }>[])
      for (const [k, v] of m) if (v.expires < now) m.delete(k)
    for (const [k, v] of this.finals) if (v < now) this.finals.delete(k)
    this.sweeper = this.io.setTimer(SWEEP_MS, () => this.sweep())
  }

  /** Notes the answer sent on a server transaction, to repeat it on a retransmission. */
  answered(key: string, text: string): void {
    const tx = this.server.get(key)
    if (!tx) return
    tx.last = text
    tx.expires = this.io.now() + LINGER_MS
  }

  /** Keeps an ACK relayed to the peer, to send again if the final it acknowledges repeats. */
  rememberAck(callId: string, cseq: number, text: string, to: PeerTarget): void {
    this.acks.set(`${callId}|${cseq}`, { text, to, expires: this.io.now() + LINGER_MS })
  }

  ackFor(callId: string, cseq: number): { text: string; to: PeerTarget } | undefined {
    return this.acks.get(`${callId}|${cseq}`)
  }

  /** True when this INVITE final was seen before (a repeat); notes it otherwise. */
  repeatedFinal(key: string): boolean {
    if (this.finals.has(key)) return true
    this.finals.set(key, this.io.now() + LINGER_MS)
    return false
  }
}
