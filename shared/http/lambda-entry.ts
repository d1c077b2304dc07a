/**
 * @module lambda-entry
 * Adapts a function app to AWS Lambda with hono's adapter, passing `process.env` as the
 * bindings so the app reads its configuration the same way it does under workerd. The
 * configuration is parsed at cold start, so a missing setting or a dev secret outside the local
 * cloud stops the Lambda from starting (its init error names the variable).
 */
import type { Hono } from 'hono'
import { handle } from 'hono/aws-lambda'
import { parseFunctionEnv } from '../config/function-env'
import type { FunctionBindings } from './function-app'

export function lambdaHandler(app: Hono<FunctionBindings>) {
  const env = { ...process.env }
  parseFunctionEnv(env)
  const adapted = { fetch: (req: Request) => app.fetch(req, env) } as unknown as Hono
  return handle(adapted)
}
