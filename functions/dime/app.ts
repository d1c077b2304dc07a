/**
 * @module dime/app
 * Dime: Homestead (HSS cache, registration state and provisioning) and Ralf (charging) as one
 * function (docs/dime.md). One hono app, exported once; `worker.ts` and `lambda.ts` adapt it to
 * each runtime. The routes live in homestead-signalling.ts, homestead-prov.ts and ralf.ts.
 */
import { createFunctionApp } from '../../shared/http/function-app'
import { mountDime } from './mount'
import { productionDeps } from './production-deps'

export const app = mountDime(createFunctionApp('dime'), productionDeps)

export default app
