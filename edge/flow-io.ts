/**
 * @module edge/flow-io
 * What the flow logic needs from its surroundings, as a small interface (contributing §5): the
 * Durable Object implements it over the WebSocket and the internal hop; unit tests use fakes.
 */
import type { HopResult } from '../shared/hop/sip-over-http'
import type { EdgeConfig } from './edge-config'
import type { FlowState } from './flow-state'
import type { FlowTransactions } from './flow-transactions'

export interface FlowIo {
  cfg: EdgeConfig
  now(): number
  /**
   * The clock the core judges a digest nonce's age by (edge/register-challenge.ts): the edge's
   * own, moved with the local cloud's driven clock there (edge/local-clock.ts); absent: `now`.
   */
  coreNow?(): number
  /** Random hex of `bytes` bytes (branches, charging ids). */
  randomHex(bytes: number): string
  /** The host[:port] the client connected to (client-facing Via and Record-Route). */
  publicHost: string
  state: FlowState
  /** Sends text to the client over the WebSocket. */
  toClient(text: string): void
  /** Sends to Sprout of `region`, failing over to the other region on transport errors. */
  toCore(region: string, text: string): Promise<HopResult>
  /** Sends to a resolved internal endpoint (a flow, an application server). */
  toUrl(url: string, text: string): Promise<HopResult>
  /** The internal resolver (shared/hop/resolver.ts) configured for this edge. */
  resolve(host: string, user?: string | null): string | undefined
  log(msg: string, fields?: Record<string, unknown>): void
  /** The flow keeps its bindings' expiry with its alarm (flow-expiry.ts); absent: it does not. */
  keepsExpiry?: boolean
  /** The flow's transaction log lines (flow-transactions.ts); absent in fakes that skip them. */
  transactions?: FlowTransactions
}
