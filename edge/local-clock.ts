/**
 * @module edge/local-clock
 * The clock the core judges a digest nonce's age by, as the edge knows it. In a deployment it is
 * the edge's own. The local cloud's clock can be moved forward (docs/local-cloud.md): its
 * gateways pass the offset to the functions with each request, and the control API tells both
 * edge entries the new offset before a clock advance is answered (`POST /internal/clock`,
 * signed, accepted only with `EDGEWATER_ENV=local`), so a challenge the edge mints
 * (edge/register-challenge.ts) is as fresh to Sprout as one Sprout mints. The offset is per
 * isolate; the flow objects share their script's isolate.
 */
import type { Context } from 'hono'
import { verifySignature } from '../shared/hop/signature'
import { readCappedBody } from './capped-body'
import { edgeConfig } from './edge-config'
import type { EdgeEnv } from './env'

let offsetMs = 0

/** The core's clock: real time plus the local cloud's offset (0 outside the local cloud). */
export const coreClockNow = (): number => Date.now() + offsetMs

/** `POST /internal/clock` `{"offsetMs": n}`: the local cloud's clock moved. */
export async function localClockRoute(c: Context<{ Bindings: EdgeEnv }>): Promise<Response> {
  if (c.env.EDGEWATER_ENV !== 'local') return c.json({ error: 'not found' }, 404)
  const cfg = edgeConfig(c.env)
  const read = await readCappedBody(c.req.raw, cfg.maxInternalBodyBytes)
  if (!read.ok) return c.json({ error: 'body too large' }, 413)
  const v = await verifySignature(cfg.hopSecret, 'POST', c.req.url, c.req.raw.headers, read.bytes)
  if (!v.ok) return c.json({ error: 'forbidden', reason: v.reason }, 401)
  let given: unknown
  try {
    given = (JSON.parse(new TextDecoder().decode(read.bytes)) as { offsetMs?: unknown }).offsetMs
  } catch {
    given = undefined
  }
  if (typeof given !== 'number' || !Number.isFinite(given) || given < 0)
    return c.json({ error: 'body must be {"offsetMs": <non-negative number>}' }, 400)
  offsetMs = given
  return c.json({ offsetMs })
}
