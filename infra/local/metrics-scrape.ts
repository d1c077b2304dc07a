/**
 * @module metrics-scrape
 * The local cloud's collection of metrics (docs/operations.md#metrics): every function of both
 * regions (`GET /metrics`) and both edge entries (`GET /internal/metrics`) are asked for their
 * isolate's snapshot, signed with the hop secret as any internal request, and the answers are
 * summed series by series (each series keeps its `region` and `component` labels). A component
 * that does not answer (its region is down) is left out and reported by
 * `edgewater_scrape_up{region,component} 0`. The control API serves the sum as Prometheus text
 * (`GET /metrics`) and as JSON (`GET /metrics.json`).
 */
import { FUNCTIONS, REGIONS, type Region } from '../../shared/config/regions'
import { signedFetch } from '../../shared/hop/signed-fetch'
import { type MetricsSnapshot, sumSnapshots, type ValueSeries } from '../../shared/metrics/snapshot'

export interface ScrapeTargets {
  edges: Record<Region, string>
  functions: Record<Region, Record<(typeof FUNCTIONS)[number], string>>
  hopSecret: string
}

/** How long one component may take to answer a scrape. */
export const SCRAPE_TIMEOUT_MS = 2_000

async function scrapeOne(url: string, secret: string): Promise<MetricsSnapshot | undefined> {
  try {
    const res = await signedFetch((u, i) => fetch(u, i), secret, url, {
      method: 'GET',
      signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS),
    })
    if (!res.ok) return undefined
    const body = (await res.json()) as MetricsSnapshot
    return Array.isArray(body?.families) ? body : undefined
  } catch {
    return undefined
  }
}

/** Every component's snapshot, summed, with `edgewater_scrape_up` for each component. */
export async function scrapeMetrics(t: ScrapeTargets): Promise<MetricsSnapshot> {
  const jobs: { region: Region; component: string; url: string }[] = []
  for (const region of REGIONS) {
    jobs.push({ region, component: 'edge', url: `${t.edges[region]}/internal/metrics` })
    for (const fn of FUNCTIONS)
      jobs.push({ region, component: fn, url: `${t.functions[region][fn]}/metrics` })
  }
  const got = await Promise.all(jobs.map((j) => scrapeOne(j.url, t.hopSecret)))
  const up: ValueSeries[] = jobs.map((j, i) => ({
    labels: { region: j.region, component: j.component },
    value: got[i] ? 1 : 0,
  }))
  const sum = sumSnapshots(got.filter((s): s is MetricsSnapshot => s !== undefined))
  sum.families.push({
    name: 'edgewater_scrape_up',
    help: 'Whether the control port could read a component’s metrics (1) or not (0).',
    type: 'gauge',
    series: up,
  })
  return sum
}
