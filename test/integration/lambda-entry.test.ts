/**
 * The code that runs in Lambda: each function's lambda.ts, imported in process with the
 * environment a deployment gives it (settings in plain variables, secrets only in a Secrets
 * Manager secret, served here by a stand-in that checks the SigV4 request), against the local
 * cloud's stores. Function-URL events (payload format 2.0) and the Scheduler's direct invocation
 * of the timers function.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { settingsFromEnv } from '../../infra/local/contract'
import { functionBindings } from '../../infra/local/function-bindings'
import { SECRET_IDS_VAR, SECRETS_ENDPOINT_VAR } from '../../shared/config/lambda-secrets'
import { FUNCTIONS } from '../../shared/config/regions'
import { newTimerId } from '../../shared/vellum/timer-service'

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:edgewater/a/core-AbCdEf'
const SECRET_KEYS = [
  'HOP_SECRET',
  'KV_TOKEN',
  'KV_REMOTE_TOKEN',
  'SIGNUP_CODE',
  'ELLIS_API_KEY',
  'ELLIS_COOKIE_SECRET',
]

type Handler = (
  event: unknown,
  context: unknown
) => Promise<{ statusCode?: number; body?: string } & Record<string, unknown>>

let server: Server
const secretReads: { target: string; auth: string; body: string }[] = []
const saved = { ...process.env }

function urlEvent(method: string, path: string) {
  const host = 'abcdefghijklmnop.lambda-url.eu-west-1.on.aws'
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { host, 'x-forwarded-proto': 'https', 'user-agent': 'lambda-entry-test' },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefghijklmnop',
      domainName: host,
      domainPrefix: 'abcdefghijklmnop',
      http: {
        method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'lambda-entry-test',
      },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '07/Dec/2026:08:00:00 +0000',
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
  }
}

beforeAll(async () => {
  const bindings = functionBindings(settingsFromEnv(), 'a')
  const secret = Object.fromEntries(SECRET_KEYS.map((k) => [k, bindings[k]!]))
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => {
      secretReads.push({
        target: String(req.headers['x-amz-target']),
        auth: String(req.headers.authorization),
        body,
      })
      res.setHeader('content-type', 'application/x-amz-json-1.1')
      res.end(JSON.stringify({ ARN: SECRET_ARN, SecretString: JSON.stringify(secret) }))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  for (const k of SECRET_KEYS) delete bindings[k]
  Object.assign(process.env, bindings, {
    [SECRET_IDS_VAR]: SECRET_ARN,
    [SECRETS_ENDPOINT_VAR]: `http://127.0.0.1:${port}/`,
    AWS_SESSION_TOKEN: 'session',
  })
  for (const k of SECRET_KEYS) delete process.env[k]
})

afterAll(async () => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k]
  Object.assign(process.env, saved)
  await new Promise((r) => server.close(r))
})

describe('Lambda entries', () => {
  it.each(FUNCTIONS)(
    '%s: a function-URL event reaches the app, with secrets read once at cold start',
    async (fn) => {
      const before = secretReads.length
      const { handler } = (await import(`../../functions/${fn}/lambda.ts`)) as { handler: Handler }
      // The cold start read the secret once, signed (SigV4) with the function's credentials.
      expect(secretReads.length).toBe(before + 1)
      expect(secretReads.at(-1)).toMatchObject({ target: 'secretsmanager.GetSecretValue' })
      expect(secretReads.at(-1)!.auth).toMatch(
        /^AWS4-HMAC-SHA256 Credential=.*\/eu-west-1\/secretsmanager\/aws4_request/
      )
      expect(JSON.parse(secretReads.at(-1)!.body)).toEqual({ SecretId: SECRET_ARN })
      const res = await handler(urlEvent('GET', '/healthz'), {})
      expect(res.statusCode).toBe(200)
      expect(JSON.parse(res.body!)).toMatchObject({ function: fn, region: 'a', ok: true })
      // A second invocation reuses the loaded configuration: no further secret read.
      await handler(urlEvent('GET', '/healthz'), {})
      expect(secretReads.length).toBe(before + 1)
    }
  )

  it('refuses an unsigned request to an internal route, as deployed (function URL auth NONE)', async () => {
    const { handler } = (await import('../../functions/dime/lambda.ts')) as { handler: Handler }
    const res = await handler(urlEvent('GET', '/impi/alice%40example.com/av'), {})
    expect(res.statusCode).toBe(401)
  })

  it('timers: a Scheduler invocation (the schedule Input as the event) is handled as a signed pop', async () => {
    const { handler } = (await import('../../functions/timers/lambda.ts')) as { handler: Handler }
    // A pop of a timer no one set: the pop handler finds no record and reports it stale.
    const out = await handler(
      { kind: 'edgewater-timer-pop', id: newTimerId(), generation: 1, seq: 0 },
      {}
    )
    expect(out).toMatchObject({ status: 'stale' })
  })
})
