/**
 * @module sprout/mount
 * Puts Sprout's entrances on a function app, every one in the trusted zone (`/healthz`, answered
 * earlier by the function app, is open): `POST /sip` with one list of SIP handlers (the
 * registrar's and reg-event's first, call routing last for requests and first for responses:
 * see routing/routing-sip.ts), the registrar's timer and flow-closure callbacks, the management
 * and HSS-push API, routing's HTTP entrances, and the local cloud's test application server. The
 * factory decides where the stores and clients come from, so unit tests mount the same routes
 * over in-memory Vellum and an in-process Dime.
 */
import type { FunctionApp } from '../../shared/http/function-app'
import { trustedZone } from '../../shared/http/trusted-zone'
import { adminRoutes } from './admin'
import { registrarRoutes } from './registrar/registrar-routes'
import { registrarSipHandlers } from './registrar/registrar-sip'
import { icscfRegisterResponses } from './routing/icscf-register'
import { routingRoutes } from './routing/routing-routes'
import { routingRequests, routingResponses } from './routing/routing-sip'
import type { SipHandlers } from './sip-handlers'
import { sipInbox } from './sip-inbox'
import type { SproutDepsFactory } from './sprout-deps'
import { callAsRoutes } from './test-as/call-as'
import { testAsRoutes } from './test-as/register-as'
import { traceRoutes } from './trace/trace-routes'

/** Sprout's SIP handlers in dispatch order (the first that accepts a message takes it). */
export function sproutSipHandlers(): SipHandlers {
  const reg = registrarSipHandlers()
  return {
    requests: [...reg.requests, routingRequests],
    responses: [icscfRegisterResponses, routingResponses, ...reg.responses],
  }
}

export function mountSprout(app: FunctionApp, factory: SproutDepsFactory): FunctionApp {
  const handlers = sproutSipHandlers()
  app.use('*', trustedZone())
  app.post('/sip', sipInbox(factory, handlers))
  app.route('/', registrarRoutes(factory))
  app.route('/', adminRoutes(factory))
  app.route('/', routingRoutes(factory))
  app.route('/', traceRoutes(factory))
  // The local cloud's application servers (test-as/; off unless SPROUT_TEST_AS=1).
  app.route('/', testAsRoutes(factory))
  app.route('/', callAsRoutes(factory))
  app.notFound((c) =>
    c.json({ error: 'not found', reason: `no route for ${c.req.method} ${c.req.path}` }, 404)
  )
  return app
}
