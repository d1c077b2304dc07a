/**
 * @module dime/dime-deps
 * What Dime's handlers work with: the Vellum stores, the clock, a logger, Dime's configuration
 * and an outbound `fetch` (pushes to Sprout, CDRs to the CDF). Routes receive a resolver from
 * the composition root (app.ts builds the production one from `c.get('services')`; unit tests
 * pass in-memory stores and a fake fetch), so no handler builds a client itself.
 */

import type { Context } from 'hono'
import type { Clock } from '../../shared/config/clock'
import type { Fetch } from '../../shared/hop/fetch'
import type { FunctionBindings } from '../../shared/http/function-app'
import type { Logger } from '../../shared/log/logger'
import type { Vellum } from '../../shared/vellum'
import type { DimeConfig } from './dime-config'

export interface DimeDeps {
  vellum: Vellum
  clock: Clock
  log: Logger
  config: DimeConfig
  fetch: Fetch
}

export type DimeContext = Context<FunctionBindings>
export type DepsResolver = (c: DimeContext) => DimeDeps
