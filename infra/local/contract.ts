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
  /** Region a's table endpoint (DynamoDB Local behind the counting proxy). */
  dynamoPort: number
  /** Region b's table endpoint: its own replica under `mrec`, the same table under `mrsc`. */
  dynamoPortB: number
  /** How the global table is modelled (docs/geo-redundancy.md). */
  tableMode: TableMode
  /** Replication settings of the `mrec` model. */
  replication: ReplicationSettings
  kvPorts: Record<Region, number>
  schedulerPorts: Record<Region, number>
  /** First port of a region's function ports (sprout, dime, homer, ellis, timers in that order). */
  functionBasePorts: Record<Region, number>
  /**
   * First port of a region's cross-region ingress: the same functions, in the same order, as the
   * other region's functions reach them (cut by `POST /partition`).
   */
  functionPeerPorts: Record<Region, number>
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
  /** The functions' automatic KV resync settings set in the cloud's environment (`KV_RESYNC_*`). */
  kvResync: Record<string, string>
  /**
   * miniflare's DevTools inspector for workerd (profiles); off when unset. Each workerd process
   * has its own, on consecutive ports from this one (see `workerdProcesses`).
   */
  inspectorPort?: number
  /**
   * How the workers are spread over workerd processes (`LOCAL_WORKERD_PROCESSES`): `split` runs
   * the edge, region a's functions and region b's functions in a process each, on inspector ports
   * `inspectorPort`, `+1`, `+2`; `one` (the default) runs every worker in one process.
   */
  workerdProcesses: WorkerdProcesses
  /**
   * Whether workers reach loopback origins through service bindings rather than miniflare's
   * outbound interceptor (`LOCAL_OUTBOUND_ROUTES=1`; off by default; outbound-routes.ts).
   */
  outboundRoutes: boolean
  /**
   * V8 flags of every workerd process (`LOCAL_WORKERD_V8_FLAGS`, space-separated; default
   * {@link DEFAULT_WORKERD_V8_FLAGS}; empty: none).
   */
  workerdV8Flags: string[]
}

/**
 * `--single-threaded-gc`: V8 collects each isolate's heaps on the isolate's own thread, with no
 * concurrent sweeper job for the C++ heap (cppgc). With one, workerd's thread can stop serving
 * for good: after each request workerd pumps V8's foreground tasks until none is left, and
 * cppgc's low-priority incremental sweep task, while the concurrent job still holds pages,
 * finalizes what it may and re-posts itself at once, so the pump never empties while the job
 * makes no progress (seen with `perf` and `gdb` in full test runs: the thread at 90 % CPU in
 * `IncrementalSweepTask::Run` under `PumpMessageLoop`, the V8 worker thread asleep). Without the
 * concurrent job the same task sweeps the pages itself and finishes.
 */
export const DEFAULT_WORKERD_V8_FLAGS = ['--single-threaded-gc']

function workerdV8Flags(env: NodeJS.ProcessEnv): string[] {
  const v = env.LOCAL_WORKERD_V8_FLAGS
  if (v === undefined) return DEFAULT_WORKERD_V8_FLAGS
  const flags = v.split(/\s+/).filter(Boolean)
  const bad = flags.find((f) => !f.startsWith('--'))
  if (bad) throw new Error(`LOCAL_WORKERD_V8_FLAGS holds V8 flags such as --foo, not "${bad}"`)
  return flags
}

export const WORKERD_PROCESSES = ['split', 'one'] as const
export type WorkerdProcesses = (typeof WORKERD_PROCESSES)[number]

function workerdProcesses(env: NodeJS.ProcessEnv): WorkerdProcesses {
  const v = env.LOCAL_WORKERD_PROCESSES || 'one'
  if (!(WORKERD_PROCESSES as readonly string[]).includes(v))
    throw new Error(
      `LOCAL_WORKERD_PROCESSES must be one of ${WORKERD_PROCESSES.join(', ')}, not "${v}"`
    )
  return v as WorkerdProcesses
}

