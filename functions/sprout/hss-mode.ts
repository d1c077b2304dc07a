/**
 * @module sprout/hss-mode
 * The one place Sprout's Homestead is chosen (`SPROUT_HSS_MODE`, sprout-config.ts): `local`
 * (the default) answers in process (hss-local.ts) with the HTTP client as its fallback when a
 * store is unavailable; `http` always goes over the hop to Dime (hss-client.ts). The HSS role's
 * settings come from the same bindings Dime reads (shared/homestead/homestead-config.ts).
 */
import type { Clock } from '../../shared/config/clock'
import type { RawEnv } from '../../shared/config/function-env'
import type { FunctionUrls, Region } from '../../shared/config/regions'
import { homesteadConfig } from '../../shared/homestead/homestead-config'
import type { Fetch } from '../../shared/hop/fetch'
import type { Logger } from '../../shared/log/logger'
import type { Vellum } from '../../shared/vellum'
import { createHssClient, type HssClient } from './hss-client'
import { createLocalHss } from './hss-local'
import { isolateParsedSubscriptions } from './parsed-subscriptions'
import type { SproutConfig } from './sprout-config'

export interface SproutHssOptions {
  config: Pick<SproutConfig, 'SPROUT_HSS_MODE' | 'HSS_TIMEOUT_MS'> &
    Partial<Pick<SproutConfig, 'SPROUT_PARSED_SUBSCRIPTIONS'>>
  /** The raw bindings (the HSS role's settings are read from them). */
  raw: RawEnv
  homeDomain: string
  region: Region
  urls: FunctionUrls
  hopSecret: string
  /** This S-CSCF's URI (server-name / server_name). */
  serverName: string
  vellum: Pick<Vellum, 'kv' | 'table'>
  clock: Clock
  log: Logger
  /** The hop's fetch (tests; routing counts Dime's round trips through it). */
  fetch?: Fetch
}

export function createSproutHss(o: SproutHssOptions): HssClient {
  const http = createHssClient({
    region: o.region,
    urls: o.urls,
    hopSecret: o.hopSecret,
    serverName: o.serverName,
    log: o.log,
    timeoutMs: o.config.HSS_TIMEOUT_MS,
    ...(o.fetch ? { fetch: o.fetch } : {}),
  })
  if (o.config.SPROUT_HSS_MODE === 'http') return http
  return createLocalHss({
    kv: o.vellum.kv,
    table: o.vellum.table,
    clock: o.clock,
    homestead: homesteadConfig(o.raw, o.homeDomain),
    serverName: o.serverName,
    log: o.log,
    fallback: http,
    parsed: isolateParsedSubscriptions(o.config.SPROUT_PARSED_SUBSCRIPTIONS ?? 0),
  })
}
