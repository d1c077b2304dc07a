/**
 * @module ellis/ellis-config
 * Ellis's settings, in one place: the shared function configuration plus the optional bindings
 * only Ellis reads (parsed here with zod, once per isolate), and every limit and lifetime of the
 * provisioning API as a named constant. Optional bindings:
 * - `ELLIS_NUMBER_POOL`: JSON `[{"from":"6505550000","to":"6505550999","pstn":false}, …]`; the
 *   number ranges of the pool (default: 6505550000–6505550999, not PSTN);
 * - `ELLIS_PBKDF2_ITERATIONS`: PBKDF2-SHA-256 iterations for new password hashes (default
 *   600 000, at least 100 000);
 * - `ELLIS_COOKIE_SECRET`: the key of the signed session cookie, the same in both regions;
 *   `ELLIS_COOKIE_SECRET_PREVIOUS` is still accepted during a rotation. Required outside the
 *   local cloud (at least 32 bytes, not a dev default: shared/config/secrets.ts); in the local
 *   cloud it defaults to a key derived from `HOP_SECRET`;
 * - mail: `ELLIS_MAIL_WEBHOOK` and `ELLIS_MAIL_WEBHOOK_SECRET` (mail-config.ts);
 * - abuse limits of logins and sign-ups (throttle-config.ts);
 * - `ELLIS_PORTAL_URL`: the portal's base URL for links in mail (default: the request's origin);
 * - `ELLIS_READ_YOUR_WRITES_MS`: longest wait, after the owner region created or deleted an
 *   account this region forwarded, for this region's replica to show it (default 2000, 0 to
 *   10 000; read-your-writes.ts).
 */
import { z } from 'zod'
import { parseCachedConfig } from '../../shared/config/cached-config'
import type { FunctionEnv, RawEnv } from '../../shared/config/function-env'
import { type FunctionUrls, peerOf, type Region } from '../../shared/config/regions'
import { firstSecretProblem, isLocal } from '../../shared/config/secrets'

/** OWASP 2023 guidance for PBKDF2-HMAC-SHA-256. */
export const DEFAULT_PBKDF2_ITERATIONS = 600_000
/** Below this a hash is too cheap to brute-force slowly; configuration refuses it. */
export const MIN_PBKDF2_ITERATIONS = 100_000

export const ELLIS_LIMITS = {
  /** clearwater-interfaces §1.3: account password `.{6,}`; the cap bounds hashing work. */
  passwordMinLength: 6,
  passwordMaxLength: 1024,
  emailMaxLength: 254,
  fullNameMaxLength: 200,
  /** Longest request body Ellis reads (simservs and iFC documents included). */
  maxBodyBytes: 64 * 1024,
  /** Largest pool the configuration accepts (numbers are seeded shard by shard, lazily). */
  maxPoolSize: 100_000,
  /** Most numbers one account may hold. */
  maxNumbersPerAccount: 100,
} as const

export const SESSION = {
  /** Clearwater's cookie name: `username`, holding the signed account e-mail. */
  cookieName: 'username',
  lifetimeS: 7 * 24 * 3600,
} as const

/** Password recovery (clearwater-interfaces §1.3, §11: token 24 h, mail 100/day burst 5). */
export const RECOVERY = {
  tokenLifetimeS: 24 * 3600,
  mailBurstPerAddress: 5,
  mailBurstWindowS: 3600,
  mailPerDay: 100,
  /** Token submissions per address per window (Clearwater: 1/s, burst 20). */
  tokenAttempts: 20,
  tokenWindowS: 60,
} as const

/**
 * Default longest wait (ms), after the owner region created or deleted an account this region
 * forwarded, for this region's replica to show it (`ELLIS_READ_YOUR_WRITES_MS`).
 */
export const DEFAULT_READ_YOUR_WRITES_MS = 2_000

/** Shards per number pool kind (PSTN and not) and for account e-mail uniqueness. */
export const SHARD_COUNTS = { numbers: 16, accounts: 16 } as const
export type ShardDomain = keyof typeof SHARD_COUNTS

export const TIMEOUTS = {
  /** One call to Dime or Homer. */
  upstreamMs: 5000,
  /** One request forwarded to the other region's Ellis (account creation, pool operations). */
  peerMs: 8000,
  /** Health probe of the other region before handing its shards back. */
  peerProbeMs: 1000,
} as const

/**
 * A number still marked as being provisioned after this long belongs to an allocation that died
 * half-way; listings then treat it like any other (and reclaim it if Homestead lacks it).
 */
export const PENDING_ALLOCATION_GRACE_MS = 2 * 60_000

