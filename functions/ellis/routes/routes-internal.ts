/**
 * @module ellis/routes/routes-internal
 * Routes only the other region's Ellis calls (trusted zone: signed, never proxied by the edge,
 * which forwards `/api/*` only): take a free number from this region's shards, take a specific
 * number, confirm its provisioning or return one in a shard this region owns, and hand shards back to their home region.
 * They run with the caller marked as the forwarding region, so they never forward again.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import type { FunctionBindings } from '../../../shared/http/function-app'
import { trustedZone } from '../../../shared/http/trusted-zone'
import { badRequest, EllisError, errorResponse } from '../api-errors'
import { check } from '../api-schemas'
import type { DepsResolver, EllisContext, EllisDeps } from '../ellis-deps'
import { buildServices } from '../ellis-services'
import { noNumbers } from '../numbers/pool-service'

const TakeBody = z.object({ email: z.string().min(1), full_name: z.string(), pstn: z.boolean() })
const SpecificBody = TakeBody.extend({ sip_uri: z.string().min(1) })
const ReleaseBody = z.object({ sip_uri: z.string().min(1), email: z.string().min(1) })
const ConfirmBody = ReleaseBody.extend({ private_id: z.string().min(1) })
const HandbackBody = z.object({ to: z.enum(['a', 'b']) })

async function body<S extends z.ZodType>(c: EllisContext, schema: S): Promise<z.infer<S>> {
  let raw: unknown
  try {
    raw = await c.req.json()
  } catch {
    throw badRequest('(body): is not valid JSON')
  }
  const r = check(schema, raw)
  if (!r.ok) throw badRequest(r.reason)
  return r.value
}

const services = (deps: EllisDeps) => buildServices(deps, deps.config.peer)

export function internalRoutes(resolve: DepsResolver): Hono<FunctionBindings> {
  const app = new Hono<FunctionBindings>()
  app.onError((err, c) => {
    if (err instanceof EllisError) return errorResponse(err)
    c.get('services')?.log.error('internal route failed', { error: err, path: c.req.path })
    return errorResponse(new EllisError(500, 'internal error'))
  })
  app.use('/internal/*', trustedZone())

  app.post('/internal/pool/take', async (c) => {
    const deps = resolve(c)
    const b = await body(c, TakeBody)
    const n = await services(deps).pool.allocateHere(
      { email: b.email, fullName: b.full_name },
      b.pstn
    )
    if (!n) throw noNumbers()
    return c.json({ sip_uri: n.sipUri, number_id: n.numberId, pstn: n.pstn }, 200)
  })

  app.post('/internal/pool/take-specific', async (c) => {
    const deps = resolve(c)
    const b = await body(c, SpecificBody)
    const n = await services(deps).pool.takeSpecific(b.sip_uri, b.pstn, {
      email: b.email,
      fullName: b.full_name,
    })
    return c.json({ sip_uri: n.sipUri, number_id: n.numberId, pstn: n.pstn }, 200)
  })

  app.post('/internal/pool/release', async (c) => {
    const deps = resolve(c)
    const b = await body(c, ReleaseBody)
    await services(deps).pool.release(b.sip_uri, b.email)
    return c.json({}, 200)
  })

  app.post('/internal/pool/confirm', async (c) => {
    const deps = resolve(c)
    const b = await body(c, ConfirmBody)
    await services(deps).pool.confirm(b.sip_uri, b.email, b.private_id)
    return c.json({}, 200)
  })

  app.post('/internal/shards/handback', async (c) => {
    const deps = resolve(c)
    const b = await body(c, HandbackBody)
    if (b.to === deps.config.region) throw badRequest('to: must be the other region')
    const moved = await services(deps).shards.handBack(b.to)
    return c.json({ moved }, 200)
  })

  return app
}
