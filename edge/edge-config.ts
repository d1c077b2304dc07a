/**
 * @module edge/edge-config
 * The edge's explicit, configurable limits (architecture §8), parsed once per isolate from the
 * bindings, with the defaults documented in docs/edge.md. Outside the local cloud the edge's
 * secrets must be real ones (shared/config/secrets.ts): a dev default or a short secret stops
 * every request with one sentence naming the variable.
 */
import type { FunctionUrls, Region } from '../shared/config/regions'
import { isRegion } from '../shared/config/regions'
import { firstSecretProblem } from '../shared/config/secrets'
import type { FlowTokenKeys } from '../shared/hop/flow-token'
import { createReplayGuard } from '../shared/hop/replay-guard'
import { DEFAULT_MAX_SKEW_MS, type HopKeys } from '../shared/hop/signature'
import type { EdgeEnv } from './env'

/** Secrets the edge checks before serving anything (each with its `_PREVIOUS` companion). */
export const EDGE_SECRETS = ['HOP_SECRET', 'FLOW_TOKEN_SECRET'] as const
/** Signatures the edge isolate remembers to refuse replays (shared/hop/replay-guard.ts). */
export const DEFAULT_EDGE_REPLAY_CAPACITY = 8_192

export class EdgeConfigError extends Error {
  override name = 'EdgeConfigError'
}

export interface EdgeConfig {
  homeRegion: Region
  functionUrls: FunctionUrls
  /** Trusted-zone keys: sign with the current secret, verify with it or the previous one. */
  hopSecret: HopKeys
  /** Flow-token keys, separate from the hop secret. */
  flowTokenKeys: FlowTokenKeys
  homeDomain: string
  maxMessageBytes: number
  ratePerSecond: number
  rateBurst: number
  identityGraceMs: number
  upstreamTimeoutMs: number
  breakerOpenMs: number
  /** How long a dialog-scoped flow token in the edge's Record-Route stays valid. */
  dialogTokenLifetimeMs: number
  /** Largest body of a signed internal request to the edge, checked before it is read. */
  maxInternalBodyBytes: number
  /** Open WebSocket flows allowed per client address (`CF-Connecting-IP`). */
  maxFlowsPerAddress: number
  /** How long one `/healthz` fan-out answers for every hit of the isolate. */
  healthCacheMs: number
  /** Messages one lane of a flow holds, queued or in flight (edge/flow-queue.ts). */
  flowQueueLimit: number
}

function num(raw: string | undefined, dflt: number, name: string): number {
  if (raw === undefined || raw === '') return dflt
  const n = Number(raw)
  if (!Number.isFinite(n) || n <= 0)
    throw new EdgeConfigError(`${name} must be a positive number, got "${raw}"`)
  return n
}

const cache = new WeakMap<object, EdgeConfig>()

export function edgeConfig(env: EdgeEnv): EdgeConfig {
  const hit = cache.get(env)
  if (hit) return hit
  const problem = firstSecretProblem(env as unknown as Record<string, unknown>, EDGE_SECRETS)
  if (problem) throw new EdgeConfigError(problem)
  if (!isRegion(env.HOME_REGION))
    throw new EdgeConfigError(`HOME_REGION must be a or b, got "${env.HOME_REGION}"`)
  const cfg: EdgeConfig = {
    homeRegion: env.HOME_REGION,
    functionUrls: JSON.parse(env.FUNCTION_URLS) as FunctionUrls,
    hopSecret: {
      secret: env.HOP_SECRET,
      previous: env.HOP_SECRET_PREVIOUS || undefined,
      // The public origin a request arrived at, and the address the functions use if different.
      selfFromRequest: true,
      self: env.EDGE_URL ? [env.EDGE_URL] : [],
      maxSkewMs: num(env.HOP_MAX_SKEW_MS, DEFAULT_MAX_SKEW_MS, 'HOP_MAX_SKEW_MS'),
      replay: createReplayGuard(
        num(env.HOP_REPLAY_CAPACITY, DEFAULT_EDGE_REPLAY_CAPACITY, 'HOP_REPLAY_CAPACITY')
      ),
    },
    flowTokenKeys: {
      secret: env.FLOW_TOKEN_SECRET,
      previous: env.FLOW_TOKEN_SECRET_PREVIOUS || undefined,
    },
    homeDomain: env.HOME_DOMAIN,
    maxMessageBytes: num(env.MAX_MESSAGE_BYTES, 65_536, 'MAX_MESSAGE_BYTES'),
    ratePerSecond: num(env.FLOW_RATE_PER_SECOND, 50, 'FLOW_RATE_PER_SECOND'),
    rateBurst: num(env.FLOW_RATE_BURST, 100, 'FLOW_RATE_BURST'),
    identityGraceMs: num(env.IDENTITY_GRACE_SECONDS, 30, 'IDENTITY_GRACE_SECONDS') * 1000,
    upstreamTimeoutMs: num(env.UPSTREAM_TIMEOUT_MS, 4_000, 'UPSTREAM_TIMEOUT_MS'),
    breakerOpenMs: num(env.BREAKER_OPEN_MS, 30_000, 'BREAKER_OPEN_MS'),
    dialogTokenLifetimeMs:
      num(env.DIALOG_TOKEN_LIFETIME_SECONDS, 86_400, 'DIALOG_TOKEN_LIFETIME_SECONDS') * 1000,
    maxInternalBodyBytes: num(env.MAX_INTERNAL_BODY_BYTES, 262_144, 'MAX_INTERNAL_BODY_BYTES'),
    maxFlowsPerAddress: num(env.MAX_FLOWS_PER_ADDRESS, 64, 'MAX_FLOWS_PER_ADDRESS'),
    healthCacheMs: num(env.HEALTH_CACHE_SECONDS, 5, 'HEALTH_CACHE_SECONDS') * 1000,
    flowQueueLimit: num(env.FLOW_QUEUE_LIMIT, 128, 'FLOW_QUEUE_LIMIT'),
  }
  cache.set(env, cfg)
  return cfg
}
