/**
 * @module trusted-zone
 * Middleware that admits only requests signed by another component of the deployment
 * (architecture §3). Unsigned, wrongly signed or stale requests get 401 with the reason.
 */
import type { MiddlewareHandler } from 'hono'
import { verifySignature } from '../hop/signature'
import type { FunctionBindings } from './function-app'

export function trustedZone(): MiddlewareHandler<FunctionBindings> {
  return async (c, next) => {
    const { env } = c.get('services')
    const body = new Uint8Array(await c.req.arrayBuffer())
    const v = await verifySignature(
      env.HOP_SECRET,
      c.req.method,
      c.req.url,
      c.req.raw.headers,
      body
    )
    if (!v.ok) return c.json({ error: 'forbidden', reason: v.reason }, 401)
    await next()
  }
}
