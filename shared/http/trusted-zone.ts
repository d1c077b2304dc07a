/**
 * @module trusted-zone
 * Middleware that admits only requests signed by another component of the deployment
 * (architecture §3) for this very function in this very region. Unsigned, wrongly signed,
 * stale, replayed or elsewhere-addressed requests get 401 with the reason.
 */
import type { MiddlewareHandler } from 'hono'
import type { FunctionEnv } from '../config/function-env'
import type { FunctionName } from '../config/regions'
import { createReplayGuard } from '../hop/replay-guard'
import { type HopKeys, verifySignature } from '../hop/signature'
import type { FunctionBindings } from './function-app'

const keysCache = new WeakMap<FunctionEnv, Map<FunctionName, HopKeys>>()

/**
 * The hop keys of function `self` in its region: signs with `HOP_SECRET`, verifies with it or
 * `HOP_SECRET_PREVIOUS`, and accepts only requests addressed to `FUNCTION_URLS[REGION][self]`
 * (the address every other component reaches it by) or to its `FUNCTION_URL_ALIASES` entry.
 * One replay guard per isolate and function.
 */
export function functionHopKeys(env: FunctionEnv, self: FunctionName): HopKeys {
  let byName = keysCache.get(env)
  if (!byName) {
    byName = new Map()
    keysCache.set(env, byName)
  }
  let keys = byName.get(self)
  if (!keys) {
    keys = {
      secret: env.HOP_SECRET,
      previous: env.HOP_SECRET_PREVIOUS,
      self: [env.FUNCTION_URLS[env.REGION][self], ...aliasOf(env, self)],
      maxSkewMs: env.HOP_MAX_SKEW_MS,
      replay: createReplayGuard(env.HOP_REPLAY_CAPACITY),
    }
    byName.set(self, keys)
  }
  return keys
}

function aliasOf(env: FunctionEnv, self: FunctionName): string[] {
  const alias = env.FUNCTION_URL_ALIASES?.[self]
  return alias ? [alias] : []
}

export function trustedZone(): MiddlewareHandler<FunctionBindings> {
  return async (c, next) => {
    const { env, self } = c.get('services')
    const body = new Uint8Array(await c.req.arrayBuffer())
    const v = await verifySignature(
      functionHopKeys(env, self),
      c.req.method,
      c.req.url,
      c.req.raw.headers,
      body
    )
    if (!v.ok) return c.json({ error: 'forbidden', reason: v.reason }, 401)
    await next()
  }
}
