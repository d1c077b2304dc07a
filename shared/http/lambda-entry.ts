/**
 * @module lambda-entry
 * Adapts a function app to AWS Lambda with hono's adapter, passing `process.env` as the
 * bindings so the app reads its configuration the same way it does under workerd. The
 * configuration is parsed at cold start, so a missing setting or a dev secret outside the local
 * cloud stops the Lambda from starting (its init error names the variable). After each
 * invocation the metrics that changed are written as CloudWatch EMF lines on stdout
 * (shared/metrics/emf.ts, docs/operations.md#metrics): no store operation, no API call.
 */
import type { Hono } from 'hono'
import { handle } from 'hono/aws-lambda'
import { parseFunctionEnv } from '../config/function-env'
import { toEmfLines } from '../metrics/emf'
import { createDeltaFlusher } from '../metrics/flush'
import { isolateRegistry } from '../metrics/isolate'
import type { FunctionBindings } from './function-app'

export function lambdaHandler(
  app: Hono<FunctionBindings>,
  opts: { write?: (line: string) => void; now?: () => number } = {}
) {
  const env = { ...process.env }
  const parsed = parseFunctionEnv(env)
  const adapted = { fetch: (req: Request) => app.fetch(req, env) } as unknown as Hono
  const handler = handle(adapted)
  const flusher = createDeltaFlusher(isolateRegistry)
  const write = opts.write ?? ((line: string) => process.stdout.write(`${line}\n`))
  const now = opts.now ?? Date.now
  const component = env.AWS_LAMBDA_FUNCTION_NAME ?? 'function'
  const flush = () => {
    for (const line of toEmfLines(flusher.take(), {
      region: parsed.REGION,
      component,
      timestamp: now(),
    }))
      write(line)
  }
  return (async (...args: Parameters<typeof handler>) => {
    try {
      return await handler(...args)
    } finally {
      flush()
    }
  }) as typeof handler
}
