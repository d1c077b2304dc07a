/**
 * @module edge/edge-config
 * The edge's explicit, configurable limits (architecture §8), parsed once per isolate from the
 * bindings, with the defaults documented in docs/edge.md.
 */
import type { FunctionUrls, Region } from '../shared/config/regions'
import { isRegion } from '../shared/config/regions'
import type { EdgeEnv } from './env'

export interface EdgeConfig {
  homeRegion: Region
  functionUrls: FunctionUrls
  hopSecret: string
  homeDomain: string
  maxMessageBytes: number
  ratePerSecond: number
  rateBurst: number
  identityGraceMs: number
  upstreamTimeoutMs: number
  breakerOpenMs: number
}

function num(raw: string | undefined, dflt: number, name: string): number {
  if (raw === undefined || raw === '') return dflt
  const n = Number(raw)
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`${name} must be a positive number, got "${raw}"`)
  return n
}

const cache = new WeakMap<object, EdgeConfig>()

export function edgeConfig(env: EdgeEnv): EdgeConfig {
  const hit = cache.get(env)
  if (hit) return hit
  if (!isRegion(env.HOME_REGION))
    throw new Error(`HOME_REGION must be a or b, got "${env.HOME_REGION}"`)
  const cfg: EdgeConfig = {
    homeRegion: env.HOME_REGION,
    functionUrls: JSON.parse(env.FUNCTION_URLS) as FunctionUrls,
    hopSecret: env.HOP_SECRET,
    homeDomain: env.HOME_DOMAIN,
    maxMessageBytes: num(env.MAX_MESSAGE_BYTES, 65_536, 'MAX_MESSAGE_BYTES'),
    ratePerSecond: num(env.FLOW_RATE_PER_SECOND, 50, 'FLOW_RATE_PER_SECOND'),
    rateBurst: num(env.FLOW_RATE_BURST, 100, 'FLOW_RATE_BURST'),
    identityGraceMs: num(env.IDENTITY_GRACE_SECONDS, 30, 'IDENTITY_GRACE_SECONDS') * 1000,
    upstreamTimeoutMs: num(env.UPSTREAM_TIMEOUT_MS, 4_000, 'UPSTREAM_TIMEOUT_MS'),
    breakerOpenMs: num(env.BREAKER_OPEN_MS, 30_000, 'BREAKER_OPEN_MS'),
  }
  cache.set(env, cfg)
  return cfg
}
