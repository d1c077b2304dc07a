/**
 * @module ellis/app
 * Ellis: sign-up, login, numbers and MMTEL settings (REST API).
 * One hono app, exported once; `worker.ts` and `lambda.ts` adapt it to each runtime.
 */
import { createFunctionApp } from '../../shared/http/function-app'

export const app = createFunctionApp('ellis')

export default app
