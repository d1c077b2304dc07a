/**
 * @module cli/target
 * Which deployment the CLI talks to, and with which secrets. From the environment:
 *
 * | variable                 | meaning                                                              |
 * | ------------------------ | -------------------------------------------------------------------- |
 * | `EDGEWATER_URL`          | the edge's public URL (Ellis's `/api` through the edge)              |
 * | `EDGEWATER_FUNCTION_URLS`| JSON `{"a":{"sprout":"https://…",…},"b":{…}}` (the functions' URLs)  |
 * | `EDGEWATER_CONTROL_URL`  | a local cloud's control API (for `regions`, `metrics`)               |
 * | `HOP_SECRET`             | the key internal requests are signed with (shared/hop)               |
 * | `ELLIS_API_KEY`          | Ellis's `NGV-API-Key`                                                |
 * | `HOME_DOMAIN`            | the home domain (default realm)                                      |
 *
 * Anything not set is taken from the running local cloud's `GET /endpoints` on its control port
 * (127.0.0.1:8790 shifted by `EDGEWATER_PORT_OFFSET`, or `LOCAL_CONTROL_PORT`). Secrets set in
 * the environment are a deployment's: then `EDGEWATER_URL`, `EDGEWATER_FUNCTION_URLS`,
 * `HOP_SECRET` and `ELLIS_API_KEY` must all be set (exit status 2 naming the rest), so the API key,
 * which travels as a plain header, never goes to addresses whatever answers on 127.0.0.1 names.
 */
import { z } from 'zod'
import { FUNCTIONS, type FunctionUrls, REGIONS } from '../shared/config/regions'
import type { Fetch } from '../shared/hop/fetch'
import { CliError } from './cli-error'

/** The deployment and secrets a command uses. */
export interface CliTarget {
  /** Edge base URL of each region (the same public URL twice in a real deployment). */
  edges: Record<'a' | 'b', string>
  functions: FunctionUrls
  /** The local cloud's control API, when there is one. */
  control?: string | undefined
  hopSecret: string
  ellisApiKey: string
  homeDomain: string
}

const DEFAULT_CONTROL_PORT = 8790
/** What a deployment's target is made of, all from the environment. */
const DEPLOYMENT_VARIABLES = [
  'EDGEWATER_URL',
  'EDGEWATER_FUNCTION_URLS',
  'HOP_SECRET',
  'ELLIS_API_KEY',
] as const

const functionUrlsSchema = z.object(
  Object.fromEntries(
    REGIONS.map((r) => [
      r,
      z.object(Object.fromEntries(FUNCTIONS.map((f) => [f, z.string().url()]))),
    ])
  )
)

const endpointsSchema = z.object({
  edges: z.object({ a: z.string(), b: z.string() }),
  control: z.string(),
  functions: functionUrlsSchema,
  ellisApiKey: z.string(),
  homeDomain: z.string(),
  hopSecret: z.string(),
})

/** The control API's URL the environment names (explicitly or by the local cloud's ports). */
export function controlUrlFromEnv(env: Readonly<Record<string, string | undefined>>): string {
  if (env.EDGEWATER_CONTROL_URL) return env.EDGEWATER_CONTROL_URL.replace(/\/$/, '')
  const explicit = env.LOCAL_CONTROL_PORT
  const offset = Number(env.EDGEWATER_PORT_OFFSET || 0)
  if (!Number.isInteger(offset) || offset < 0)
    throw new CliError(
      `EDGEWATER_PORT_OFFSET must be a non-negative integer, got "${env.EDGEWATER_PORT_OFFSET}".`,
      2
    )
  const port = explicit ? Number(explicit) : DEFAULT_CONTROL_PORT + offset
  return `http://127.0.0.1:${port}`
}

/** Resolves the target: the environment first, the local cloud's `/endpoints` for the rest. */
export async function resolveTarget(
  env: Readonly<Record<string, string | undefined>>,
  fetchFn: Fetch
): Promise<CliTarget> {
  const fromEnvComplete =
    env.EDGEWATER_URL && env.EDGEWATER_FUNCTION_URLS && env.HOP_SECRET && env.ELLIS_API_KEY
  if (!fromEnvComplete && (env.HOP_SECRET || env.ELLIS_API_KEY)) {
    const missing = DEPLOYMENT_VARIABLES.filter((v) => !env[v])
    throw new CliError(
      `With HOP_SECRET or ELLIS_API_KEY set, ${missing.join(', ')} must be set too (a deployment's secrets are not mixed with a local cloud's addresses).`,
      2
    )
  }
  let local: z.infer<typeof endpointsSchema> | undefined
  if (!fromEnvComplete) {
    const control = controlUrlFromEnv(env)
    let res: Response
    try {
      res = await fetchFn(`${control}/endpoints`, { method: 'GET' })
    } catch {
      throw new CliError(
        `No local cloud answers at ${control} and EDGEWATER_URL, EDGEWATER_FUNCTION_URLS, HOP_SECRET and ELLIS_API_KEY are not all set.`
      )
    }
    const parsed = endpointsSchema.safeParse(await res.json().catch(() => undefined))
    if (!res.ok || !parsed.success)
      throw new CliError(`${control}/endpoints did not answer with a local cloud's endpoints.`)
    local = parsed.data
  }
  let functions = local?.functions as FunctionUrls | undefined
  if (env.EDGEWATER_FUNCTION_URLS) {
    let raw: unknown
    try {
      raw = JSON.parse(env.EDGEWATER_FUNCTION_URLS)
    } catch {
      raw = undefined
    }
    const parsed = functionUrlsSchema.safeParse(raw)
    if (!parsed.success)
      throw new CliError(
        'EDGEWATER_FUNCTION_URLS must be JSON {"a":{"sprout":"https://…",…},"b":{…}} naming every function.',
        2
      )
    functions = parsed.data as FunctionUrls
  }
  const edge = env.EDGEWATER_URL?.replace(/\/$/, '')
  return {
    edges: edge ? { a: edge, b: edge } : (local?.edges ?? { a: '', b: '' }),
    functions: functions as FunctionUrls,
    control: env.EDGEWATER_CONTROL_URL?.replace(/\/$/, '') ?? local?.control,
    hopSecret: env.HOP_SECRET || (local?.hopSecret ?? ''),
    ellisApiKey: env.ELLIS_API_KEY || (local?.ellisApiKey ?? ''),
    homeDomain: env.HOME_DOMAIN || (local?.homeDomain ?? 'example.com'),
  }
}
