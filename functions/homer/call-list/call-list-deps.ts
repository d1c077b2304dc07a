/**
 * @module homer/call-list/call-list-deps
 * The production dependencies of Memento's call-list API, from the function's services: the
 * call-list store over this region's global-table replica, Homer's Ut access checker (digest and
 * the trusted zone), the deployment's API key, and the limits.
 */

import { createVellum } from '../../../shared/vellum'
import { TableCallListStore } from '../../../shared/vellum/call-list-store'
import type { HomerContext, HomerDeps } from '../homer-deps'
import { callListLimits } from './call-list-config'
import type { CallListDeps } from './call-list-routes'

export function callListDeps(c: HomerContext, homer: HomerDeps): CallListDeps {
  const services = c.get('services')
  return {
    store: new TableCallListStore(createVellum(services).table),
    access: homer.access,
    apiKey: services.env.ELLIS_API_KEY,
    limits: callListLimits(c.env ?? {}),
    log: services.log,
  }
}
