/**
 * Counting what a transaction costs on the local cloud (control API `GET /counters`, reset with
 * `POST /counters/reset`): the counters per region, the shape the store-count tests compare,
 * totals over both regions, and a counting window that waits for asynchronous work to land and
 * measures again when a Scheduler pop of another suite interfered. Used by the store-count,
 * routing-cost and Memento-count integration tests.
 */
import type { CountersSnapshot, RegionCounters } from '../../infra/local/counters'
import { endpoints } from './cloud'

/** Reads (GET) or resets (POST `/counters/reset`) the local cloud's counters. */
export async function control(path: string, method = 'GET'): Promise<CountersSnapshot> {
  const r = await fetch(`${endpoints().control}${path}`, { method })
  if (!r.ok) throw new Error(`${path}: ${r.status}`)
  return (await r.json()) as CountersSnapshot
}

/** What a test compares: per region, each counted service by name. */
export function shape(s: CountersSnapshot) {
  const one = (c: RegionCounters) => ({
    kv: c.kv.commands.by,
    table: c.table.by,
    scheduler: c.scheduler.api.by,
    functions: c.functions.routes.by,
    edge: c.edge.requests.by,
  })
  return { a: one(s.regions.a), b: one(s.regions.b) }
}

/** KV commands over both regions. */
export const totalKv = (s: CountersSnapshot): number =>
  s.regions.a.kv.commands.total + s.regions.b.kv.commands.total

/** Global-table operations over both regions. */
export const totalTable = (s: CountersSnapshot): number =>
  s.regions.a.table.total + s.regions.b.table.total

/** Scheduler invocations (timer pops) over both regions. */
export const fired = (s: CountersSnapshot): number =>
  s.regions.a.scheduler.fired + s.regions.b.scheduler.fired

/** One view of both regions' counters added up by name (`pick` chooses the view). */
export function both(
  s: CountersSnapshot,
  pick: (r: RegionCounters) => Record<string, number>
): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of [s.regions.a, s.regions.b])
    for (const [k, v] of Object.entries(pick(r))) out[k] = (out[k] ?? 0) + v
  return out
}

/** How long `settled` waits between reads, and how many equal reads in a row it wants. */
export const SETTLE_INTERVAL_MS = 500
export const SETTLE_READS = 3

/**
 * Counters once nothing more arrives for three reads in a row (asynchronous work such as
 * charging records and deferred writes has landed).
 */
export async function settled(): Promise<CountersSnapshot> {
  let last = JSON.stringify((await control('/counters')).regions)
  let same = 0
  for (;;) {
    await new Promise((r) => setTimeout(r, SETTLE_INTERVAL_MS))
    const now = await control('/counters')
    const text = JSON.stringify(now.regions)
    same = text === last ? same + 1 : 0
    if (same >= SETTLE_READS) return now
    last = text
  }
}

/**
 * Counts what `run` causes. A Scheduler invocation left over from an earlier suite (a timer of
 * its own falling due) would add operations of its own; the window is measured again then, up
 * to five windows in all.
 */
export async function counted(run: () => Promise<unknown>): Promise<CountersSnapshot> {
  for (let attempt = 0; ; attempt++) {
    await settled()
    await control('/counters/reset', 'POST')
    await run()
    const s = await settled()
    if (fired(s) === 0 || attempt >= 4) return s
  }
}
