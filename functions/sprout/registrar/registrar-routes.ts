/**
 * @module sprout/registrar/registrar-routes
 * The registrar's HTTP entrances besides `/sip`, all in the trusted zone: the timer callbacks
 * (`POST /timers/registrar` for binding and subscription expiry, `POST /authentication-timeout`,
 * clearwater-interfaces §5.10, Chronos pop format §4.1: opaque body, answered within 2 s) and
 * the edge's flow-closure notice (`POST /flows/<token>/closed`, JSON `{aor?, instance?}`) and
 * lapse notice (`POST /flows/<token>/expired`, JSON `{aor}`, flow-expiry.ts).
 * Bodies are validated with zod; a bad one is 400 with the reason.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { flowExpiredRequest } from '../../../shared/hop/flow-expiry'
import type { FunctionBindings } from '../../../shared/http/function-app'
import { DeferredWork } from '../deferred-work'
import type { SproutDepsFactory } from '../sprout-deps'
import { onFlowClosed } from './flow-closure'
import { onFlowExpired } from './flow-expiry'
import { RegistrarServices } from './registrar-services'
import { AUTH_TIMEOUT_PATH, BINDING_TIMER_PATH } from './registrar-timers'
import { onBindingPop, onSubscriptionPop, onSweep } from './timer-pops'

const param = z.tuple([z.string(), z.string().nullable()])
const popBody = z.discriminatedUnion('k', [
  z.object({
    k: z.literal('binding'),
    aor: z.string().min(1),
    id: z.string().min(1),
    v: z.number(),
    uri: z.string(),
    params: z.array(param),
    instance: z.string().optional(),
  }),
  z.object({ k: z.literal('subscription'), aor: z.string().min(1), tag: z.string().min(1) }),
  z.object({
    k: z.literal('sweep-binding'),
    aor: z.string().min(1),
    id: z.string().min(1),
    v: z.number(),
  }),
  z.object({
    k: z.literal('sweep-subscription'),
    aor: z.string().min(1),
    id: z.string().min(1),
    v: z.number(),
  }),
])
const authBody = z.object({
  impi: z.string().min(1),
  impu: z.string().min(1),
  nonce: z.string().min(1),
})
const flowBody = z.object({ aor: z.string().optional(), instance: z.string().optional() })

function parse<T>(
  schema: z.ZodType<T>,
  text: string
): { ok: true; value: T } | { ok: false; reason: string } {
  let json: unknown
  try {
    json = text === '' ? {} : JSON.parse(text)
  } catch {
    return { ok: false, reason: 'body is not JSON' }
  }
  const r = schema.safeParse(json)
  if (r.success) return { ok: true, value: r.data }
  return {
    ok: false,
    reason: r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
  }
}

function waitUntilOf(c: { executionCtx: { waitUntil(p: Promise<unknown>): void } }) {
  try {
    const ec = c.executionCtx
    return (p: Promise<unknown>) => ec.waitUntil(p)
  } catch {
    return undefined
  }
}

export function registrarRoutes(factory: SproutDepsFactory): Hono<FunctionBindings> {
  const app = new Hono<FunctionBindings>()

  app.post(BINDING_TIMER_PATH, async (c) => {
    const body = parse(popBody, await c.req.text())
    if (!body.ok) return c.json({ error: 'bad timer body', reason: body.reason }, 400)
    const work = new DeferredWork(c.get('services').log)
    const svc = new RegistrarServices({ ...factory(c), defer: (t) => work.add(t) })
    const b = body.value
    const outcome =
      b.k === 'binding'
        ? await onBindingPop(svc, b)
        : b.k === 'subscription'
          ? await onSubscriptionPop(svc, b)
          : await onSweep(svc, b)
    await work.settle(waitUntilOf(c))
    return c.json({ outcome })
  })

  // Digest challenges are stateless (auth/nonce.ts): an authentication-timeout pop armed by an
  // older deployment finds nothing to report and is acknowledged.
  app.post(AUTH_TIMEOUT_PATH, async (c) => {
    const body = parse(authBody, await c.req.text())
    if (!body.ok) return c.json({ error: 'bad timer body', reason: body.reason }, 400)
    return c.json({ outcome: 'kept' })
  })

  app.post('/flows/:token/closed', async (c) => {
    const body = parse(flowBody, await c.req.text())
    if (!body.ok) return c.json({ error: 'bad flow-closure body', reason: body.reason }, 400)
    const work = new DeferredWork(c.get('services').log)
    const svc = new RegistrarServices({ ...factory(c), defer: (t) => work.add(t) })
    const removed = await onFlowClosed(svc, c.req.param('token'), body.value.aor)
    await work.settle(waitUntilOf(c))
    return c.json({ removed })
  })

  // A flow that keeps its bindings' expiry says one lapsed (flow-expiry.ts).
  app.post('/flows/:token/expired', async (c) => {
    const body = parse(flowExpiredRequest, await c.req.text())
    if (!body.ok) return c.json({ error: 'bad flow-expiry body', reason: body.reason }, 400)
    const work = new DeferredWork(c.get('services').log)
    const svc = new RegistrarServices({ ...factory(c), defer: (t) => work.add(t) })
    const answer = await onFlowExpired(svc, c.req.param('token'), body.value.aor)
    await work.settle(waitUntilOf(c))
    return c.json(answer)
  })

  return app
}
