/**
 * @module timers/lambda
 * AWS Lambda entry. HTTP events (function URL / API Gateway) go to the hono app. EventBridge
 * Scheduler invokes the function directly with a pop schedule's Input as the event (IAM is the
 * trust there); that event is handed to the same `/scheduler/fire` route, signed with the
 * deployment's secret like any internal hop. A 503 (the other region is delivering this pop)
 * fails the invocation, so the Scheduler retries it.
 */

import { parseFunctionEnv } from '../../shared/config/function-env'
import { loadColdStartSecrets } from '../../shared/config/lambda-secrets'
import { signedInit } from '../../shared/hop/signed-fetch'
import { lambdaHandler } from '../../shared/http/lambda-entry'
import { isPopInput } from '../../shared/vellum/timer-schedules'
import app from './app'
import { SCHEDULER_FIRE_PATH } from './scheduler-route'

// Secrets from Secrets Manager, once per cold start (shared/config/lambda-secrets.ts).
await loadColdStartSecrets(process.env)
const http = lambdaHandler(app)

export const handler = async (event: unknown, context: unknown) => {
  if (!isPopInput(event))
    return (http as (e: unknown, c: unknown) => Promise<unknown>)(event, context)
  // Signed for this function's own address, the only target its trusted zone accepts.
  const env = parseFunctionEnv(process.env)
  const url = `${env.FUNCTION_URLS[env.REGION].timers}${SCHEDULER_FIRE_PATH}`
  const body = JSON.stringify(event)
  const secret = env.HOP_SECRET
  const res = await app.fetch(
    new Request(
      url,
      await signedInit(secret, url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
    ),
    { ...process.env }
  )
  const text = await res.text()
  if (res.status >= 500) throw new Error(`timer pop not handled (${res.status}): ${text}`)
  return JSON.parse(text) as unknown
}
