/**
 * @module homer/app
 * Homer: the XCAP server for MMTEL service settings (simservs).
 * One hono app, exported once; `worker.ts` and `lambda.ts` adapt it to each runtime.
 */
import { createFunctionApp } from '../../shared/http/function-app'

export const app = createFunctionApp('homer')

export default app
