/**
 * @module cost-model
 * Dollars per registration, per call and per 1,000 subscribers per month, from the operations
 * the local cloud counted (see infra/local/counters) and the CPU measured per operation, at the
 * list prices of one dated file (test/bench/prices-2026-12.json, or BENCH_PRICES=<file>).
 *
 * Per operation: Lambda requests and GB-seconds (each invocation billed for the measured workerd
 * CPU shared out plus an assumed I/O wait, at the configured memory), Cloudflare Worker and
 * Durable Object requests (each request from a function to the edge is one of each; each SIP
 * message a client sends is a WebSocket message to its flow object, a Durable Object request
 * billed 20:1), Upstash commands (pay as you go),
 * DynamoDB read, write and replicated write units, Scheduler invocations (each schedule created
 * counted as one that fires), Durable Object alarms (a request each, rows written for `setAlarm`
 * and the expiry record, and the handler's awake time). Flow objects are assumed to hibernate between messages (no duration
 * billed); what an awake one would cost is shown beside.
 *
 * Per month, Clearwater's profile: every subscriber re-registers `reregistrations_per_subscriber_
 * per_hour` around the clock, and makes `busy_hour_call_attempts_per_subscriber` in the busy
 * hour, which carries `busy_hour_share_of_daily_calls` of the day's calls (0.1: a day is ten busy
 * hours of calls). Fixed fees (Workers Paid, an Upstash fixed plan per region) are shared over
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
    websocket_messages_per_billed_request: number
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
    reregistrations_per_subscriber_per_hour: number
    /** The Expires clients register with (a refresh comes every 1 / reregistrations per hour). */
    registration_expiry_s: number
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
  const wsBilled = u.websocketMessages / cf.websocket_messages_per_billed_request
  const gbS =
    ((u.functionInvocations * p.aws_lambda.io_wait_ms_per_invocation + u.workerdCpuMs) / 1000) *
    p.aws_lambda.memory_gb
  return {
    'Lambda requests': (u.functionInvocations * p.aws_lambda.requests_per_million_usd) / M,
    'Lambda GB-s': gbS * p.aws_lambda.gb_s_usd,
    // WebSocket messages reach the flow object directly: Durable Object requests, not Worker ones.
    'Workers requests': (u.edgeRequests * cf.workers_requests_per_million_usd) / M,
    'Durable Object requests':
      ((u.edgeRequests + wsBilled + (u.durableObjectAlarms ?? 0)) *
        cf.durable_object_requests_per_million_usd) /
      M,
    // Flow objects' expiry alarms: their storage writes, and the time each handler is awake.
    'Durable Object alarm writes and duration':
      ((u.durableObjectRowsWritten ?? 0) * cf.durable_object_rows_written_per_million_usd) / M +
      (((u.durableObjectAlarms ?? 0) * cf.durable_object_alarm_wall_ms_assumed) / 1000) *
        cf.durable_object_memory_gb *
        (cf.durable_object_gb_s_per_million_usd / M),
    'Upstash commands (pay as you go)':
      (u.kvCommands * p.upstash_redis.pay_as_you_go_per_100k_commands_usd) / 1e5,
    'DynamoDB writes': (u.tableWriteUnits * p.dynamodb_on_demand.write_units_per_million_usd) / M,
    'DynamoDB replicated writes':
      (u.tableReplicatedWriteUnits * p.dynamodb_on_demand.replicated_write_units_per_million_usd) /
      M,
    'DynamoDB reads': (u.tableReadUnits * p.dynamodb_on_demand.read_units_per_million_usd) / M,
    'Scheduler invocations':
      (u.schedules * p.eventbridge_scheduler.invocations_per_million_usd) / M,
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
  busyHourKvCommandsPerSecondPerRegion: number
}

/**
 * Expiry pops per registration: a refresh does not move its flow's alarm (nor re-arm a binding
 * timer); the alarm fires about every E − R/2 seconds (expiry E, refresh period R) and re-arms
 * for the latest expiry (docs/registrar.md).
 */
export function expiryPopsPerRegistration(p: Prices): number {
  const refreshS = 3600 / p.profile.reregistrations_per_subscriber_per_hour
  return refreshS / (p.profile.registration_expiry_s - refreshS / 2)
}

export function monthlyPer1000(
  reg: OperationUse,
  call: OperationUse,
  p: Prices,
  /** One flow alarm that re-arms for a refreshed binding (steps.ts), amortised over registrations. */
  expiryPop?: OperationUse
): MonthlyCost {
  const pr = p.profile
  const regs = pr.reregistrations_per_subscriber_per_hour * 24 * pr.days_per_month
  const calls =
    (pr.busy_hour_call_attempts_per_subscriber / pr.busy_hour_share_of_daily_calls) *
    pr.days_per_month
  const per1000 = (perOp: CostLines, n: number) =>
    Object.fromEntries(Object.entries(perOp).map(([k, v]) => [k, v * n * 1000]))
  const r = per1000(costPerOperation(reg, p), regs)
  const c = per1000(costPerOperation(call, p), calls)
  const lines: CostLines = {}
  const pops = expiryPop
    ? per1000(costPerOperation(expiryPop, p), regs * expiryPopsPerRegistration(p))
    : {}
  for (const k of Object.keys(r)) lines[k] = (r[k] ?? 0) + (c[k] ?? 0) + (pops[k] ?? 0)
  const share = 1000 / pr.deployment_subscribers
  lines['Workers Paid plan (shared)'] = p.cloudflare.workers_paid_monthly_usd * share

  // Upstash: pay as you go, or the smallest fixed plan (one per region) that fits the busy hour.
  const payg = lines['Upstash commands (pay as you go)'] ?? 0
  const busyPerSecond =
    (pr.deployment_subscribers *
      (pr.reregistrations_per_subscriber_per_hour *
        (reg.kvCommandsBusiestRegion +
          expiryPopsPerRegistration(p) * (expiryPop?.kvCommandsBusiestRegion ?? 0)) +
        pr.busy_hour_call_attempts_per_subscriber * call.kvCommandsBusiestRegion)) /
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
    busyHourKvCommandsPerSecondPerRegion: busyPerSecond,
  }
}
