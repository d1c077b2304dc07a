/**
 * @module sprout/app
 * Sprout: registrar, authentication, S-CSCF/I-CSCF routing, iFC/ISC and the built-in MMTEL services.
 * One hono app, exported once; `worker.ts` and `lambda.ts` adapt it to each runtime.
 */
import { createFunctionApp } from '../../shared/http/function-app'

export const app = createFunctionApp('sprout')

export default app
