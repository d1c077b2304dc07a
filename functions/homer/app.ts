/**
 * @module homer/app
 * Homer: the XCAP server for MMTEL service settings (simservs), clearwater-interfaces §3.
 * One hono app, exported once; `worker.ts` and `lambda.ts` adapt it to each runtime. This file
 * only composes: the production dependencies come from the function's services (Vellum's
 * adapters, the deployment clock, Dime over signed HTTP); the routes live in xcap-routes.ts.
 */
import { createFunctionApp } from '../../shared/http/function-app'
import { functionHopKeys } from '../../shared/http/trusted-zone'
import { createVellum } from '../../shared/vellum'
import { callListDeps } from './call-list/call-list-deps'
import { createCallListRoutes } from './call-list/call-list-routes'
import { createDimeClient } from './dime-client'
import { utLimits } from './homer-config'
import { buildHomerDeps, type DepsResolver } from './homer-deps'
import { createHomerRoutes } from './xcap-routes'

const productionDeps: DepsResolver = (c) => {
  const services = c.get('services')
  const { env, clock, log } = services
  const vellum = createVellum(services)
  return buildHomerDeps({
    table: vellum.table,
    kv: vellum.kv,
    clock,
    log,
    directory: createDimeClient({
      region: env.REGION,
      urls: env.FUNCTION_URLS,
      hopSecret: env.HOP_SECRET,
      log,
    }),
    hopSecret: functionHopKeys(env, 'homer'),
    realm: env.HOME_DOMAIN,
    roundTrips: vellum.roundTrips,
    utLimits: utLimits(c.env ?? {}),
    // Documents are written in their home region (xcap-owner.ts, docs/geo-redundancy.md).
    owner: {
      region: env.REGION,
      urls: env.FUNCTION_URLS,
      hopSecret: env.HOP_SECRET,
      log,
    },
  })
}

export const app = createFunctionApp('homer')
app.route('/', createHomerRoutes(productionDeps))
// Memento's call-list API (call-list/call-list-routes.ts).
app.route(
  '/',
  createCallListRoutes((c) => callListDeps(c, productionDeps(c)))
)

export default app
