/**
 * @module metrics/catalogue
 * Every metric Edgewater records, in one place (docs/operations.md#metrics): name, help text,
 * labels and, for histograms, bucket bounds. Exporters add `region` and `component` labels.
 */
import type { HistogramDef, MetricDef } from './registry'

/** Bucket bounds (ms) for call setup: from a fast local answer to a long ringing phase. */
export const SETUP_BUCKETS_MS = [
  50, 100, 250, 500, 1000, 2000, 5000, 10_000, 20_000, 30_000, 60_000, 120_000,
] as const
/** Bucket bounds (ms) for one internal hop. */
export const HOP_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000] as const

export const METRICS = {
  registrations: {
    name: 'edgewater_registrations_total',
    help: 'REGISTERs answered 200 by Sprout, by kind: initial, reregister, deregister.',
    labels: ['kind'],
  },
  authFailures: {
    name: 'edgewater_auth_failures_total',
    help: 'Digest authentication failures (RFC 3261 §22, RFC 7616), by reason.',
    labels: ['reason'],
  },
  inviteOutcomes: {
    name: 'edgewater_invite_outcomes_total',
    help: "Initial INVITEs by the class of Sprout's final response (2xx … 6xx).",
    labels: ['class'],
  },
  callSetup: {
    name: 'edgewater_call_setup_ms',
    help: 'Time from an initial INVITE reaching Sprout to its 2xx leaving Sprout.',
    labels: [],
    buckets: SETUP_BUCKETS_MS,
    unit: 'ms',
  },
  hopLatency: {
    name: 'edgewater_hop_latency_ms',
    help: 'Duration of one signed internal request, by route (first path segment).',
    labels: ['route'],
    buckets: HOP_BUCKETS_MS,
    unit: 'ms',
  },
  kvFallbacks: {
    name: 'edgewater_kv_fallback_reads_total',
    help: "KV reads answered from the other region's copy (local miss or failure).",
    labels: [],
  },
  kvRepairs: {
    name: 'edgewater_kv_read_repairs_total',
    help: "Local KV copies repaired from the other region's on read.",
    labels: [],
  },
  kvWriteFailures: {
    name: 'edgewater_kv_write_failures_total',
    help: 'Failed KV writes of a dual write, by where: local, remote.',
    labels: ['where'],
  },
  breakerChanges: {
    name: 'edgewater_breaker_transitions_total',
    help: 'Circuit-breaker state changes toward a target, by the new state: open, closed.',
    labels: ['state'],
  },
  timerPops: {
    name: 'edgewater_timer_pops_total',
    help: 'Timer pops delivered, by timing: on_time, early, late, duplicate.',
    labels: ['timing'],
  },
  flowsOpen: {
    name: 'edgewater_flows_open',
    help: 'SIP-over-WebSocket flows open at the edge.',
    labels: [],
  },
  flowExpiryAlarms: {
    name: 'edgewater_flow_expiry_alarms_total',
    help: "Flow objects' expiry alarms run, by outcome: rearmed, lapsed, retry, gone, idle.",
    labels: ['outcome'],
  },
  flowExpiryWrites: {
    name: 'edgewater_flow_expiry_writes_total',
    help: "Flow objects' storage writes for binding expiry, by op: set_alarm, put, delete.",
    labels: ['op'],
  },
  ellisSignups: {
    name: 'edgewater_ellis_signups_total',
    help: 'Ellis accounts created.',
    labels: [],
  },
  ellisAllocations: {
    name: 'edgewater_ellis_allocations_total',
    help: 'Numbers allocated by Ellis.',
    labels: [],
  },
  transactions: {
    name: 'edgewater_sip_transactions_total',
    help: 'SIP transactions answered, by method and final-response class.',
    labels: ['method', 'class'],
  },
} as const satisfies Record<string, MetricDef | HistogramDef>

/** `4xx` for 486. */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`
}