/**
 * Retry-After (s) of the 503 for a write whose owner region does not answer: an e-mail address
 * or a number is written only by its owner region (docs/geo-redundancy.md).
 */
export const OWNER_RETRY_AFTER_S = 5

/** How long a region trusts its cached view of shard ownership. */
export const SHARD_CACHE_MS = 2000
/** How often (per isolate) Ellis checks whether shards should move back to their home region. */
export const REBALANCE_INTERVAL_MS = 5000

export interface NumberRange {
  from: string
  to: string
  pstn: boolean
}

export const DEFAULT_NUMBER_POOL: NumberRange[] = [
  { from: '6505550000', to: '6505550999', pstn: false },
]

const rangeSchema = z
  .object({
    from: z.string().regex(/^\d{1,15}$/, 'must be 1 to 15 digits'),
    to: z.string().regex(/^\d{1,15}$/, 'must be 1 to 15 digits'),
    pstn: z.boolean().default(false),
  })
  .refine((r) => r.from.length === r.to.length, { message: 'from and to must have equal length' })
  .refine((r) => BigInt(r.to) >= BigInt(r.from), { message: 'to must not be below from' })

const poolSchema = z
  .string()
  .transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not JSON' })
      return z.NEVER
    }
  })
  .pipe(z.array(rangeSchema).min(1, 'must list at least one range'))
  .refine(
    (ranges) =>
      ranges.reduce((n, r) => n + Number(BigInt(r.to) - BigInt(r.from) + 1n), 0) <=
      ELLIS_LIMITS.maxPoolSize,
    { message: `holds more than ${ELLIS_LIMITS.maxPoolSize} numbers` }
  )

const ellisSchema = z.object({
  ELLIS_NUMBER_POOL: poolSchema.optional(),
  ELLIS_PBKDF2_ITERATIONS: z.coerce
    .number()
    .int()
    .min(MIN_PBKDF2_ITERATIONS, `must be at least ${MIN_PBKDF2_ITERATIONS}`)
    .max(10_000_000)
    .optional(),
  ELLIS_COOKIE_SECRET: z.string().min(1).optional(),
  ELLIS_COOKIE_SECRET_PREVIOUS: z
    .string()
    .optional()
    .transform((v) => v || undefined),
  ELLIS_PORTAL_URL: z.url('must be an absolute URL').optional(),
  ELLIS_READ_YOUR_WRITES_MS: z.coerce.number().int().min(0).max(10_000).optional(),
})

export interface EllisConfig {
  region: Region
  peer: Region
  homeDomain: string
  hopSecret: string
  functionUrls: FunctionUrls
  signupCode: string
  apiKey: string
  /** Keys of the session cookie: the current one signs, every one verifies. */
  cookieSecret: readonly [string, ...string[]]
  pbkdf2Iterations: number
  pool: NumberRange[]
  portalUrl: string | undefined
  /** Longest wait for a forwarded account write to show in this region's replica (ms). */
  readYourWritesMs: number
}

const parseEllisConfig = parseCachedConfig(
  ellisSchema,
  'Ellis',
  (o, _raw, env: FunctionEnv): EllisConfig => {
    const config: EllisConfig = {
      region: env.REGION,
      peer: peerOf(env.REGION),
      homeDomain: env.HOME_DOMAIN,
      hopSecret: env.HOP_SECRET,
      functionUrls: env.FUNCTION_URLS,
      signupCode: env.SIGNUP_CODE,
      apiKey: env.ELLIS_API_KEY,
      cookieSecret: [
        o.ELLIS_COOKIE_SECRET ?? `ellis-session-cookie:${env.HOP_SECRET}`,
        ...(o.ELLIS_COOKIE_SECRET_PREVIOUS ? [o.ELLIS_COOKIE_SECRET_PREVIOUS] : []),
      ],
      pbkdf2Iterations: o.ELLIS_PBKDF2_ITERATIONS ?? DEFAULT_PBKDF2_ITERATIONS,
      pool: o.ELLIS_NUMBER_POOL ?? DEFAULT_NUMBER_POOL,
      portalUrl: o.ELLIS_PORTAL_URL,
      readYourWritesMs: o.ELLIS_READ_YOUR_WRITES_MS ?? DEFAULT_READ_YOUR_WRITES_MS,
    }
    return config
  },
  {
    // Outside the local cloud the cookie key is its own secret, not something derived.
    precheck: (raw) =>
      isLocal(raw) ? undefined : firstSecretProblem(raw, ['ELLIS_COOKIE_SECRET']),
  }
)

export function ellisConfig(env: FunctionEnv, raw: RawEnv): EllisConfig {
  return parseEllisConfig(raw, env)
}
