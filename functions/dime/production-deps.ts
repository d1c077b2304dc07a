/**
 * @module dime/production-deps
 * The production {@link DepsResolver}: Vellum's adapters built from the function's services for
 * this request, Dime's configuration from the bindings, and the runtime's `fetch`. One set per
 * request (memoised on the request), so the round-trip counter covers exactly one request.
 */
import { createVellum } from '../../shared/vellum/factory'
import { dimeConfig } from './dime-config'
import type { DepsResolver, DimeDeps } from './dime-deps'

const perRequest = new WeakMap<Request, DimeDeps>()

export const productionDeps: DepsResolver = (c) => {
  const hit = perRequest.get(c.req.raw)
  if (hit) return hit
  const services = c.get('services')
  const deps: DimeDeps = {
    vellum: createVellum(services),
    clock: services.clock,
    log: services.log,
    config: dimeConfig(services.env, c.env ?? {}),
    fetch: (input, init) => fetch(input, init),
  }
  perRequest.set(c.req.raw, deps)
  return deps
}