/**
 * - `mrec` (the default): one instance per region and an asynchronous per-item replicator
 *   between them (last writer wins), as the deployed multi-Region eventually consistent global
 *   table behaves.
 * - `mrsc`: one DynamoDB Local instance serves both regions: every write is visible everywhere
 *   at once (the strongly consistent global table).
 */
export const TABLE_MODES = ['mrec', 'mrsc'] as const
export type TableMode = (typeof TABLE_MODES)[number]

export interface ReplicationSettings {
  /** Delay before a written item is copied to the other replica (`TABLE_REPLICATION_LAG_MS`). */
  lagMs: number
  /** Up to this much more, uniformly random, per item (`TABLE_REPLICATION_JITTER_MS`). */
  jitterMs: number
  /** How often each replica's TTL process deletes expired items (`TABLE_TTL_SWEEP_MS`). */
  ttlSweepMs: number
}

export const REPLICATION_DEFAULTS: ReplicationSettings = {
  lagMs: 500,
  jitterMs: 100,
  ttlSweepMs: 30_000,
}

function ms(env: NodeJS.ProcessEnv, name: string, dflt: number, max = 3_600_000): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return dflt
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new Error(`${name} must be an integer number of milliseconds 0–${max}, got "${raw}"`)
  return n
}

function tableMode(env: NodeJS.ProcessEnv): TableMode {
  const raw = env.LOCAL_TABLE_MODE
  if (raw === undefined || raw === '') return 'mrec'
  if (!(TABLE_MODES as readonly string[]).includes(raw))
    throw new Error(`LOCAL_TABLE_MODE must be one of ${TABLE_MODES.join(', ')}, got "${raw}"`)
  return raw as TableMode
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
    // 8050: clear of every other default port at any offset that is a multiple of 100.
    dynamoPortB: port(env, 'DYNAMODB_PORT_B', 8050),
    tableMode: tableMode(env),
    replication: {
      lagMs: ms(env, 'TABLE_REPLICATION_LAG_MS', REPLICATION_DEFAULTS.lagMs),
      jitterMs: ms(env, 'TABLE_REPLICATION_JITTER_MS', REPLICATION_DEFAULTS.jitterMs),
      ttlSweepMs: ms(env, 'TABLE_TTL_SWEEP_MS', REPLICATION_DEFAULTS.ttlSweepMs),
    },
    kvPorts: { a: port(env, 'KV_PORT_A', 8791), b: port(env, 'KV_PORT_B', 8792) },
    schedulerPorts: {
      a: port(env, 'SCHEDULER_PORT_A', 8793),
      b: port(env, 'SCHEDULER_PORT_B', 8794),
    },
    functionBasePorts: {
      a: port(env, 'FUNCTIONS_PORT_A', 8800),
      b: port(env, 'FUNCTIONS_PORT_B', 8810),
    },
    functionPeerPorts: {
      a: port(env, 'FUNCTIONS_PEER_PORT_A', 8805),
      b: port(env, 'FUNCTIONS_PEER_PORT_B', 8815),
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
    kvResync: Object.fromEntries(
      Object.entries(env).filter(
        (kv): kv is [string, string] => kv[0].startsWith('KV_RESYNC_') && kv[1] !== undefined
      )
    ),
    ...(env.LOCAL_INSPECTOR_PORT ? { inspectorPort: port(env, 'LOCAL_INSPECTOR_PORT', 9229) } : {}),
    workerdProcesses: workerdProcesses(env),
    outboundRoutes: env.LOCAL_OUTBOUND_ROUTES === '1',
    workerdV8Flags: workerdV8Flags(env),
  }
}

export const LOCAL_ACCOUNT = '000000000000'

export function timersArn(region: Region, awsRegion: string): string {
  return `arn:aws:lambda:${awsRegion}:${LOCAL_ACCOUNT}:function:edgewater-timers-${region}`
}
