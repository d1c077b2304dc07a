/**
 * @module sprout/production-deps
 * The composition root's {@link SproutDepsFactory}: Sprout's configuration from its raw
 * bindings, Vellum's production adapters with this request's round-trip counter, Homestead
 * (in process over those adapters, or the client of this region's Dime failing over to the other
 * region's: `SPROUT_HSS_MODE`, hss-mode.ts), and the internal-hop
 * sender over the resolver (functions, the edge's flows, the application servers of `AS_URLS`
 * and the SIP trunk adapters of `TRUNK_URLS`, routing-config.ts).
 */
import { probeOrigin } from '../../shared/hop/hop-liveness'
import { createResolver } from '../../shared/hop/resolver'
import { createVellum } from '../../shared/vellum'
import { createSproutHss } from './hss-mode'
import { parseRoutingConfig } from './routing/routing-config'
import { createSipSender } from './sip-sender'
import { parseSproutConfig } from './sprout-config'
import { type SproutDepsFactory, scscfUri } from './sprout-deps'

/** The header the edge names a client's address in on the signed hop (docs/internal-hop.md). */
export const CLIENT_IP_HEADER = 'x-edgewater-client-ip'

function clientAddressOf(v: string | undefined): { clientAddress?: string } {
  const a = v?.trim()
  return a && a !== 'unknown' && a.length <= 64 ? { clientAddress: a } : {}
}

export const productionDeps: SproutDepsFactory = (c) => {
  const s = c.get('services')
  const { env, log, clock } = s
  const config = parseSproutConfig(c.env ?? {})
  const resolver = createResolver({
    functionUrls: env.FUNCTION_URLS,
    edgeUrl: env.EDGE_URL,
    applicationServers: config.AS_URLS,
    trunks: parseRoutingConfig(c.env ?? {}).trunkUrls,
  })
  const vellum = createVellum(s)
  return {
    region: env.REGION,
    homeDomain: env.HOME_DOMAIN,
    config,
    clock,
    log,
    vellum,
    hss: createSproutHss({
      config,
      raw: c.env ?? {},
      homeDomain: env.HOME_DOMAIN,
      region: env.REGION,
      urls: env.FUNCTION_URLS,
      hopSecret: env.HOP_SECRET,
      serverName: scscfUri(env.REGION),
      vellum,
      clock,
      log,
    }),
    sender: createSipSender({
      resolver,
      secret: env.HOP_SECRET,
      log,
      ...(config.HOP_PROBE_MS > 0
        ? {
            slow: (url: string) =>
              probeOrigin(url, config.HOP_PROBE_MS, config.HOP_ANSWER_LIMIT_MS),
          }
        : {}),
    }),
    sproutUrl: env.FUNCTION_URLS[env.REGION].sprout.replace(/\/+$/, ''),
    nonceSecret: env.HOP_SECRET,
    ...clientAddressOf(c.req.header(CLIENT_IP_HEADER)),
    defer: (task) => {
      task().catch((err) => log.warn('background work failed', { error: String(err) }))
    },
  }
}
