/**
 * @module cost-model
 * Dollars per registration, per call and per 1,000 subscribers per month, from the operations
 * the local cloud counted (see infra/local/counters) and the CPU measured per operation, at the
 * list prices of one dated file (test/bench/prices-2026-12.json, or BENCH_PRICES=<file>).
 *
 * Per operation: Lambda requests and GB-seconds (each invocation billed for the measured workerd
 * CPU shared out plus an assumed I/O wait, at the configured memory); Cloudflare Worker and
 * Durable Object requests (each request from a function to the edge is one of each; each SIP
 * message a client sends is an incoming WebSocket message to its flow object, a Durable Object
 * request billed 20:1; each alarm invocation is a request); Durable Object rows written
 * (`setAlarm`, `put`, deletes) and duration (an assumed wall time per message or alarm the
 * object handles, at 128 MB: it hibernates in between); Upstash commands (pay as you go);
 * DynamoDB replicated write units (a global table bills every write once in each replica's
 * region, the writing one included: the counted write units plus replicated write units), index
 * write units (standard units in every region), read units; Scheduler invocations (each
 * schedule created counted as one that fires); data leaving AWS (each function answer and each
 * request to the edge, at an assumed size) and the table's replication between regions.
 *
 * Per month, Clearwater's profile (run_stress): every subscriber re-registers
 * `reregistrations_per_subscriber_per_hour` around the clock, and makes
 * `busy_hour_call_attempts_per_subscriber` × `originating_share_of_call_attempts` end-to-end
 * calls in the busy hour (a BHCA counts an on-net call once as originating and once as
 * terminating; a counted call is the whole call, both sides), which carries
 * `busy_hour_share_of_daily_calls` of the day's calls. Fixed fees (Workers Paid, an Upstash
 * fixed plan per region) and the usage Workers Paid includes are shared over
 * `deployment_subscribers`; the cheaper Upstash choice (pay as you go or the smallest fixed plan
 * whose memory and command rate fit the busy hour) is taken.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export interface Prices {
  read: string
  cloudflare: {
    workers_paid_monthly_usd: number
    workers_requests_per_million_usd: number
    durable_object_requests_per_million_usd: number
    durable_object_gb_s_per_million_usd: number
    durable_object_memory_gb: number
    /** SQLite-backed storage: each `setAlarm`, `put` or deleted row is one row written. */
    durable_object_rows_written_per_million_usd: number
    /** Wall time an alarm handler keeps its object awake (duration billed), ms. */
    durable_object_alarm_wall_ms_assumed: number
    /** Wall time a flow object is awake per message it handles (its hop included), ms. */
    durable_object_wall_ms_per_event_assumed: number
    websocket_messages_per_billed_request: number
    /** What the Workers Paid fee includes each month (account-wide, shared over the deployment). */
    workers_paid_includes: {
      workers_requests: number
      durable_object_requests: number
      durable_object_gb_s: number
      durable_object_rows_written: number
    }
  }
  aws_lambda: {
    requests_per_million_usd: number
    gb_s_usd: number
    memory_gb: number
    io_wait_ms_per_invocation: number
  }
  dynamodb_on_demand: {
    write_units_per_million_usd: number
    read_units_per_million_usd: number
    replicated_write_units_per_million_usd: number
  }
  eventbridge_scheduler: { invocations_per_million_usd: number }
  aws_data_transfer: {
    out_to_internet_per_gb_usd: number
    inter_region_per_gb_usd: number
    /** Bytes of one function answer or one request to the edge (a SIP message and its hop). */
    bytes_per_message_assumed: number
  }
  upstash_redis: {
    pay_as_you_go_per_100k_commands_usd: number
    fixed_plans: Array<{
      name: string
      monthly_usd: number
      memory_mb: number
      max_commands_per_second: number
    }>
  }
  clearwater_vm_per_1000_subscribers_month_usd: { low: number; high: number }
  profile: {
    busy_hour_call_attempts_per_subscriber: number
    /** The share of call attempts that place a call (run_stress: OUTGOING_BHCA = BHCA / 2). */
    originating_share_of_call_attempts: number
    reregistrations_per_subscriber_per_hour: number
    /** A binding's expiry (a refresh comes every 1 / reregistrations per hour). */
    registration_expiry_s: number
    /** FLOW_EXPIRY_GRACE_SECONDS: the flow's alarm looks this long after an expiry. */
    flow_expiry_grace_s: number
    busy_hour_share_of_daily_calls: number
    days_per_month: number
    deployment_subscribers: number
    kv_bytes_per_subscriber: number
  }
}

export function loadPrices(file = process.env.BENCH_PRICES): Prices {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const p = file ?? path.join(here, '..', 'prices-2026-12.json')
  return JSON.parse(readFileSync(p, 'utf8')) as Prices
}

