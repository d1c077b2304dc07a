import { Hono } from 'hono'
import { afterAll, describe, expect, it } from 'vitest'
import { unitTestEnv } from '../../test/support/unit-env'
import { EMF_NAMESPACE } from '../metrics/emf'
import { metrics } from '../metrics/isolate'
import type { FunctionBindings } from './function-app'
import { lambdaHandler } from './lambda-entry'

const saved = { ...process.env }
afterAll(() => {
  process.env = saved
})

function urlEvent(path: string) {
  const host = 'abc.lambda-url.eu-west-1.on.aws'
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { host, 'x-forwarded-proto': 'https' },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abc',
      domainName: host,
      domainPrefix: 'abc',
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 't' },
      requestId: 'r',
      routeKey: '$default',
      stage: '$default',
      time: '07/Dec/2026:08:00:00 +0000',
      timeEpoch: 0,
    },
    isBase64Encoded: false,
  }
}

describe('Lambda entry metrics', () => {
  it('writes what changed during an invocation as EMF lines, once', async () => {
    process.env = { ...saved, ...unitTestEnv(), AWS_LAMBDA_FUNCTION_NAME: 'edgewater-sprout-a' }
    const app = new Hono<FunctionBindings>()
    app.get('/register', (c) => {
      metrics.registrations.inc({ kind: 'initial' })
      return c.text('ok')
    })
    const lines: string[] = []
    const handler = lambdaHandler(app, { write: (l) => lines.push(l), now: () => 1_234 })
    type Invoke = (e: unknown, ctx: unknown) => Promise<{ statusCode?: number }>
    const invoke = handler as unknown as Invoke
    expect((await invoke(urlEvent('/register'), {})).statusCode).toBe(200)
    const docs = lines.map((l) => JSON.parse(l))
    const reg = docs.find((d) => 'edgewater_registrations_total' in d)
    expect(reg).toMatchObject({
      _aws: { Timestamp: 1_234, CloudWatchMetrics: [{ Namespace: EMF_NAMESPACE }] },
      Region: 'a',
      Component: 'edgewater-sprout-a',
      Kind: 'initial',
      edgewater_registrations_total: 1,
    })
    lines.length = 0
    await invoke(urlEvent('/nothing'), {})
    expect(lines.filter((l) => l.includes('edgewater_registrations_total'))).toEqual([])
  })
})
