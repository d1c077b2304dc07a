/**
 * @module counters
 * The local cloud's operation counters, per region, for the cost model (docs/performance.md):
 * what each billed service would charge for, counted where the local cloud stands in for it.
 *
 * - `kv.commands`: Redis commands as Upstash bills them, read from each redis-server's
 *   `INFO commandstats` (so every command inside a pipeline, a MULTI/EXEC and a script counts,
 *   plus the EVAL itself; MULTI, EXEC and the counters' own INFO are left out).
 *   `kv.requests` and `kv.rest` are the REST calls and the commands as sent over REST.
 * - `table`: DynamoDB operations by API name at the proxy in front of DynamoDB Local, with
 *   estimated read, write and replicated write units (see dynamo-proxy).
 * - `scheduler`: EventBridge Scheduler API calls by operation, and invocations fired.
 * - `functions`: function invocations (requests through the region's gateway) by function and
 *   by route; `edge`: requests from the region's functions to the edge (each one a Worker
 *   request plus a Durable Object request).
 *
 * `GET /counters` on the control API returns a {@link CountersSnapshot}; `POST /counters/reset`
 * starts a new window.
 */
import type { Region } from '../../shared/config/regions'

/** A set of named counts. */
export class Tally {
  private readonly counts = new Map<string, number>()

  add(key: string, n = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n)
  }

  get total(): number {
    let t = 0
    for (const v of this.counts.values()) t += v
    return t
  }

  reset(): void {
    this.counts.clear()
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)))
  }
}

/** Counts plus their total, as the control API shows them. */
export interface CountsView {
  total: number
  by: Record<string, number>
}

export const view = (t: Tally): CountsView => ({ total: t.total, by: t.toJSON() })

export interface TableView extends CountsView {
  readUnits: number
  writeUnits: number
  /** Write units the global table replicates to the other region (rWRU). */
  replicatedWriteUnits: number
}

export interface RegionCounters {
  kv: { commands: CountsView; requests: number; rest: CountsView }
  table: TableView
  scheduler: { api: CountsView; fired: number }
  functions: { invocations: CountsView; routes: CountsView }
  edge: { requests: CountsView }
}

export interface CountersSnapshot {
  /** Start of the counting window (epoch ms, real time). */
  since: number
  regions: Record<Region, RegionCounters>
  /** Table operations no region's credentials signed (the cloud's own set-up and probes). */
  tableOther: TableView
}

/** Redis commands that are not billed as such: transaction brackets and the counters' INFO. */
const NOT_BILLED = new Set(['multi', 'exec', 'info'])

/**
 * Parses `INFO commandstats` into calls per command (upper case), leaving out {@link NOT_BILLED}.
 * Lines look like `cmdstat_get:calls=3,usec=12,usec_per_call=4.00,rejected_calls=0,failed_calls=0`.
 */
export function parseCommandStats(info: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const line of info.split(/\r?\n/)) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line)
    if (!m || NOT_BILLED.has(m[1]!)) continue
    out[m[1]!.toUpperCase()] = Number(m[2])
  }
  return out
}

/** `after − before`, per key, dropping zeros. */
export function diffCounts(
  after: Record<string, number>,
  before: Record<string, number>
): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0)
    if (d > 0) out[k] = d
  }
  return out
}

/**
 * A route key for counting: the method and the path with identifiers (anything with digits,
 * `@`, `%`, `:` or `.`, or longer than 24 characters) replaced by `*`, so that one route of a
 * function is one key whatever the subscriber.
 */
export function routeKey(method: string, url: string): string {
  const path = url.split('?')[0] ?? '/'
  const parts = path
    .split('/')
    .filter(Boolean)
    .map((p) => (/[0-9@%:.]/.test(p) || p.length > 24 ? '*' : p))
  return `${method} /${parts.join('/')}`
}