/** What one operation (a registration or a call) used, as counted. */
export interface OperationUse {
  functionInvocations: number
  /** Upstash commands over both regions, as billed; and the busiest region's share. */
  kvCommands: number
  kvCommandsBusiestRegion: number
  tableReadUnits: number
  tableWriteUnits: number
  tableReplicatedWriteUnits: number
  /** Global secondary index write units over both regions (not counted by the local proxy). */
  tableIndexWriteUnits?: number
  schedules: number
  /** Requests from the functions to the edge (Worker + Durable Object request each). */
  edgeRequests: number
  /** SIP messages the clients sent over their WebSockets. */
  websocketMessages: number
  /** workerd CPU per operation (edge and functions), ms. */
  workerdCpuMs: number
  /** Durable Object alarm invocations (each a Durable Object request, and awake time). */
  durableObjectAlarms?: number
  /** Durable Object storage rows written (`setAlarm`, `put`, deletes). */
  durableObjectRowsWritten?: number
}

export type CostLines = Record<string, number>

/** Dollars per operation, by line item (pay-as-you-go Upstash). */
export function costPerOperation(u: OperationUse, p: Prices): CostLines {
  const M = 1e6
  const cf = p.cloudflare
  const q = quantities(u, p)
  const dt = p.aws_data_transfer
  return {
    'Lambda requests': (u.functionInvocations * p.aws_lambda.requests_per_million_usd) / M,
    'Lambda GB-s': q.lambdaGbS * p.aws_lambda.gb_s_usd,
    // WebSocket messages reach the flow object directly: Durable Object requests, not Worker ones.
    'Workers requests': (q.workersRequests * cf.workers_requests_per_million_usd) / M,
    'Durable Object requests':
      (q.durableObjectRequests * cf.durable_object_requests_per_million_usd) / M,
    'Durable Object rows written':
      (q.durableObjectRowsWritten * cf.durable_object_rows_written_per_million_usd) / M,
    'Durable Object duration': (q.durableObjectGbS * cf.durable_object_gb_s_per_million_usd) / M,
    'Upstash commands (pay as you go)':
      (u.kvCommands * p.upstash_redis.pay_as_you_go_per_100k_commands_usd) / 1e5,
    'DynamoDB writes': (u.tableWriteUnits * p.dynamodb_on_demand.write_units_per_million_usd) / M,
    'DynamoDB replicated writes':
      (u.tableReplicatedWriteUnits * p.dynamodb_on_demand.replicated_write_units_per_million_usd) /
      M,
    'DynamoDB index writes':
      ((u.tableIndexWriteUnits ?? 0) * p.dynamodb_on_demand.write_units_per_million_usd) / M,
    'DynamoDB reads': (u.tableReadUnits * p.dynamodb_on_demand.read_units_per_million_usd) / M,
    'Scheduler invocations':
      (u.schedules * p.eventbridge_scheduler.invocations_per_million_usd) / M,
    'AWS data transfer':
      (((u.functionInvocations + u.edgeRequests) * dt.bytes_per_message_assumed) / 1e9) *
        dt.out_to_internet_per_gb_usd +
      ((u.tableReplicatedWriteUnits * 1024) / 1e9) * dt.inter_region_per_gb_usd,
  }
}

/** The billed quantities of one operation that a plan's included usage can cover. */
export function quantities(u: OperationUse, p: Prices) {
  const cf = p.cloudflare
  const alarms = u.durableObjectAlarms ?? 0
  const events = u.websocketMessages + u.edgeRequests
  return {
    lambdaGbS:
      ((u.functionInvocations * p.aws_lambda.io_wait_ms_per_invocation + u.workerdCpuMs) / 1000) *
      p.aws_lambda.memory_gb,
    workersRequests: u.edgeRequests,
    durableObjectRequests:
      u.edgeRequests + u.websocketMessages / cf.websocket_messages_per_billed_request + alarms,
    durableObjectRowsWritten: u.durableObjectRowsWritten ?? 0,
    durableObjectGbS:
      ((events * cf.durable_object_wall_ms_per_event_assumed +
        alarms * cf.durable_object_alarm_wall_ms_assumed) /
        1000) *
      cf.durable_object_memory_gb,
  }
}

export const sum = (c: CostLines) => Object.values(c).reduce((a, b) => a + b, 0)

export interface MonthlyCost {
  registrationsPerSubscriber: number
  callsPerSubscriber: number
  /** $ per 1,000 subscribers per month, by line (Upstash as chosen). */
  lines: CostLines
  total: number
  upstash: { choice: string; payAsYouGo: number; fixed?: { name: string; per1000: number } }
  /** What flow objects that never hibernate would add, per 1,000 subscribers. */
  awakeFlowsPer1000: number
  /** What the usage Workers Paid includes took off the lines, per 1,000 subscribers. */
  includedUsd: number
  busyHourKvCommandsPerSecondPerRegion: number
}

/**
 * Expiry events per registration: what keeping a binding's expiry costs, as a share of the
 * registrations. The flow's alarm must stand no later than the binding's expiry plus the grace
 * after each refresh, and one alarm write serves every refresh that comes before it fires: with
 * a refresh every R seconds and an expiry of E, one write per ⌊(E + grace) / R⌋ refreshes. The
 * flow writes it on the refresh after which the alarm would fire before the next one (steps.ts
 * counts that refresh's write), so a regularly refreshed binding's alarm never fires.
 */
