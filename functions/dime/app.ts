/**
 * @module dime/app
 * Dime: Homestead (HSS cache and provisioning) and Ralf (charging).
 * One hono app, exported once; `worker.ts` and `lambda.ts` adapt it to each runtime.
 */
import { createFunctionApp } from '../../shared/http/function-app'

export const app = createFunctionApp('dime')

export default app
