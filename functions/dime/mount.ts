/**
 * @module dime/mount
 * Puts Dime's three APIs on a function app: every route behind the trusted zone (only
 * `/healthz`, answered earlier by the function app, is open), then Homestead's signalling API,
 * Homestead-prov and Ralf. The resolver decides where the stores come from, so unit tests mount
 * the same routes over in-memory Vellum adapters.
 */
import type { FunctionApp } from '../../shared/http/function-app'
import { trustedZone } from '../../shared/http/trusted-zone'
import type { DepsResolver } from './dime-deps'
import { homesteadProv } from './homestead-prov'
import { homesteadSignalling } from './homestead-signalling'
import { errorResponse } from './http-util'
import { ralfApp } from './ralf'

export function mountDime(app: FunctionApp, resolve: DepsResolver): FunctionApp {
  app.use('*', trustedZone())
  app.route('/', homesteadSignalling(resolve))
  app.route('/', homesteadProv(resolve))
  app.route('/', ralfApp(resolve))
  app.notFound((c) => errorResponse(c, 404, `no route for ${c.req.method} ${c.req.path}`))
  return app
}
