/**
 * @module ellis/app
 * Ellis: sign-up, login, numbers and MMTEL settings (REST API under `/api`, docs/ellis.md).
 * One hono app, exported once; `worker.ts` and `lambda.ts` adapt it to each runtime. The routes
 * live in routes-*.ts and are mounted by mount.ts; the production dependencies come from the
 * function's services (production-deps.ts).
 */
import { createFunctionApp } from '../../shared/http/function-app'
import { mountEllis } from './mount'
import { productionDeps } from './production-deps'

export const app = mountEllis(createFunctionApp('ellis'), productionDeps)

export default app
