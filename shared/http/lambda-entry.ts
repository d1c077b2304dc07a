/**
 * @module lambda-entry
 * Adapts a function app to AWS Lambda with hono's adapter, passing `process.env` as the
 * bindings so the app reads its configuration the same way it does under workerd.
 */
import type { Hono } from 'hono'
import { handle } from 'hono/aws-lambda'
import type { FunctionBindings } from './function-app'

export function lambdaHandler(app: Hono<FunctionBindings>) {
  const env = { ...process.env }
  const adapted = { fetch: (req: Request) => app.fetch(req, env) } as unknown as Hono
  return handle(adapted)
}