export function expiryEventsPerRegistration(p: Prices): number {
  const refreshS = 3600 / p.profile.reregistrations_per_subscriber_per_hour
  const covered = Math.floor(
    (p.profile.registration_expiry_s + p.profile.flow_expiry_grace_s) / refreshS
  )
  return 1 / Math.max(1, covered)
}

/** End-to-end calls per subscriber in the busy hour (a call is two call attempts). */
export const busyHourCallsPerSubscriber = (p: Prices) =>
  p.profile.busy_hour_call_attempts_per_subscriber * p.profile.originating_share_of_call_attempts

export function monthlyPer1000(
  reg: OperationUse,
  call: OperationUse,
  p: Prices,
  /** One expiry event of a refreshed binding (steps.ts), amortised over registrations. */
  expiryPop?: OperationUse
): MonthlyCost {
  const pr = p.profile
  const regs = pr.reregistrations_per_subscriber_per_hour * 24 * pr.days_per_month
  const calls =
    (busyHourCallsPerSubscriber(p) / pr.busy_hour_share_of_daily_calls) * pr.days_per_month
  const per1000 = (perOp: CostLines, n: number) =>
    Object.fromEntries(Object.entries(perOp).map(([k, v]) => [k, v * n * 1000]))
  const r = per1000(costPerOperation(reg, p), regs)
  const c = per1000(costPerOperation(call, p), calls)
  const lines: CostLines = {}
  const pops = expiryPop
    ? per1000(costPerOperation(expiryPop, p), regs * expiryEventsPerRegistration(p))
    : {}
  for (const k of Object.keys(r)) lines[k] = (r[k] ?? 0) + (c[k] ?? 0) + (pops[k] ?? 0)
  const share = 1000 / pr.deployment_subscribers
  // The usage Workers Paid includes, shared like its fee: each line less its share, at its price.
  const inc = p.cloudflare.workers_paid_includes
  const cf = p.cloudflare
  const included: Array<[string, number, number]> = [
    ['Workers requests', inc.workers_requests, cf.workers_requests_per_million_usd],
    [
      'Durable Object requests',
      inc.durable_object_requests,
      cf.durable_object_requests_per_million_usd,
    ],
    [
      'Durable Object rows written',
      inc.durable_object_rows_written,
      cf.durable_object_rows_written_per_million_usd,
    ],
    ['Durable Object duration', inc.durable_object_gb_s, cf.durable_object_gb_s_per_million_usd],
  ]
  let includedUsd = 0
  for (const [line, amount, perMillion] of included) {
    const credit = Math.min(lines[line] ?? 0, ((amount * share) / 1e6) * perMillion)
    lines[line] = (lines[line] ?? 0) - credit
    includedUsd += credit
  }
  lines['Workers Paid plan (shared)'] = p.cloudflare.workers_paid_monthly_usd * share

  // Upstash: pay as you go, or the smallest fixed plan (one per region) that fits the busy hour.
  const payg = lines['Upstash commands (pay as you go)'] ?? 0
  const busyPerSecond =
    (pr.deployment_subscribers *
      (pr.reregistrations_per_subscriber_per_hour *
        (reg.kvCommandsBusiestRegion +
          expiryEventsPerRegistration(p) * (expiryPop?.kvCommandsBusiestRegion ?? 0)) +
        busyHourCallsPerSubscriber(p) * call.kvCommandsBusiestRegion)) /
    3600
  const memoryMb = (pr.deployment_subscribers * pr.kv_bytes_per_subscriber) / 2 ** 20
  const plan = p.upstash_redis.fixed_plans
    .filter((f) => f.memory_mb >= memoryMb && f.max_commands_per_second >= busyPerSecond)
    .sort((a, b) => a.monthly_usd - b.monthly_usd)[0]
  const fixed = plan ? { name: plan.name, per1000: 2 * plan.monthly_usd * share } : undefined
  let choice = 'pay as you go'
  if (fixed && fixed.per1000 < payg) {
    choice = `${fixed.name} ×2 regions`
    delete lines['Upstash commands (pay as you go)']
    lines[`Upstash ${fixed.name} ×2 (shared)`] = fixed.per1000
  }
  const secondsPerMonth = pr.days_per_month * 86_400
  const awake =
    ((1000 * secondsPerMonth * p.cloudflare.durable_object_memory_gb) / 1e6) *
    p.cloudflare.durable_object_gb_s_per_million_usd
  return {
    registrationsPerSubscriber: regs,
    callsPerSubscriber: calls,
    lines,
    total: sum(lines),
    upstash: { choice, payAsYouGo: payg, ...(fixed ? { fixed } : {}) },
    awakeFlowsPer1000: awake,
    includedUsd,
    busyHourKvCommandsPerSecondPerRegion: busyPerSecond,
  }
}
