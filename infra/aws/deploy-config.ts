/**
 * @module infra/aws/deploy-config
 * The deployment's configuration, validated with zod: the CDK app's one typed context value
 * (`-c edgewater=<file.json>`, or `EDGEWATER_DEPLOY_CONFIG=<file.json>`; docs/deploy.md). Every
 * field has a documented default except the ones only the operator knows (the home domain, the
 * edge's address, the Upstash REST URLs, the mail relay). Function settings are validated twice:
 * here against the catalogue (function-settings.ts) and at synthesis by each function's own
 * config parser (settings-check.ts), so a bad value fails `npm run deploy` before AWS is called.
 */
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { FUNCTIONS, type FunctionName, REGIONS, type Region } from '../../shared/config/regions'
import { FUNCTION_SETTINGS, type SettingName, TUNABLE_SETTINGS } from './function-settings'

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const

const awsRegion = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region name')
const functionUrl = z.record(z.enum(FUNCTIONS), z.url())

const perFunction = <T extends z.ZodType>(item: T, dflt: Record<FunctionName, z.input<T>>) =>
  z
    .object({
      sprout: item.optional(),
      dime: item.optional(),
      homer: item.optional(),
      ellis: item.optional(),
      timers: item.optional(),
    })
    .default({})
    .transform(
      (o) =>
        Object.fromEntries(FUNCTIONS.map((fn) => [fn, o[fn] ?? item.parse(dflt[fn])])) as Record<
          FunctionName,
          z.output<T>
        >
    )

export const DEFAULT_MEMORY_MB = { sprout: 1024, dime: 512, homer: 512, ellis: 1024, timers: 512 }
export const DEFAULT_TIMEOUT_S = { sprout: 10, dime: 10, homer: 10, ellis: 10, timers: 30 }
export const DEFAULT_RESERVED_CONCURRENCY = {
  sprout: 200,
  dime: 100,
  homer: 20,
  ellis: 20,
  timers: 50,
}

const tunableKeys = new Set<string>(TUNABLE_SETTINGS)

