/**
 * @module sprout/routing/routing-routes
 * Call routing's HTTP entrances on Sprout, in the trusted zone: the timer pops of its transactions
 * (`POST /routing/timer`, the precise tier's callback with the opaque `{key, which, g, i?}`:
 * Timer C, CDIV no-reply, AS liveness; or `{which: 'interim', call, armed, every}`: the call's
 * interim accounting timer; answered 200 whatever the record says, since a pop is
 * at-least-once and the record decides whether it still matters) and
 * `GET /routing/transactions?call-id=&method=` (what recent routed requests cost in store round
 * trips, for tests and the benchmark), and the test application server's routes.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import type { FunctionBindings } from '../../../shared/http/function-app'
import { SEQUENCE_HEADER } from '../../../shared/vellum/timer-service'
import { chargeTimerInterim } from '../charging/call-charging'
import { DeferredWork } from '../deferred-work'
import type { SproutDepsFactory } from '../sprout-deps'
import { setRoutingTimer } from './forwarder'
import { routingDepsFor } from './routing-deps'
import { combinedDepth, findRouting, recordRouting } from './routing-stats'
import { appendAndAct } from './tx-actions'

const popBody = z.discriminatedUnion('which', [
  z.object({
    key: z.string().regex(/^[0-9a-f]{24}$/),
    which: z.enum(['liveness', 'no-reply', 'timer-c']),
    g: z.number().int().min(0),
    i: z.number().int().min(0).optional(),
    due: z.number().optional(),
  }),
  z.object({
    which: z.literal('interim'),
    call: z.string().min(1),
    armed: z.number().int().min(0),
    every: z.number().int().min(1),
    timer: z
      .string()
      .regex(/^[0-9a-f]{16}-2$/)
      .optional(),
  }),
])

export function routingRoutes(factory: SproutDepsFactory): Hono<FunctionBindings> {
  const app = new Hono<FunctionBindings>()
  app.post('/routing/timer', async (c) => {
    let body: z.infer<typeof popBody>
    try {
      const parsed = popBody.safeParse(JSON.parse(await c.req.text()))
      if (!parsed.success)
        return c.json(
          {
            error: 'bad request',
            reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
          },
          400
        )
      body = parsed.data
    } catch {
      return c.json({ error: 'bad request', reason: 'body is not JSON' }, 400)
    }
    // Work that follows the answer (CANCELs, ACRs) is kept alive past it, as the /sip inbox does.
    const work = new DeferredWork(c.get('services').log)
    const d = routingDepsFor({ ...factory(c), defer: (t) => work.add(t) }, c)
    const settle = async () => {
      let waitUntil: ((p: Promise<unknown>) => void) | undefined
      try {
        const ec = c.executionCtx
        waitUntil = (p) => ec.waitUntil(p)
      } catch {
        waitUntil = undefined
      }
      await work.settle(waitUntil)
    }
    if (body.which === 'interim') {
      // The call's interim accounting timer (charging/call-charging.ts).
      const seq = Number(c.req.header(SEQUENCE_HEADER) ?? 0)
      await chargeTimerInterim(d, body, Number.isInteger(seq) && seq >= 0 ? seq : 0)
      await settle()
      return c.json({ ok: true })
    }
    const t0 = Date.now()
    const left = body.due === undefined ? 0 : body.due - d.clock.now()
    if (left > 500) {
      // A long timer popping one of its steps early: arm the next step (forwarder.ts).
      await setRoutingTimer(d, left, body)
      await settle()
      return c.json({ ok: true, rearmed: true })
    }
    await appendAndAct(d, body.key, {
      k: 'timer',
      which: body.which,
      g: body.g,
      ...(body.i !== undefined ? { i: body.i } : {}),
    })
    const rt = d.vellum.roundTrips.snapshot()
    recordRouting({
      method: 'TIMER',
      callId: body.key,
      cseq: 0,
      what: 'timer',
      status: 0,
      sproutDepth: rt.depth,
      dimeDepth: d.dimeCost.depth,
      depth: combinedDepth(rt.depth, d.dimeCost.depth),
      calls: rt.calls,
      byStore: rt.byStore,
      ms: Date.now() - t0,
      at: d.clock.now(),
    })
    await settle()
    return c.json({ ok: true })
  })
  app.get('/routing/transactions', (c) => {
    const limit = Number(c.req.query('limit') ?? 200)
    return c.json({
      transactions: findRouting({
        ...(c.req.query('call-id') ? { callId: c.req.query('call-id')! } : {}),
        ...(c.req.query('method') ? { method: c.req.query('method')! } : {}),
        limit: Number.isFinite(limit) ? limit : 200,
      }),
    })
  })
  return app
}
