/**
 * @module homer/homer-deps
 * What Homer's handlers work with, resolved per request by the composition root (app.ts builds
 * the production set from `c.get('services')`; unit tests pass in-memory stores and a fake Dime):
 * the document store, the MMTEL reader, and the access checker's dependencies.
 */

import type { Context } from 'hono'
import type { Clock } from '../../shared/config/clock'
import type { HopSecret } from '../../shared/hop/signature'
import type { FunctionBindings } from '../../shared/http/function-app'
import type { Logger } from '../../shared/log/logger'
import { createSimservsReader, type SimservsReader } from '../../shared/simservs/simservs-reader'
import type { GlobalTable } from '../../shared/vellum/global-table'
import type { RegionalKv } from '../../shared/vellum/regional-kv'
import type { RoundTrips } from '../../shared/vellum/round-trips'
import type { SubscriberDirectory } from './dime-client'
import { DEFAULT_UT_LIMITS, type UtLimits } from './homer-config'
import { SimservsDocuments } from './simservs-documents'
import type { AccessDeps } from './ut-access'
import { UtNonces } from './ut-nonces'
import { UtThrottle } from './ut-throttle'
import type { OwnerWrites } from './xcap-owner'

export interface HomerDeps {
  documents: SimservsDocuments
  reader: SimservsReader
  access: AccessDeps
  log: Logger
  /** This request's store round trips, when the stores count them (production adapters). */
  roundTrips: RoundTrips | undefined
  /** Where document writes go (xcap-owner.ts); absent: this Homer writes every document. */
  owner: OwnerWrites | undefined
}

export type HomerContext = Context<FunctionBindings>
export type DepsResolver = (c: HomerContext) => HomerDeps

export interface HomerParts {
  table: GlobalTable
  kv: RegionalKv
  clock: Clock
  log: Logger
  directory: SubscriberDirectory
  hopSecret: HopSecret
  realm: string
  roundTrips?: RoundTrips
  /** Ut password-guessing limits (homer-config.ts; defaults when absent). */
  utLimits?: UtLimits
  /** Owner-region writes (xcap-owner.ts): this region and how to reach the others' Homer. */
  owner?: OwnerWrites
}

/**
 * The Ut nonce key: the current trusted-zone secret under a label of its own, so a nonce is
 * never a valid signature for anything else. Both regions derive the same key.
 */
function utNonceKey(hop: HomerParts['hopSecret']): string {
  return `homer-ut-nonce:${typeof hop === 'string' ? hop : hop.secret}`
}

/** Wires the handlers' dependencies from stores, clock, logger and the subscriber directory. */
export function buildHomerDeps(p: HomerParts): HomerDeps {
  const stores = { table: p.table, kv: p.kv, clock: p.clock, log: p.log }
  const documents = new SimservsDocuments(stores)
  return {
    documents,
    reader: createSimservsReader(stores),
    access: {
      hopSecret: p.hopSecret,
      realm: p.realm,
      nonces: new UtNonces(p.kv, p.clock, utNonceKey(p.hopSecret)),
      throttle: new UtThrottle(p.kv, p.clock, p.utLimits ?? DEFAULT_UT_LIMITS, p.log),
      directory: p.directory,
      log: p.log,
    },
    log: p.log,
    roundTrips: p.roundTrips,
    owner: p.owner && {
      localEtag: async (xui: string) => (await documents.get(xui))?.etag,
      ...p.owner,
    },
  }
}
