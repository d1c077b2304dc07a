/**
 * @module edge/edge-config
 * The edge's configuration and explicit, configurable limits (architecture §8), validated with
 * zod once per isolate from the bindings, with the defaults documented in docs/edge.md; the home
 * region of a flow by proximity ({@link homeRegionFor}). Outside the local cloud the edge's
 * secrets must be real ones (shared/config/secrets.ts): a dev default or a short secret stops
 * every request with one sentence naming the variable.
 */
import { z } from 'zod'
import {
  FUNCTIONS,
  type FunctionUrls,
  isRegion,
  REGIONS,
  type Region,
} from '../shared/config/regions'
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
  /** The home region when no proximity rule matches. */
  homeRegion: Region
  /** Home region by `request.cf.continent` / `request.cf.colo` ({@link homeRegionFor}). */
  regionByContinent?: Partial<Record<string, Region>>
  regionByColo?: Record<string, Region>
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
  /**
   * A hop unanswered at the timeout: how long its receiver's liveness probe may take (ms); unset,
   * such a hop is a transport failure at once (edge/upstream.ts).
   */
  upstreamProbeMs?: number
  /** A hop whose receiver answered the probe is waited for this long in all (ms), not failed over. */
  upstreamAnswerLimitMs?: number
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
  /**
   * The edge answers a REGISTER without credentials with the registrar's stateless challenge
   * itself (edge/register-challenge.ts; `EDGE_REGISTER_CHALLENGE`, default on). Off where
   * another S-CSCF pool may serve the domain's REGISTERs (docs/registrar.md).
   */
  registerChallenge: boolean
  /** Sprout's REG_MIN_EXPIRES: a REGISTER asking for less goes to Sprout (its 423), unchallenged. */
  regMinExpires: number
}

const positive = (name: string, dflt: number) =>
  z
    .union([z.string(), z.number()])
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return dflt
      const n = Number(raw)
      if (!Number.isFinite(n) || n <= 0) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a positive number, got "${raw}"` })
        return z.NEVER
      }
      return n
    })

const nonNegative = (name: string, dflt: number) =>
  z
    .union([z.string(), z.number()])
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return dflt
      const n = Number(raw)
      if (!Number.isInteger(n) || n < 0) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be a whole number ≥ 0, got "${raw}"`,
        })
        return z.NEVER
      }
      return n
    })

/** A JSON setting; without a default it is required. */
const json = <T extends z.ZodType>(name: string, shape: T, dflt: z.input<T> | undefined) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') {
        if (dflt !== undefined) return dflt
        ctx.addIssue({ code: 'custom', message: `${name} must be set` })
        return z.NEVER
      }
      try {
        return JSON.parse(raw) as unknown
      } catch {
        ctx.addIssue({ code: 'custom', message: `${name} is not JSON` })
        return z.NEVER
      }
    })
    .pipe(shape)

const region = z.enum(REGIONS)
const urls = z.record(z.enum(FUNCTIONS), z.url())

/** Cloudflare's continent codes (`request.cf.continent`). */
export const CONTINENTS = ['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA'] as const

/** The bindings the edge reads, validated once per isolate (docs/edge.md, "Configuration"). */
export const edgeSchema = z.object({
  HOME_REGION: z.string().refine(isRegion, { message: 'HOME_REGION must be a or b' }),
  FUNCTION_URLS: json('FUNCTION_URLS', z.object({ a: urls, b: urls }), undefined),
  /** Home region by the client's continent (`request.cf.continent`), e.g. `{"NA":"b"}`. */
  REGION_BY_CONTINENT: json('REGION_BY_CONTINENT', z.partialRecord(z.enum(CONTINENTS), region), {}),
  /** Home region by Cloudflare data centre (`request.cf.colo`, three-letter IATA code), e.g. `{"FRA":"b"}`. */
  REGION_BY_COLO: json('REGION_BY_COLO', z.record(z.string().regex(/^[A-Z]{3}$/), region), {}),
  HOME_DOMAIN: z.string().min(1, 'HOME_DOMAIN must be set'),
  EDGE_URL: z.url().optional().or(z.literal('')),
  HOP_MAX_SKEW_MS: positive('HOP_MAX_SKEW_MS', DEFAULT_MAX_SKEW_MS),
  HOP_REPLAY_CAPACITY: positive('HOP_REPLAY_CAPACITY', DEFAULT_EDGE_REPLAY_CAPACITY),
  MAX_MESSAGE_BYTES: positive('MAX_MESSAGE_BYTES', 65_536),
  FLOW_RATE_PER_SECOND: positive('FLOW_RATE_PER_SECOND', 50),
  FLOW_RATE_BURST: positive('FLOW_RATE_BURST', 100),
  IDENTITY_GRACE_SECONDS: positive('IDENTITY_GRACE_SECONDS', 30),
  UPSTREAM_TIMEOUT_MS: positive('UPSTREAM_TIMEOUT_MS', 4_000),
  UPSTREAM_PROBE_MS: positive('UPSTREAM_PROBE_MS', 4_000),
  // RFC 3261 Timer B (64·T1): the client's own INVITE transaction gives up then.
  UPSTREAM_ANSWER_LIMIT_MS: positive('UPSTREAM_ANSWER_LIMIT_MS', 32_000),
  BREAKER_OPEN_MS: positive('BREAKER_OPEN_MS', 30_000),
  DIALOG_TOKEN_LIFETIME_SECONDS: positive('DIALOG_TOKEN_LIFETIME_SECONDS', 86_400),
  MAX_INTERNAL_BODY_BYTES: positive('MAX_INTERNAL_BODY_BYTES', 262_144),
  MAX_FLOWS_PER_ADDRESS: positive('MAX_FLOWS_PER_ADDRESS', 64),
  HEALTH_CACHE_SECONDS: positive('HEALTH_CACHE_SECONDS', 5),
  FLOW_QUEUE_LIMIT: positive('FLOW_QUEUE_LIMIT', 128),
  EDGE_REGISTER_CHALLENGE: z.enum(['on', 'off']).optional().default('on'),
  REG_MIN_EXPIRES: nonNegative('REG_MIN_EXPIRES', 0),
})

