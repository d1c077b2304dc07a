/**
 * @module workers
 * miniflare running the edge (one entry per region on the contract ports, sharing one Durable
 * Object namespace, as one Cloudflare edge would) and every function of every region as its own
 * worker with that region's bindings. Worker console output is re-printed with a
 * `[component-region]` prefix (log-lines.ts).
 */
import type { Readable } from 'node:stream'
import { Log, LogLevel, Miniflare, type WorkerOptions } from 'miniflare'
import { FUNCTIONS, type FunctionName, REGIONS, type Region } from '../../shared/config/regions'
import type { BuildResult } from './build'
import type { LocalCloudSettings } from './contract'
import { edgeBindings, functionBindings } from './function-bindings'
import { iceBindings, localIceSettings } from './ice-settings'
import { lineSplitter, printedLine } from './log-lines'
import { outboundRouteOptions } from './outbound-routes'
import type { LineSink } from './processes'

export const COMPATIBILITY_DATE = '2026-04-01'

export function workerName(fn: FunctionName | 'edge', region: Region): string {
  return `${fn}-${region}`
}

function prefixLines(stream: Readable, sink: LineSink): void {
  const lines = lineSplitter((line) => {
    const p = printedLine(line)
    sink(p.tag, p.text)
  })
  stream.on('data', (chunk: Buffer | string) => lines.push(chunk))
  stream.on('end', () => lines.end())
}

export async function startWorkers(
  s: LocalCloudSettings,
  bundles: BuildResult,
  sink: LineSink,
  /** Per region, the URL its functions reach the edge by (the gateway's counting edge hop). */
  edgeUrls?: Record<Region, string>
): Promise<{
  dispose: () => Promise<void>
  functionTargets: Record<Region, Record<FunctionName, URL>>
}> {
  const workers: WorkerOptions[] = []
  for (const region of REGIONS) {
    workers.push({
      name: workerName('edge', region),
      modules: true,
      scriptPath: bundles.edge,
      compatibilityDate: COMPATIBILITY_DATE,
      ...withOutboundRoutes(s, edgeBindings(s, region, edgeUrls?.[region])),
      // One global namespace: both edge entries address the objects of edge-a's script.
      durableObjects:
        region === 'a'
          ? { FLOW: 'FlowObject', TIMERS: 'TimerShard' }
          : {
              FLOW: { className: 'FlowObject', scriptName: workerName('edge', 'a') },
              TIMERS: { className: 'TimerShard', scriptName: workerName('edge', 'a') },
            },
      unsafeDirectSockets: [{ host: '127.0.0.1', port: s.edgePorts[region] }],
    })
  }
  for (const region of REGIONS) {
    for (const fn of FUNCTIONS) {
      workers.push({
        name: workerName(fn, region),
        modules: true,
        scriptPath: bundles.functions[fn]!,
        compatibilityDate: COMPATIBILITY_DATE,
        ...withOutboundRoutes(s, {
          ...functionBindings(s, region, edgeUrls?.[region]),
          // The softphone's ICE servers, which only Ellis reads (ice-settings.ts).
          ...(fn === 'ellis' ? iceBindings(localIceSettings()) : {}),
        }),
        unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
      })
    }
  }
  // workerd runs all of a process's isolates on one thread: one process would serialise what
  // production runs apart (Cloudflare's edge, each region's Lambdas), hence a process each.
  const groups = s.workerdProcesses === 'one' ? [workers] : workerGroups(workers)
  const instances: Miniflare[] = []
  // miniflare has no option for workerd's V8 flags; it reads them from this variable.
  if (s.workerdV8Flags.length > 0)
    process.env.MINIFLARE_WORKERD_V8_FLAGS = s.workerdV8Flags.join(' ')
  else delete process.env.MINIFLARE_WORKERD_V8_FLAGS
  try {
    for (const [i, group] of groups.entries()) {
      const mf = new Miniflare({
        host: '127.0.0.1',
        port: 0,
        workers: group,
        cf: false,
        ...(s.inspectorPort ? { inspectorPort: s.inspectorPort + i } : {}),
        log: new Log(LogLevel.WARN),
        handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
          prefixLines(stdout, sink)
          prefixLines(stderr, sink)
        },
      })
      instances.push(mf)
    }
    await Promise.all(instances.map((mf) => mf.ready))
  } catch (e) {
    await Promise.allSettled(instances.map((mf) => mf.dispose()))
    throw e
  }
  const owner = (name: string) =>
    instances[groups.findIndex((g) => g.some((w) => w.name === name))]!
  const functionTargets = {} as Record<Region, Record<FunctionName, URL>>
  for (const region of REGIONS) {
    functionTargets[region] = {} as Record<FunctionName, URL>
    for (const fn of FUNCTIONS) {
      const name = workerName(fn, region)
      functionTargets[region][fn] = await owner(name).unsafeGetDirectURL(name)
    }
  }
  const dispose = async () => {
    await Promise.allSettled(instances.map((mf) => mf.dispose()))
  }
  return { dispose, functionTargets }
}

/**
 * A worker's bindings and, with `LOCAL_OUTBOUND_ROUTES=1`, the service bindings that take its
 * requests to loopback origins past miniflare's outbound interceptor (outbound-routes.ts).
 */
function withOutboundRoutes(
  s: LocalCloudSettings,
  bindings: Record<string, string>
): { bindings: Record<string, string>; serviceBindings?: WorkerOptions['serviceBindings'] } {
  if (!s.outboundRoutes) return { bindings }
  const { serviceBindings, routes } = outboundRouteOptions(bindings)
  return { bindings: { ...bindings, ...routes }, serviceBindings }
}

/** The edge's workers (both entries share one Durable Object namespace), then each region's functions. */
function workerGroups(workers: WorkerOptions[]): WorkerOptions[][] {
  const edge = workers.filter((w) => w.name?.startsWith('edge-'))
  const byRegion = REGIONS.map((r) =>
    workers.filter((w) => !w.name?.startsWith('edge-') && w.name?.endsWith(`-${r}`))
  )
  return [edge, ...byRegion]
}
