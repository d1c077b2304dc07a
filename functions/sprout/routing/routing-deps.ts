/**
 * @module sprout/routing/routing-deps
 * What call routing works with, on top of Sprout's per-request dependencies: its configuration,
 * the transaction-record log, the MMTEL settings reader (Homer's KV-cached path), a Homestead
 * client whose answers report Dime's store round trips, the registrar's AoR store (bindings are
 * read only through it), the Ralf client, and this S-CSCF's names. Built once per request from the
 * function's context. Tests may replace the outbound `fetch` (Homestead, Ralf) for a given raw
 * environment with {@link setRoutingFetch}.
 */
import type { RawEnv } from '../../../shared/config/function-env'
import type { FunctionUrls } from '../../../shared/config/regions'
import { homesteadConfig } from '../../../shared/homestead/homestead-config'
import type { Fetch } from '../../../shared/hop/fetch'
import { functionHost } from '../../../shared/hop/internal-addresses'
import { createResolver } from '../../../shared/hop/resolver'
import { createSimservsReader, type SimservsReader } from '../../../shared/simservs/simservs-reader'
import { createHssClient, type HssClient } from '../hss-client'
import { AorStore } from '../registrar/aor-store'
import type { SproutContext, SproutDeps } from '../sprout-deps'
import { scscfUri } from '../sprout-deps'
import { parseRoutingConfig, type RoutingConfig } from './routing-config'
import { DimeCost } from './routing-stats'
import { createRoutingTimers, type RoutingTimers } from './routing-timers'
import { TxLog } from './tx-log'

export interface RoutingDeps extends SproutDeps {
  routing: RoutingConfig
  txLog: TxLog
  /** Transaction and call-charging timers, on the precise tier. */
  timers: RoutingTimers
  simservs: SimservsReader
  /** Homestead for call-time lookups (`PUT reg-data` reqtype `call`). */
  homestead: HssClient
  dimeCost: DimeCost
  aors: AorStore
  functionUrls: FunctionUrls
  hopSecret: string
  fetch: Fetch
  /** This S-CSCF's host (Via, Record-Route, ODI routes). */
  scscfHost: string
  /** Where timer pops for routing land. */
  timerCallback: string
  /**
   * The S-CSCF name Homestead gives for a set no S-CSCF has been assigned (`SCSCF_URI`, the
   * same binding Dime reads): this deployment's S-CSCF, like a Sprout of either region.
   */
  defaultScscf: string
  /** Random source in [0, 1) (the I-CSCF's weighted choice among S-CSCFs). */
  random: () => number
  /** The internal resolver: whether an address is one Edgewater can reach. */
  resolve(host: string, user?: string | null): string | undefined
}

const fetchOverrides = new WeakMap<object, Fetch>()

/** Test hook: the `fetch` routing uses for a given raw environment. */
export function setRoutingFetch(raw: RawEnv, f: Fetch): void {
  fetchOverrides.set(raw, f)
}

export function routingDepsFor(deps: SproutDeps, c: SproutContext): RoutingDeps {
  const raw = (c.env ?? {}) as RawEnv
  const env = c.get('services').env
  const routing = parseRoutingConfig(raw)
  const unwrapped: Fetch = fetchOverrides.get(raw) ?? ((u, i) => fetch(u, i))
  const base: Fetch = deps.wrapFetch ? deps.wrapFetch(unwrapped) : unwrapped
  const dimeCost = new DimeCost()
  const resolver = createResolver({
    functionUrls: env.FUNCTION_URLS,
    edgeUrl: env.EDGE_URL,
    applicationServers: deps.config.AS_URLS,
    trunks: routing.trunkUrls,
  })
  const counting: Fetch = async (u, i) => {
    const res = await base(u, i)
    dimeCost.note(res.headers.get('x-edgewater-round-trips'))
    return res
  }
  return {
    ...deps,
    routing,
    txLog: new TxLog(deps.vellum.kv, routing.txTtlS),
    timers: createRoutingTimers({
      timers: deps.vellum.timers,
      edgeUrl: env.EDGE_URL,
      hopSecret: env.HOP_SECRET,
      roundTrips: deps.vellum.roundTrips,
      clock: deps.clock,
    }),
    simservs: createSimservsReader({
      table: deps.vellum.table,
      kv: deps.vellum.kv,
      clock: deps.clock,
      log: deps.log,
      defer: (p) => deps.defer(() => p),
    }),
    // In process (hss-mode.ts) unless Sprout must ask Dime over the hop.
    homestead:
      deps.config.SPROUT_HSS_MODE === 'local'
        ? deps.hss
        : createHssClient({
            region: deps.region,
            urls: env.FUNCTION_URLS,
            hopSecret: env.HOP_SECRET,
            serverName: scscfUri(deps.region),
            log: deps.log,
            timeoutMs: deps.config.HSS_TIMEOUT_MS,
            fetch: counting,
          }),
    dimeCost,
    aors: new AorStore(deps.vellum.kv),
    functionUrls: env.FUNCTION_URLS,
    hopSecret: env.HOP_SECRET,
    fetch: base,
    scscfHost: functionHost('sprout', deps.region),
    timerCallback: `${deps.sproutUrl}/routing/timer`,
    defaultScscf: homesteadConfig(raw, deps.homeDomain).scscfUri,
    random: Math.random,
    resolve: (host, user) => resolver.resolve(host, user)?.url,
  }
}
