/**
 * @module metrics/summary
 * The figures an operator reads first, per region, from a summed snapshot (the CLI's `metrics`
 * command and the `/ops` dashboard): registrations by kind, INVITE outcomes by class, auth
 * failures, call setup p50/p99, flows open, KV fallbacks and repairs, breaker changes, timer
 * pops by timing, Ellis sign-ups and allocations. Pure.
 */
import { METRICS } from './catalogue'
import { family, type MetricsSnapshot, quantile, total } from './snapshot'

export interface RegionSummary {
  registrations: Record<'initial' | 'reregister' | 'deregister', number>
  invites: Record<string, number>
  authFailures: number
  setupMs: { count: number; p50?: number | undefined; p99?: number | undefined }
  flowsOpen: number
  kvFallbacks: number
  kvRepairs: number
  breakerChanges: number
  timerPops: Record<string, number>
  signups: number
  allocations: number
}

function byLabel(snap: MetricsSnapshot, name: string, label: string, region: string) {
  const out: Record<string, number> = {}
  const f = family(snap, name)
  for (const s of f?.series ?? []) {
    if (s.labels.region !== region) continue
    const k = s.labels[label] ?? ''
    out[k] = (out[k] ?? 0) + ('value' in s ? s.value : s.count)
  }
  return out
}

function setup(snap: MetricsSnapshot, region: string): RegionSummary['setupMs'] {
  const f = family(snap, METRICS.callSetup.name)
  if (f?.type !== 'histogram') return { count: 0 }
  const counts = new Array(f.buckets.length + 1).fill(0) as number[]
  let count = 0
  for (const s of f.series) {
    if (s.labels.region !== region) continue
    s.counts.forEach((c, i) => {
      counts[i] = (counts[i] ?? 0) + c
    })
    count += s.count
  }
  return {
    count,
    p50: quantile(f.buckets, { counts, count }, 0.5),
    p99: quantile(f.buckets, { counts, count }, 0.99),
  }
}

/** The summary of each region named in `always` or in the snapshot's `region` labels. */
export function summarize(
  snap: MetricsSnapshot,
  always: readonly string[] = []
): Record<string, RegionSummary> {
  const regions = new Set<string>(always)
  for (const f of snap.families)
    for (const s of f.series) if (s.labels.region) regions.add(s.labels.region)
  const out: Record<string, RegionSummary> = {}
  for (const region of [...regions].sort()) {
    const r = { region }
    const regs = byLabel(snap, METRICS.registrations.name, 'kind', region)
    out[region] = {
      registrations: {
        initial: regs.initial ?? 0,
        reregister: regs.reregister ?? 0,
        deregister: regs.deregister ?? 0,
      },
      invites: byLabel(snap, METRICS.inviteOutcomes.name, 'class', region),
      authFailures: total(snap, METRICS.authFailures.name, r),
      setupMs: setup(snap, region),
      flowsOpen: total(snap, METRICS.flowsOpen.name, r),
      kvFallbacks: total(snap, METRICS.kvFallbacks.name, r),
      kvRepairs: total(snap, METRICS.kvRepairs.name, r),
      breakerChanges: total(snap, METRICS.breakerChanges.name, r),
      timerPops: byLabel(snap, METRICS.timerPops.name, 'timing', region),
      signups: total(snap, METRICS.ellisSignups.name, r),
      allocations: total(snap, METRICS.ellisAllocations.name, r),
    }
  }
  return out
}
