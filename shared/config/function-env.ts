/**
 * @module function-env
 * The configuration every function receives, the same shape on every runtime: Worker bindings
 * under miniflare/workerd, `process.env` on Lambda. Parsed once per isolate with zod, so a missing
 * or malformed setting fails the first request with a message naming it, not deep in a handler.
 */
import { z } from 'zod'
import { FUNCTIONS, type FunctionUrls, REGIONS, type Region } from './regions'

const urlMap = z.record(z.enum(FUNCTIONS), z.string().url())

const schema = z.object({
  REGION: z.enum(REGIONS),
  HOME_DOMAIN: z.string().min(1),
  HOP_SECRET: z.string().min(16, 'HOP_SECRET must be at least 16 characters'),
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
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
  SIGNUP_CODE: z.string().min(1),
  ELLIS_API_KEY: z.string().min(1),
  /** Local cloud only: honour `x-edgewater-clock-offset` from the regional gateway. */
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

const cache = new WeakMap<object, FunctionEnv>()

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export function parseFunctionEnv(raw: RawEnv): FunctionEnv {
  const hit = cache.get(raw)
  if (hit) return hit
  const parsed = schema.safeParse(raw)
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`)
      .join('; ')
    throw new ConfigError(`invalid function configuration: ${detail}`)
  }
  const env = parsed.data as FunctionEnv
  cache.set(raw, env)
  return env
}
