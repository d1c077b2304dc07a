/**
 * @module dime/mount
 * Puts Dime's three APIs on a function app: every route behind the trusted zone (only
 * `/healthz`, answered earlier by the function app, is open), identities, Call-IDs and bodies
 * within the limits of request-limits.ts, each answer stating its store
 * round trips in `x-edgewater-round-trips`, then Homestead's signalling API, Homestead-prov and
 * Ralf. The resolver decides where the stores come from, so unit tests mount
 * the same routes over in-memory Vellum adapters.
 */
import type { FunctionApp } from '../../shared/http/function-app'
import { trustedZone } from '../../shared/http/trusted-zone'
import type { DepsResolver } from './dime-deps'
import { homesteadSignalling } from './homestead/homestead-signalling'
import { errorResponse } from './http-util'
import { homesteadProv } from './prov/homestead-prov'
import { ralfApp } from './ralf/ralf'
import { enforceRequestLimits } from './request-limits'

/** Response header stating the request's store round trips (architecture §8 budgets). */
export const ROUND_TRIPS_HEADER = 'x-edgewater-round-trips'

export function mountDime(app: FunctionApp, resolve: DepsResolver): FunctionApp {
  app.use('*', trustedZone())
  app.use('*', enforceRequestLimits())
  app.use('*', async (c, next) => {
    await next()
    const rt = resolve(c).vellum.roundTrips.snapshot()
    const byStore = Object.entries(rt.byStore)
      .map(([k, v]) => `${k}=${v}`)
      .join('; ')
    c.res.headers.set(
      ROUND_TRIPS_HEADER,
      `calls=${rt.calls}; depth=${rt.depth}${byStore ? `; ${byStore}` : ''}`
    )
  })
  app.route('/', homesteadSignalling(resolve))
  app.route('/', homesteadProv(resolve))
  app.route('/', ralfApp(resolve))
  app.notFound((c) => errorResponse(c, 404, `no route for ${c.req.method} ${c.req.path}`))
  return app
}
