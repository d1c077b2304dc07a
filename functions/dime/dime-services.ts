/**
 * @module dime/dime-services
 * Wires Dime's domain objects from its dependencies, once per request (the Vellum round-trip
 * counter is per request): the subscriber store and cache, the reg-data state machine, the HSS
 * queries, provisioning with its reconciler and Sprout pushes, and Ralf with the CDR store and
 * the CDF client. Also the error handler the sub-apps share: a store that cannot be reached is
 * 503 (the caller may try the other region), never a 4xx.
 */
import type { ErrorHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { HssQueries } from '../../shared/homestead/hss-queries'
import { RegDataService } from '../../shared/homestead/reg-data-service'
import { SubscriberCache } from '../../shared/homestead/subscriber-cache'
import { SubscriberStore } from '../../shared/homestead/subscriber-store'
import type { FunctionBindings } from '../../shared/http/function-app'
import { createLogger } from '../../shared/log/logger'
import { Unavailable } from '../../shared/vellum/errors'
import type { DimeDeps } from './dime-deps'
import { SproutPush } from './homestead/sprout-push'
import { ProvReconciler } from './prov/prov-reconcile'
import { ProvisioningService } from './prov/prov-service'
import { CdfClient } from './ralf/cdf-client'
import { CdrStore } from './ralf/cdr-store'
import { RalfService } from './ralf/ralf-service'

export function homestead(d: DimeDeps) {
  const now = () => d.clock.now()
  const store = new SubscriberStore(d.vellum.table, d.clock)
  const cache = new SubscriberCache(d.vellum.kv, store, now)
  const push = new SproutPush(d.config.sproutUrl, d.config.hopSecret, d.fetch, d.log)
  const reconciler = new ProvReconciler(store, cache, push, d.log)
  return {
    store,
    cache,
    regData: new RegDataService(cache, store, now),
    hss: new HssQueries(cache, d.config),
    prov: new ProvisioningService(store, cache, reconciler, now),
  }
}

export function ralf(d: DimeDeps) {
  const cdrs = new CdrStore(d.vellum.table)
  const cdf = new CdfClient(d.config.cdfUrl, d.fetch, d.log)
  return {
    cdrs,
    service: new RalfService(d.vellum.kv, d.vellum.timers, cdrs, cdf, d.config, d.clock, d.log),
  }
}

export const dimeErrorHandler: ErrorHandler<FunctionBindings> = (err, c) => {
  if (err instanceof HTTPException) return err.getResponse()
  const log = c.get('services')?.log ?? createLogger({ component: 'dime' })
  if (err instanceof Unavailable) {
    log.warn('store unavailable', { error: err, path: c.req.path })
    c.header('Retry-After', '0')
    return c.json({ error: 'service unavailable', reason: `${err.store} unavailable` }, 503)
  }
  log.error('unhandled error', { error: err, path: c.req.path })
  return c.json({ error: 'internal error', reason: 'internal error' }, 500)
}
