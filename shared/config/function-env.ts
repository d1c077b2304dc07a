/**
 * @module function-env
 * The configuration every function receives, the same shape on every runtime: Worker bindings
 * under miniflare/workerd, `process.env` on Lambda. Parsed once per isolate with zod, so a missing
 * or malformed setting fails the first request with a message naming it, not deep in a handler.
 * Outside the local cloud (`EDGEWATER_ENV` is not `local`) the secrets must be real ones
 * (secrets.ts): a dev default or a short secret stops the function with one sentence naming it.
 */
import { z } from 'zod'
import { ConfigError, parseCachedConfig } from './cached-config'
import { FUNCTIONS, type FunctionUrls, REGIONS, type Region } from './regions'
import { firstSecretProblem, isLocal } from './secrets'

/** Secrets every function checks at start-up; the hop secret with its `_PREVIOUS` companion. */
export const FUNCTION_SECRETS = ['HOP_SECRET', 'ELLIS_API_KEY'] as const
const ROTATING_SECRETS = ['HOP_SECRET'] as const

const urlMap = z.record(z.enum(FUNCTIONS), z.string().url())

const schema = z.object({
  REGION: z.enum(REGIONS),
  HOME_DOMAIN: z.string().min(1),
  /** `local` in the local cloud only; anything else is a real deployment (secrets.ts). */
  EDGEWATER_ENV: z.string().optional(),
  HOP_SECRET: z.string().min(1),
  /** The hop secret being rotated out: still verifies, never signs. */
  HOP_SECRET_PREVIOUS: z
    .string()
    .optional()
    .transform((v) => v || undefined),
  /** How far a signed request's timestamp may be from the receiver's clock (shared/hop). */
  HOP_MAX_SKEW_MS: z.coerce.number().int().min(1_000).max(60_000).default(10_000),
  /** Signatures an isolate remembers to refuse replays (shared/hop/replay-guard.ts). */
  HOP_REPLAY_CAPACITY: z.coerce.number().int().min(256).max(1_000_000).default(8_192),
  /**
   * Limits of the automatic KV resync (shared/vellum/kv-resync-trigger.ts,
   * docs/geo-redundancy.md "KV after a region returns"): hints replayed per direction per run,
   * the longest a run holds up the request that triggered it, the least time between two runs of
   * one isolate, how long reads leave an unanswering peer alone, the quiet time after which an
   * isolate's next read asks the peer for hints, and how long hints and stale marks live.
   */
  KV_RESYNC_BATCH: z.coerce.number().int().min(1).max(1_000).default(25),
  KV_RESYNC_RUN_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(500),
  KV_RESYNC_RUN_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(2_000),
  KV_RESYNC_PEER_RETRY_MS: z.coerce.number().int().min(100).max(600_000).default(2_000),
  KV_RESYNC_QUIET_CHECK_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(10_000),
  KV_RESYNC_HINTS_TTL_S: z.coerce.number().int().min(3_600).max(2_592_000).default(86_400),
  FUNCTION_URLS: z
    .string()
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown
      } catch {
        ctx.addIssue({ code: 'custom', message: 'FUNCTION_URLS is not JSON' })
        return z.NEVER
      }
    })
    .pipe(z.object({ a: urlMap, b: urlMap })),
  /**
   * More addresses this region's functions are reached by, per function (the local cloud's
   * cross-region ingress, which the other region's functions use): a function accepts requests
   * signed for its alias as for its `FUNCTION_URLS` entry. Absent in a deployment.
   */
  FUNCTION_URL_ALIASES: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return undefined
      try {
        return JSON.parse(s) as unknown
      } catch {
        ctx.addIssue({ code: 'custom', message: 'FUNCTION_URL_ALIASES is not JSON' })
        return z.NEVER
      }
    })
    .pipe(urlMap.optional()),
  EDGE_URL: z.string().url(),
  KV_URL: z.string().url(),
  KV_TOKEN: z.string().min(1),
  KV_REMOTE_URL: z.string().url(),
  KV_REMOTE_TOKEN: z.string().min(1),
  DYNAMO_TABLE: z.string().min(1).default('edgewater'),
  DYNAMO_REGION: z.string().min(1),
  DYNAMO_ENDPOINT: z.string().url().optional(),
  SCHEDULER_ENDPOINT: z.string().url().optional(),
  SCHEDULER_REMOTE_ENDPOINT: z.string().url().optional(),
  SCHEDULER_REGION: z.string().min(1),
  SCHEDULER_REMOTE_REGION: z.string().min(1),
  SCHEDULER_GROUP: z.string().min(1).default('edgewater-timers'),
  SCHEDULER_ROLE_ARN: z.string().min(1),
  TIMERS_TARGET_ARN: z.string().min(1),
  TIMERS_REMOTE_TARGET_ARN: z.string().min(1),
  /** Dead-letter queues of this region's and the other region's schedules (absent locally). */
  SCHEDULER_DLQ_ARN: z.string().min(1).optional(),
  SCHEDULER_REMOTE_DLQ_ARN: z.string().min(1).optional(),
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
  SIGNUP_CODE: z.string().min(1),
  ELLIS_API_KEY: z.string().min(1),
  /**
   * Local cloud only: honour `x-edgewater-clock-offset` from the regional gateway. Anywhere else
   * anyone reaching a function URL could move its clock (a nonce, cookie or token that never
   * expires), so `1` outside the local cloud refuses to start ({@link clockHeaderProblem}).
   */
  TRUST_CLOCK_HEADER: z.enum(['0', '1']).default('0'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
})

/** Every setting name a function reads; deployments (infra/aws) must set the required ones. */
export const FUNCTION_ENV_KEYS = schema.keyof().options

/** Settings a deployment may leave unset (they have defaults or are local-only). */
export const OPTIONAL_FUNCTION_ENV_KEYS: readonly string[] = Object.entries(schema.shape)
  .filter(([, v]) => v.safeParse(undefined).success)
  .map(([k]) => k)

export type FunctionEnv = Omit<z.infer<typeof schema>, 'FUNCTION_URLS' | 'REGION'> & {
  REGION: Region
  FUNCTION_URLS: FunctionUrls
}

/** Raw bindings as they arrive (all strings). */
export type RawEnv = Record<string, unknown>

export { ConfigError }

/** The sentence refusing `TRUST_CLOCK_HEADER=1` outside the local cloud; undefined when fine. */
export function clockHeaderProblem(raw: RawEnv): string | undefined {
  if (raw.TRUST_CLOCK_HEADER === undefined || String(raw.TRUST_CLOCK_HEADER) === '0') return
  if (isLocal(raw)) return
  return 'TRUST_CLOCK_HEADER lets a request set the function\'s clock and is refused outside the local cloud (EDGEWATER_ENV is not "local"); remove it or set it to 0.'
}

const parseEnv = parseCachedConfig(schema, 'function', (data) => data as FunctionEnv, {
  precheck: (raw) =>
    clockHeaderProblem(raw) ?? firstSecretProblem(raw, FUNCTION_SECRETS, ROTATING_SECRETS),
})

export function parseFunctionEnv(raw: RawEnv): FunctionEnv {
  return parseEnv(raw)
}