export const deployConfigSchema = z.object({
  /** AWS account; the CLI's default credentials' account when absent. */
  account: z
    .string()
    .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
    .optional(),
  /** AWS region of each Edgewater region. */
  awsRegions: z
    .object({ a: awsRegion, b: awsRegion })
    .default({ a: 'eu-west-1', b: 'eu-central-1' })
    .refine((r) => r.a !== r.b, 'regions a and b must be different AWS regions'),
  /** Prefix of every resource name (functions `<prefix>-<fn>-<region>`, stacks, secrets). */
  prefix: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,20}$/)
    .default('edgewater'),
  tableName: z.string().min(3).max(255).default('edgewater'),
  /**
   * The global table's multi-Region consistency (docs/geo-redundancy.md): `eventual` (MREC, last
   * writer wins, both regions writable alone; the default) or `strong` (MRSC), which needs a
   * third AWS region of the same region set as a witness (`witnessRegion`).
   */
  table: z
    .object({
      consistency: z.enum(['eventual', 'strong']).default('eventual'),
      witnessRegion: awsRegion.optional(),
    })
    .default({ consistency: 'eventual' })
    .refine((t) => t.consistency === 'eventual' || t.witnessRegion !== undefined, {
      message: 'strong consistency (MRSC) needs witnessRegion, a third AWS region of the same set',
      path: ['witnessRegion'],
    }),
  schedulerGroup: z.string().min(1).max(64).default('edgewater-timers'),
  homeDomain: z.string().min(1),
  /** The edge's public origin (its route or custom domain, or `<name>.<account>.workers.dev`). */
  edgeUrl: z.url(),
  /** Upstash REST URLs (docs/deploy.md); their tokens are secrets. */
  kvUrls: z.object({ a: z.url(), b: z.url() }),
  /** The HTTPS relay that receives Ellis's recovery mail (docs/ellis.md, "Mailers"). */
  mailWebhook: z.url().refine((u) => u.startsWith('https://'), 'must be an https URL'),
  /**
   * Both regions' function URLs, as the stacks output them. Absent on the first deploy (a
   * placeholder is wired); `npm run deploy` passes them from the outputs on its second pass.
   */
  functionUrls: z.object({ a: functionUrl, b: functionUrl }).optional(),
  /** Digest of the secrets' values (npm run deploy sets it): a change means fresh cold starts. */
  secretsVersion: z
    .string()
    .regex(/^[0-9a-f]{1,64}$/)
    .optional(),
  logRetentionDays: z
    .number()
    .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
      message: `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
    })
    .default(30),
  memoryMb: perFunction(z.number().int().min(128).max(10_240), DEFAULT_MEMORY_MB),
  timeoutSeconds: perFunction(z.number().int().min(1).max(900), DEFAULT_TIMEOUT_S),
  /** Reserved concurrency per function (0 stops a function; the account's pool must hold it). */
  reservedConcurrency: perFunction(
    z.number().int().min(1).max(10_000),
    DEFAULT_RESERVED_CONCURRENCY
  ),
  alarms: z
    .object({
      /** SNS topic subscribers (e-mail) for every alarm; none: alarms only show in CloudWatch. */
      email: z.array(z.email()).default([]),
      /** Errors per function per 5 minutes before its alarm fires. */
      errorsPer5Min: z.number().int().min(1).default(5),
      /** Oldest undelivered pop in the scheduler dead-letter queue, seconds. */
      timerPopLagSeconds: z.number().int().min(60).default(300),
      /** DynamoDB ReplicationLatency (ms, maximum over 5 minutes) before its alarm fires. */
      replicationLatencyMs: z.number().int().min(100).default(5_000),
      /** Digest authentication failures per region per 5 minutes (infra/aws/observability.ts). */
      authFailuresPer5Min: z.number().int().min(1).default(100),
      /** INVITEs answered 5xx per region per 5 minutes. */
      invite5xxPer5Min: z.number().int().min(1).default(10),
      /** Call setup time p99 over 5 minutes, ms (ringing included). */
      setupP99Ms: z.number().int().min(100).default(30_000),
      /** KV reads answered from the other region's copy per 5 minutes. */
      kvFallbacksPer5Min: z.number().int().min(1).default(50),
      /** Timer pops delivered late per 5 minutes. */
      latePopsPer5Min: z.number().int().min(1).default(10),
    })
    .default({
      email: [],
      errorsPer5Min: 5,
      timerPopLagSeconds: 300,
      replicationLatencyMs: 5_000,
      authFailuresPer5Min: 100,
      invite5xxPer5Min: 10,
      setupP99Ms: 30_000,
      kvFallbacksPer5Min: 50,
      latePopsPer5Min: 10,
    }),
  /** Overrides of the functions' tunable settings (function-settings.ts); strings, as in env. */
  settings: z
    .record(z.string(), z.string())
    .default({})
    .superRefine((s, ctx) => {
      for (const k of Object.keys(s))
        if (!tunableKeys.has(k))
          ctx.addIssue({
            code: 'custom',
            path: [k],
            message:
              k in FUNCTION_SETTINGS
                ? 'is set by the stack or is a secret, not a setting'
                : 'is not a setting any function reads',
          })
    })
    .transform((s) => s as Partial<Record<SettingName, string>>),
})

export type DeployConfig = z.output<typeof deployConfigSchema>

export class DeployConfigError extends Error {
  override name = 'DeployConfigError'
}

export function parseDeployConfig(raw: unknown): DeployConfig {
  const r = deployConfigSchema.safeParse(raw)
  if (!r.success)
    throw new DeployConfigError(
      `invalid deployment configuration: ${r.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')}`
    )
  return r.data
}

export function loadDeployConfig(file: string): DeployConfig {
  return parseDeployConfig(JSON.parse(readFileSync(file, 'utf8')))
}

/** The function URLs to wire: the configured ones, or `.invalid` placeholders (first pass). */
export function functionUrlsOf(c: DeployConfig): Record<Region, Record<FunctionName, string>> {
  if (c.functionUrls) return c.functionUrls
  return Object.fromEntries(
    REGIONS.map((r) => [
      r,
      Object.fromEntries(FUNCTIONS.map((fn) => [fn, `https://${fn}-${r}.pending.invalid/`])),
    ])
  ) as Record<Region, Record<FunctionName, string>>
}
