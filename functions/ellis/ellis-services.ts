/**
 * @module ellis/ellis-services
 * Wires one request's collaborators from its {@link EllisDeps}: the signed clients of Dime and
 * Homer, the shard directory and the link to the other region, the number pool and the
 * provisioning flows. Routes call {@link servicesFor} once and use what they need; nothing here
 * does I/O until used.
 */
import type { Region } from '../../shared/config/regions'
import { TIMEOUTS } from './ellis-config'
import type { EllisContext, EllisDeps } from './ellis-deps'
import { homerClient } from './homer-client'
import { homesteadClient } from './homestead-client'
import { NumberPool } from './numbers/number-pool'
import { poolService } from './numbers/pool-service'
import type { ProvisioningDeps } from './numbers/provisioning'
import { peerLink } from './peer-link'
import { requestMeta } from './request-context'
import { ShardDirectory } from './shard-directory'
import type { OwnerRouting } from './shard-owner'
import { signedClient } from './upstream'

export function buildServices(deps: EllisDeps, forwardedBy: Region | undefined) {
  const { config, table, log, clock } = deps
  const client = signedClient(deps.fetch, config.hopSecret, TIMEOUTS.upstreamMs)
  const urls = config.functionUrls[config.region]
  const homestead = homesteadClient(client, urls.dime)
  const homer = homerClient(client, urls.homer)
  const shards = new ShardDirectory({
    table,
    log,
    now: () => clock.now(),
    region: config.region,
    isolate: deps.isolate,
  })
  const peer = peerLink(deps)
  const routing: OwnerRouting = { shards, peer, region: config.region, forwardedBy, log }
  const numberPool = new NumberPool({
    table,
    shards,
    pool: config.pool,
    domain: config.homeDomain,
    log,
    now: () => clock.now(),
    random: Math.random,
  })
  const pool = poolService(numberPool, routing)
  const provisioning: ProvisioningDeps = {
    homestead,
    homer,
    pool,
    table,
    log,
    domain: config.homeDomain,
    dimeUrl: urls.dime,
  }
  return { homestead, homer, shards, peer, routing, numberPool, pool, provisioning }
}

export type EllisServices = ReturnType<typeof buildServices>

/** The services of an API request (forwarding follows the request's signed origin). */
export async function servicesFor(c: EllisContext, deps: EllisDeps): Promise<EllisServices> {
  const meta = await requestMeta(c, deps.config.hopSecret)
  return buildServices(deps, meta.forwardedBy)
}
