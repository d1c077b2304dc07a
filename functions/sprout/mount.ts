/**
 * @module sprout/mount
 * Puts Sprout's entrances on a function app, every one in the trusted zone (`/healthz`, answered
 * earlier by the function app, is open): `POST /sip` with the registrar's SIP handlers (routing
 * adds its handlers to the same lists), the registrar's timer and flow-closure callbacks, the
 * management and HSS-push API, and the local cloud's test application server. The factory
 * decides where the stores and clients come from, so unit tests mount the same routes over
 * in-memory Vellum and an in-process Dime.
 */
import type { FunctionApp } from '../../shared/http/function-app'
import { trustedZone } from '../../shared/http/trusted-zone'
import { adminRoutes } from './admin'
import { registrarRoutes } from './registrar/registrar-routes'
import { registrarSipHandlers } from './registrar/registrar-sip'
import { routingRoutes } from './routing/routing-routes'
import { type SipHandlers, sipInbox } from './sip-inbox'
import type { SproutDepsFactory } from './sprout-deps'
import { testAsRoutes } from './test-as'

export function mountSprout(
  app: FunctionApp,
  factory: SproutDepsFactory,
  extra?: SipHandlers
): FunctionApp {
  const reg = registrarSipHandlers()
  const handlers: SipHandlers = {
    requests: [...reg.requests, ...(extra?.requests ?? [])],
    responses: [...reg.responses, ...(extra?.responses ?? [])],
  }
  app.use('*', trustedZone())
  app.post('/sip', sipInbox(factory, handlers))
  app.route('/', registrarRoutes(factory))
  app.route('/', adminRoutes(factory))
  app.route('/', routingRoutes(factory))
  app.route('/', testAsRoutes(factory))
  app.notFound((c) =>
    c.json({ error: 'not found', reason: `no route for ${c.req.method} ${c.req.path}` }, 404)
  )
  return app
}
