/**
 * @module ellis/routes/routes-admin
 * Operator routes (API key only) and the API's own description: `GET /api/shards` (who owns each
 * shard, with epochs), `POST /api/shards/rebalance` (move shards home now rather than at the next
 * periodic check), `GET /api/outbox/<email>` (mail the outbox mailer kept; 404 when a real mail
 * webhook is configured), plus `GET /api/ping` ("OK", Clearwater's liveness probe), the OpenAPI
 * document and its browsable page.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import type { FunctionBindings } from '../../../shared/http/function-app'
import { EllisError } from '../api-errors'
import { EmailParam, OutboxAnswer, RebalanceAnswer, ShardsAnswer } from '../api-schemas'
import { requireAdmin } from '../auth'
import { DOCS_HTML, DOCS_JS } from '../docs-page'
import type { EllisContext, EllisDeps } from '../ellis-deps'
import { servicesFor } from '../ellis-services'
import { readOutbox } from '../mailer'
import { rebalance } from '../shard-owner'
import { errorAnswers, jsonAnswer, type RouteTable } from './route-kit'

async function shards(c: EllisContext, deps: EllisDeps) {
  await requireAdmin(c, deps)
  const s = await servicesFor(c, deps)
  const row = (r: { shard: number; owner: 'a' | 'b'; home: 'a' | 'b'; epoch: number }) => ({
    shard: r.shard,
    owner: r.owner,
    home: r.home,
    epoch: r.epoch,
  })
  const [numbers, accounts] = await Promise.all([
    s.shards.records('numbers', true),
    s.shards.records('accounts', true),
  ])
  return c.json(
    { region: deps.config.region, numbers: numbers.map(row), accounts: accounts.map(row) },
    200
  )
}

async function rebalanceNow(c: EllisContext, deps: EllisDeps) {
  await requireAdmin(c, deps)
  const s = await servicesFor(c, deps)
  return c.json(
    await rebalance(s.shards, s.peer, deps.config.region, deps.config.peer, deps.log),
    200
  )
}

async function outbox(c: EllisContext, deps: EllisDeps) {
  await requireAdmin(c, deps)
  if (deps.mailer.kind !== 'outbox')
    throw new EllisError(404, 'mail is delivered by the webhook; there is no outbox')
  return c.json({ messages: await readOutbox(deps.kv, c.req.param('email') ?? '') }, 200)
}

export function adminRoutes(t: RouteTable): void {
  const admin = errorAnswers({ 403: 'Needs the NGV-API-Key header' })
  t.add(
    createRoute({
      method: 'get',
      path: '/api/ping',
      tags: ['meta'],
      summary: 'Liveness: "OK"',
      responses: {
        200: { description: 'OK', content: { 'text/plain': { schema: { type: 'string' } } } },
      },
    }),
    (c) => c.text('OK', 200)
  )
  t.add(
    createRoute({
      method: 'get',
      path: '/api/shards',
      tags: ['admin'],
      summary: 'Shard ownership of the number pool and account e-mails',
      responses: { 200: jsonAnswer('Owners and epochs', ShardsAnswer), ...admin },
    }),
    shards
  )
  t.add(
    createRoute({
      method: 'post',
      path: '/api/shards/rebalance',
      tags: ['admin'],
      summary: 'Move shards back to their home regions now',
      responses: { 200: jsonAnswer('What moved', RebalanceAnswer), ...admin },
    }),
    rebalanceNow
  )
  t.add(
    createRoute({
      method: 'get',
      path: '/api/outbox/{email}',
      tags: ['admin'],
      summary: 'Mail kept by the outbox mailer for an address (local cloud, operators)',
      request: { params: EmailParam },
      responses: { 200: jsonAnswer('Latest messages', OutboxAnswer), ...admin },
    }),
    outbox
  )
}

/** `/api/openapi.json` and `/api/docs` (+ its script), generated from the route table. */
export function documentationRoutes(api: OpenAPIHono<FunctionBindings>): void {
  api.get('/api/openapi.json', (c) =>
    c.json(
      api.getOpenAPI31Document({
        openapi: '3.1.0',
        info: {
          title: 'Edgewater Ellis API',
          version: '1.0.0',
          description:
            'Provisioning API of Edgewater: accounts, sessions, numbers, SIP passwords, MMTEL settings. Compatible with Clearwater Ellis.',
        },
        servers: [{ url: new URL(c.req.url).origin }],
        components: {
          securitySchemes: {
            apiKey: { type: 'apiKey', in: 'header', name: 'NGV-API-Key' },
            session: { type: 'apiKey', in: 'cookie', name: 'username' },
          },
        },
      } as Parameters<typeof api.getOpenAPI31Document>[0])
    )
  )
  api.get('/api/docs', (c) => c.html(DOCS_HTML))
  api.get('/api/docs.js', (c) =>
    c.body(DOCS_JS, 200, { 'content-type': 'text/javascript; charset=utf-8' })
  )
}
