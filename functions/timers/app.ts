/**
 * @module timers/app
 * Timers: the Chronos-compatible timer service (architecture §4) for the trusted zone. Routes:
 * the Chronos API (`/timers`), the Scheduler's pop delivery (`/scheduler/fire`) and operations
 * (`/admin/resync`, `/admin/kv-stats`). Everything but `/healthz` must carry the trusted-zone
 * signature. One hono app, exported once; `worker.ts` and `lambda.ts` adapt it per runtime.
 */
import { createFunctionApp } from '../../shared/http/function-app'
import { trustedZone } from '../../shared/http/trusted-zone'
import { registerAdminRoutes } from './admin-routes'
import { registerChronosRoutes } from './chronos-routes'
import { registerSchedulerRoute } from './scheduler-route'

export const app = createFunctionApp('timers')

const signed = trustedZone()
app.use('*', (c, next) => (c.req.path === '/healthz' ? next() : signed(c, next)))

registerChronosRoutes(app)
registerSchedulerRoute(app)
registerAdminRoutes(app)

export default app
