/**
 * @module homer/call-list/call-list-deps
 * The production dependencies of Memento's call-list API, from the function's services: the
 * call-list store over this region's global-table replica, Homer's Ut access checker (digest and
 * the trusted zone), the deployment's API key with its guard (one set of refused sources per
 * isolate), the caller's source, and the limits.
 */

import { API_KEY_FAILURE_WINDOW_S, type RefusedSources } from '../../../shared/http/api-key-guard'
import { createVellum } from '../../../shared/vellum'
import { TableCallListStore } from '../../../shared/vellum/call-list-store'
import { clientSource } from '../client-source'
import type { HomerContext, HomerDeps } from '../homer-deps'
import { callListLimits } from './call-list-config'
import type { CallListDeps } from './call-list-routes'

/** Sources this isolate refuses after their wrong keys (shared/http/api-key-guard.ts). */
const refusedKeySources: RefusedSources = new Map()

export function callListDeps(c: HomerContext, homer: HomerDeps): CallListDeps {
  const services = c.get('services')
  const vellum = createVellum(services)
  const limits = callListLimits(c.env ?? {})
  return {
    store: new TableCallListStore(vellum.table),
    access: homer.access,
    apiKeyGuard: {
      kv: vellum.kv,
      clock: services.clock,
      log: services.log,
      limits: { failures: limits.apiKeyFailures, windowS: API_KEY_FAILURE_WINDOW_S },
      refused: refusedKeySources,
      apiKey: services.env.ELLIS_API_KEY,
    },
    source: clientSource,
    limits,
    log: services.log,
  }
}
