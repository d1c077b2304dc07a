/**
 * @module vellum/factory
 * The composition root's side of Vellum: builds the production adapters from the one set of
 * SDK clients (clients.ts) and the function's configuration. Adapters are cheap objects made
 * per request, each sharing that request's {@link RoundTrips}; the SDK clients and the KV
 * health counters live per isolate.
 */
import type { Clock } from '../config/clock'
import type { FunctionEnv } from '../config/function-env'
import type { Logger } from '../log/logger'
import type { StoreClients } from './clients'
import type { ResyncSettings } from './kv-resync-trigger'
import { UpstashRegionalKv } from './kv-upstash'
import { type KvCounters, newKvCounters } from './regional-kv'
import { RoundTrips } from './round-trips'
import { DynamoGlobalTable } from './table-dynamo'
import type { PopDeps } from './timer-pop'
import { PreciseTierClient } from './timer-precise-client'
import type { ScheduleSettings, ScheduleTarget } from './timer-schedules'
import { TieredTimerService } from './timers-tiered'
import type { Vellum } from './vellum'

export interface VellumOptions {
  /** Count into this counter (default: a fresh one per call). */
  roundTrips?: RoundTrips
  /** Delay of the backup schedule after the primary (ms). */
  backupMarginMs?: number
  /** Set primary schedules this long before the due time (ms; see timers-tiered.ts). */
  primaryLeadMs?: number
  fetch?: typeof fetch
}

const countersByClients = new WeakMap<StoreClients, KvCounters>()

/** The isolate's KV health counters for these clients. */
export function kvCountersFor(clients: StoreClients): KvCounters {
  let c = countersByClients.get(clients)
  if (!c) {
    c = newKvCounters()
    countersByClients.set(clients, c)
  }
  return c
}

/** The automatic KV resync's limits from the function's settings (function-env.ts). */
export function resyncSettings(env: FunctionEnv): ResyncSettings {
  return {
    batch: env.KV_RESYNC_BATCH,
    runTimeoutMs: env.KV_RESYNC_RUN_TIMEOUT_MS,
    runIntervalMs: env.KV_RESYNC_RUN_INTERVAL_MS,
    retryMs: env.KV_RESYNC_PEER_RETRY_MS,
    quietCheckMs: env.KV_RESYNC_QUIET_CHECK_MS,
    hintsTtlMs: env.KV_RESYNC_HINTS_TTL_S * 1000,
  }
}

export function scheduleTargets(env: FunctionEnv, clients: StoreClients) {
  const local: ScheduleTarget = {
    client: clients.schedulerLocal,
    kind: 'scheduler-local',
    targetArn: env.TIMERS_TARGET_ARN,
    deadLetterArn: env.SCHEDULER_DLQ_ARN,
  }
  const remote: ScheduleTarget = {
    client: clients.schedulerRemote,
    kind: 'scheduler-remote',
    targetArn: env.TIMERS_REMOTE_TARGET_ARN,
    deadLetterArn: env.SCHEDULER_REMOTE_DLQ_ARN,
  }
  const settings: ScheduleSettings = { group: env.SCHEDULER_GROUP, roleArn: env.SCHEDULER_ROLE_ARN }
  return { local, remote, settings }
}

export function vellumFor(
  env: FunctionEnv,
  clients: StoreClients,
  clock: Clock,
  log: Logger,
  opts: VellumOptions = {}
): Vellum {
  const rt = opts.roundTrips ?? new RoundTrips()
  const table = new DynamoGlobalTable(clients.dynamo, clients.tableName, clock, rt)
  const kv = new UpstashRegionalKv(
    clients.kvLocal,
    clients.kvRemote,
    clock,
    log,
    rt,
    kvCountersFor(clients),
    { resync: resyncSettings(env) }
  )
  const timers = new TieredTimerService({
    table,
    ...scheduleTargets(env, clients),
    precise: new PreciseTierClient(env.EDGE_URL, env.HOP_SECRET, rt, opts.fetch),
    clock,
    log,
    rt,
    region: env.REGION,
    ...(opts.backupMarginMs !== undefined ? { backupMarginMs: opts.backupMarginMs } : {}),
    ...(opts.primaryLeadMs !== undefined ? { primaryLeadMs: opts.primaryLeadMs } : {}),
  })
  return { table, kv, timers, roundTrips: rt }
}

/** What the timers function's pop handler needs, built from the same pieces. */
export function popDepsFor(
  env: FunctionEnv,
  clients: StoreClients,
  clock: Clock,
  log: Logger,
  v: Vellum,
  opts: VellumOptions = {}
): PopDeps {
  return {
    table: v.table,
    ...scheduleTargets(env, clients),
    clock,
    log,
    rt: v.roundTrips,
    region: env.REGION,
    functionUrls: env.FUNCTION_URLS,
    secret: env.HOP_SECRET,
    precise: new PreciseTierClient(env.EDGE_URL, env.HOP_SECRET, v.roundTrips, opts.fetch),
    ...(opts.backupMarginMs !== undefined ? { backupMarginMs: opts.backupMarginMs } : {}),
    ...(opts.primaryLeadMs !== undefined ? { primaryLeadMs: opts.primaryLeadMs } : {}),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  }
}

/** `createVellum(c.get('services'))` in a handler: the production adapters for this request. */
export function createVellum(
  services: { env: FunctionEnv; stores: StoreClients; clock: Clock; log: Logger },
  opts: VellumOptions = {}
): Vellum {
  return vellumFor(services.env, services.stores, services.clock, services.log, opts)
}