const cache = new WeakMap<object, EdgeConfig>()

/**
 * The home region of a new flow: by the client's Cloudflare data centre, else its continent,
 * else HOME_REGION. The other region is the failover (edge/upstream.ts breakers).
 */
export function homeRegionFor(
  cfg: Pick<EdgeConfig, 'homeRegion' | 'regionByColo' | 'regionByContinent'>,
  cf: unknown
): Region {
  const { colo: c, continent: k } = (cf ?? {}) as { colo?: unknown; continent?: unknown }
  const colo = typeof c === 'string' ? cfg.regionByColo?.[c] : undefined
  const continent = typeof k === 'string' ? cfg.regionByContinent?.[k] : undefined
  return colo ?? continent ?? cfg.homeRegion
}

export function edgeConfig(env: EdgeEnv): EdgeConfig {
  const hit = cache.get(env)
  if (hit) return hit
  const problem = firstSecretProblem(env as unknown as Record<string, unknown>, EDGE_SECRETS)
  if (problem) throw new EdgeConfigError(problem)
  const parsed = edgeSchema.safeParse(env)
  if (!parsed.success)
    throw new EdgeConfigError(
      `invalid edge configuration: ${parsed.error.issues
        .map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`)
        .join('; ')}`
    )
  const e = parsed.data
  const cfg: EdgeConfig = {
    homeRegion: e.HOME_REGION as Region,
    regionByContinent: e.REGION_BY_CONTINENT,
    regionByColo: e.REGION_BY_COLO,
    functionUrls: e.FUNCTION_URLS as FunctionUrls,
    hopSecret: {
      secret: env.HOP_SECRET,
      previous: env.HOP_SECRET_PREVIOUS || undefined,
      // The public origin a request arrived at, and the address the functions use if different.
      selfFromRequest: true,
      self: e.EDGE_URL ? [e.EDGE_URL] : [],
      maxSkewMs: e.HOP_MAX_SKEW_MS,
      replay: createReplayGuard(e.HOP_REPLAY_CAPACITY),
    },
    flowTokenKeys: {
      secret: env.FLOW_TOKEN_SECRET,
      previous: env.FLOW_TOKEN_SECRET_PREVIOUS || undefined,
    },
    homeDomain: e.HOME_DOMAIN,
    maxMessageBytes: e.MAX_MESSAGE_BYTES,
    ratePerSecond: e.FLOW_RATE_PER_SECOND,
    rateBurst: e.FLOW_RATE_BURST,
    identityGraceMs: e.IDENTITY_GRACE_SECONDS * 1000,
    upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
    upstreamProbeMs: e.UPSTREAM_PROBE_MS,
    upstreamAnswerLimitMs: Math.max(e.UPSTREAM_ANSWER_LIMIT_MS, e.UPSTREAM_TIMEOUT_MS),
    breakerOpenMs: e.BREAKER_OPEN_MS,
    dialogTokenLifetimeMs: e.DIALOG_TOKEN_LIFETIME_SECONDS * 1000,
    maxInternalBodyBytes: e.MAX_INTERNAL_BODY_BYTES,
    maxFlowsPerAddress: e.MAX_FLOWS_PER_ADDRESS,
    healthCacheMs: e.HEALTH_CACHE_SECONDS * 1000,
    flowQueueLimit: e.FLOW_QUEUE_LIMIT,
    registerChallenge: e.EDGE_REGISTER_CHALLENGE === 'on',
    regMinExpires: e.REG_MIN_EXPIRES,
  }
  cache.set(env, cfg)
  return cfg
}
