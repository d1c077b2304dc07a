/**
 * @module contract
 * The local cloud's contract (architecture §6): ports, paths, environment variables and dev
 * defaults. Users, tests and the README rely on these exact names and numbers.
 */
import type { Region } from '../../shared/config/regions'
import { DEV_SECRETS } from '../../shared/config/secrets'

export interface LocalCloudSettings {
  edgePorts: Record<Region, number>
  controlPort: number
  dynamoPort: number
  kvPorts: Record<Region, number>
  schedulerPorts: Record<Region, number>
  /** First port of a region's function ports (sprout, dime, homer, ellis, timers in that order). */
  functionBasePorts: Record<Region, number>
  signupCode: string
  ellisApiKey: string
  homeDomain: string
  hopSecret: string
  /** Keys the edge's flow tokens (its own secret, not the hop secret). */
  flowTokenSecret: string
  /** Keys Ellis's session cookies. */
  ellisCookieSecret: string
  kvTokens: Record<Region, string>
  /** AWS region names the two local regions stand for. */
  awsRegions: Record<Region, string>
  /** Start with the Scheduler's 60 s firing spread modelled. */
  schedulerSpread: boolean
  logLevel: 'debug' | 'info' | 'warn' | 'error'
  /** miniflare's DevTools inspector for workerd (profiles); off when unset. */
  inspectorPort?: number
}

function port(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return dflt + portOffset(env)
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new Error(`${name} must be a TCP port number, got "${raw}"`)
  return n
}

/**
 * `EDGEWATER_PORT_OFFSET` shifts every default port by the same amount, so several local clouds
 * (for example two developers' test runs on one machine) can run side by side. Ports set
 * explicitly are taken as given.
 */
function portOffset(env: NodeJS.ProcessEnv): number {
  const raw = env.EDGEWATER_PORT_OFFSET
  if (!raw) return 0
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0 || n > 50_000)
    throw new Error(`EDGEWATER_PORT_OFFSET must be an integer 0–50000, got "${raw}"`)
  return n
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): LocalCloudSettings {
  return {
    edgePorts: { a: port(env, 'EDGE_PORT_A', 8787), b: port(env, 'EDGE_PORT_B', 8788) },
    controlPort: port(env, 'LOCAL_CONTROL_PORT', 8790),
    dynamoPort: port(env, 'DYNAMODB_PORT', 8000),
    kvPorts: { a: port(env, 'KV_PORT_A', 8791), b: port(env, 'KV_PORT_B', 8792) },
    schedulerPorts: {
      a: port(env, 'SCHEDULER_PORT_A', 8793),
      b: port(env, 'SCHEDULER_PORT_B', 8794),
    },
    functionBasePorts: {
      a: port(env, 'FUNCTIONS_PORT_A', 8800),
      b: port(env, 'FUNCTIONS_PORT_B', 8810),
    },
    signupCode: env.SIGNUP_CODE || 'secret',
    ellisApiKey: env.ELLIS_API_KEY || DEV_SECRETS.ELLIS_API_KEY,
    homeDomain: env.HOME_DOMAIN || 'example.com',
    hopSecret: env.HOP_SECRET || DEV_SECRETS.HOP_SECRET,
    flowTokenSecret: env.FLOW_TOKEN_SECRET || DEV_SECRETS.FLOW_TOKEN_SECRET,
    ellisCookieSecret: env.ELLIS_COOKIE_SECRET || DEV_SECRETS.ELLIS_COOKIE_SECRET,
    kvTokens: { a: env.KV_TOKEN_A || 'dev-kv-token-a', b: env.KV_TOKEN_B || 'dev-kv-token-b' },
    awsRegions: { a: 'local-a', b: 'local-b' },
    schedulerSpread: env.SCHEDULER_SPREAD === '1',
    logLevel: (env.LOG_LEVEL as LocalCloudSettings['logLevel']) || 'info',
    ...(env.LOCAL_INSPECTOR_PORT ? { inspectorPort: port(env, 'LOCAL_INSPECTOR_PORT', 9229) } : {}),
  }
}

export const LOCAL_ACCOUNT = '000000000000'

export function timersArn(region: Region, awsRegion: string): string {
  return `arn:aws:lambda:${awsRegion}:${LOCAL_ACCOUNT}:function:edgewater-timers-${region}`
}
