/**
 * @module trunk/trunk-state
 * What the trunk adapter's proxy (trunk-proxy.ts) works with: its I/O (the peer side, the signed
 * hop, the clock and timers, injected so tests drive them), the state it keeps per transaction
 * while retransmissions may still come (RFC 3261 §17: 64·T1), and how a Via names a transaction
 * (branch, sent-by, and ACK or CANCEL apart, §17.2.3) and where its responses go (RFC 3581).
 */
import type { HopResult } from '../../shared/hop/sip-over-http'
import { T1 } from '../../shared/sip/timers'
import type { Via } from '../../shared/sip/via'
import type { TrunkPeer } from './trunk-config'

/** Where the adapter sends on the peer side. */
export type PeerTarget = TrunkPeer

export interface TrunkIo {
  /** Sends SIP text to the peer side. */
  toPeer(text: string, to: PeerTarget): void
  /** Posts SIP text over the signed hop. */
  toCore(url: string, text: string): Promise<HopResult>
  now(): number
  setTimer(ms: number, fn: () => void): unknown
  clearTimer(handle: unknown): void
  log(msg: string, fields?: Record<string, unknown>): void
}

export interface ClientTx {
  text: string
  to: PeerTarget
  invite: boolean
  answered: boolean
  expires: number
}

export interface ServerTx {
  last?: string
  to: PeerTarget
  expires: number
}

/** How long a finished transaction's state is kept for retransmissions (64·T1, RFC 3261 §17). */
export const LINGER_MS = 64 * T1
export const SWEEP_MS = 5_000

export const peerTargetOfVia = (v: Via): PeerTarget => ({
  host: v.received ?? v.host,
  port: typeof v.rport === 'number' ? v.rport : (v.port ?? 5060),
  transport: v.transport.toLowerCase() === 'tcp' ? 'tcp' : 'udp',
})

export const viaKey = (v: Via, method: string) =>
  `${v.branch}|${v.host}:${v.port ?? 5060}|${method === 'ACK' ? 'ACK' : method === 'CANCEL' ? 'CANCEL' : 'TX'}`
