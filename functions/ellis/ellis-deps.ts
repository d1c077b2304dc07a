/**
 * @module ellis/ellis-deps
 * What Ellis's handlers work with: the Vellum stores (global table, regional KV), the clock, a
 * logger, Ellis's configuration, an outbound `fetch` (Dime, Homer, the other region's Ellis,
 * the mail webhook), the mailer, and the per-isolate caches (shard ownership, rebalancing
 * state). Routes receive a resolver from the composition root (app.ts builds the production one
 * from `c.get('services')`; unit tests pass in-memory stores and a fake fetch), so no handler
 * builds a client itself.
 */

import type { Context } from 'hono'
import type { Clock } from '../../shared/config/clock'
import type { Fetch } from '../../shared/hop/fetch'
import type { FunctionBindings } from '../../shared/http/function-app'
import type { Logger } from '../../shared/log/logger'
import type { GlobalTable, RegionalKv } from '../../shared/vellum'
import type { EllisConfig, ShardDomain } from './ellis-config'
import type { Mailer } from './mailer'
import type { ThrottleConfig } from './throttle-config'

/** One shard's owner record as last read (see shard-directory.ts). */
export interface ShardRecord {
  domain: ShardDomain
  shard: number
  owner: 'a' | 'b'
  home: 'a' | 'b'
  epoch: number
  version: number
  /** Fingerprint of the pool configuration whose numbers are in this shard (numbers only). */
  seeded: string | undefined
}

/** State kept per isolate (per Lambda container / Worker isolate), never per request. */
export interface IsolateState {
  shardMaps: Map<ShardDomain, { readAtMs: number; records: ShardRecord[] }>
  lastRebalanceMs: number
  /** Sources whose wrong `NGV-API-Key`s spent their budget, until when (api-key-guard.ts). */
  refusedKeySources: Map<string, number>
}

export function newIsolateState(): IsolateState {
  return { shardMaps: new Map(), lastRebalanceMs: 0, refusedKeySources: new Map() }
}

export interface EllisDeps {
  table: GlobalTable
  kv: RegionalKv
  clock: Clock
  log: Logger
  config: EllisConfig
  /** Login and sign-up abuse limits (throttle-config.ts). */
  throttle: ThrottleConfig
  fetch: Fetch
  mailer: Mailer
  isolate: IsolateState
  /** Runs work after the response where the runtime allows it (workerd `waitUntil`). */
  background: (work: Promise<unknown>) => void
}

export type EllisContext = Context<FunctionBindings>
export type DepsResolver = (c: EllisContext) => EllisDeps
