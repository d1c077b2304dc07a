/**
 * @module timers/app
 * Timers: the Chronos-compatible timer service over EventBridge Scheduler.
 * One hono app, exported once; `worker.ts` and `lambda.ts` adapt it to each runtime.
 */
import { createFunctionApp } from '../../shared/http/function-app'

export const app = createFunctionApp('timers')

export default app
