/**
 * @module sprout/sprout-deps
 * What Sprout's handlers work with, built once per request by the composition root (app.ts from
 * `c.get('services')`; unit tests from in-memory Vellum, an in-process Dime and a recording hop),
 * so no handler builds a client itself (contributing §9): configuration, clock, logger, the Vellum
 * stores with this request's round-trip counter, the Homestead client, the internal-hop sender,
 * this S-CSCF's names, and `defer` for work that follows the answer.
 */
import type { Context } from 'hono'
import type { Clock } from '../../shared/config/clock'
import type { Region } from '../../shared/config/regions'
import type { Fetch } from '../../shared/hop/fetch'
import { functionHost } from '../../shared/hop/internal-addresses'
import type { FunctionBindings } from '../../shared/http/function-app'
import type { Logger } from '../../shared/log/logger'
import type { Vellum } from '../../shared/vellum'
import type { HssClient } from './hss-client'
import type { SipSender } from './sip-sender'
import type { SproutConfig } from './sprout-config'

export interface SproutDeps {
  region: Region
  homeDomain: string
  config: SproutConfig
  clock: Clock
  log: Logger
  vellum: Vellum
  hss: HssClient
  sender: SipSender
  /** Base URL of this region's Sprout (timer callbacks). */
  sproutUrl: string
  /** The secret digest nonces are sealed with (a key derived from it, auth/nonce.ts). */
  nonceSecret: string
  /**
   * The client's address as the edge reports it on the signed hop (`x-edgewater-client-ip`),
   * when the request came from a client through the edge: the source failed authentications
   * are counted against (auth/auth-limiter.ts).
   */
  clientAddress?: string
  /**
   * Runs `task` after the SIP answer. On `/sip` it runs before the hop's HTTP answer, for up to
   * `SIP_SETTLE_MS` (sip-inbox.ts, docs/internal-hop.md order); elsewhere after the HTTP answer
   * where the runtime allows it (Workers `waitUntil`), else before it. Its failure is only logged.
   */
  defer(task: () => Promise<unknown>): void
  /** Wraps the outbound fetch of internal HTTP calls made for the message (trace/sip-tracing.ts). */
  wrapFetch?: (base: Fetch) => Fetch
}

export type SproutContext = Context<FunctionBindings>
export type SproutDepsFactory = (c: SproutContext) => SproutDeps

/** `sip:sprout.<region>.edgewater.internal`: this S-CSCF (Contact, From of its own requests). */
export const scscfUri = (region: Region) => `sip:${functionHost('sprout', region)}`
/** The Via host of requests Sprout originates. */
export const sproutViaHost = (region: Region) => functionHost('sprout', region)
