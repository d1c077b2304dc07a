/**
 * @module sprout/app
 * Sprout: registrar, authentication, S-CSCF/I-CSCF routing, iFC/ISC and the built-in MMTEL services.
 * One hono app, exported once; `worker.ts` and `lambda.ts` adapt it to each runtime. The routes
 * live in mount.ts and the modules it names; this file only composes them with the production
 * dependencies.
 */
import { createFunctionApp } from '../../shared/http/function-app'
import { mountSprout } from './mount'
import { productionDeps } from './production-deps'

export const app = mountSprout(createFunctionApp('sprout'), productionDeps)

export default app
