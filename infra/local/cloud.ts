/**
 * @module cloud
 * Starts and stops the two-region local cloud (architecture §6): DynamoDB Local with the
 * stack's tables; per region a redis-server behind the Upstash REST adapter, a fake EventBridge
 * Scheduler and the function ports; miniflare with the edge and every function; the control
 * API. `npm start` and the integration tests' global setup both use {@link startLocalCloud}.
 */
import { FUNCTIONS, peerOf, REGIONS, type Region } from '../../shared/config/regions'
import { signRequest } from '../../shared/hop/signature'
import { DEFAULT_TABLE_NAME } from '../../shared/vellum/table-schema'
import { buildAll } from './build'
import { clockControls } from './clock-control'
import { type LocalCloudSettings, timersArn } from './contract'
import { createControlApi } from './control-api'
import type { CountersSnapshot } from './counters'
import { createTables, startDynamo } from './dynamo'
import { DynamoProxy, TableCounter } from './emulators/dynamo-proxy'
import { DynamoWire } from './emulators/dynamo-wire'
import { LocalClock } from './emulators/local-clock'
import { SchedulerFake } from './emulators/scheduler-fake'
import type { SwitchableServer } from './emulators/switchable-server'
import { TableReplicator } from './emulators/table-replicator'
import { UpstashAdapter } from './emulators/upstash-adapter'
import {
  awsAccessKeyOf,
  functionUrls,
  kvTokenFrom,
  SCHEDULER_FIRE_PATH,
  tableEndpoint,
} from './function-bindings'
import { RegionGateway } from './gateway'
import { scrapeMetrics } from './metrics-scrape'
import { checkCommands, checkPorts, freePort, type PortUse } from './prerequisites'
import { type LineSink, stopChildren, waitFor } from './processes'
import { startRedis } from './redis'
import { startWorkers } from './workers'

export interface LocalCloud {
  settings: LocalCloudSettings
  clock: LocalClock
  endpoints(): Endpoints
  setRegionUp(region: Region, up: boolean): void
  /** Cuts (or restores) every path between the regions, both left running. */
  setPartitioned(on: boolean): void
  /** The `mrec` replicator; absent under `mrsc`. */
  replicator: TableReplicator | undefined
  /** Operations counted since the last {@link resetCounters} (see counters). */
  counters(): Promise<CountersSnapshot>
  resetCounters(): Promise<void>
  stop(): Promise<void>
}

export interface Endpoints {
  edges: Record<Region, string>
  sip: Record<Region, string>
  control: string
  /** Region a's table endpoint (kept for callers that know one table). */
  dynamodb: string
  /** Each region's table endpoint: its own replica under `mrec`. */
  tables: Record<Region, string>
  tableMode: LocalCloudSettings['tableMode']
  kv: Record<Region, { url: string; token: string }>
  scheduler: Record<Region, string>
  functions: ReturnType<typeof functionUrls>
  signupCode: string
  ellisApiKey: string
  homeDomain: string
  hopSecret: string
}

export type Progress = (step: string, done?: { ms: number }) => void

export async function startLocalCloud(
  s: LocalCloudSettings,
  opts: { sink: LineSink; progress?: Progress }
): Promise<LocalCloud> {
  const progress = opts.progress ?? (() => {})
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    progress(name)
    const t0 = Date.now()
    const r = await fn()
    progress(name, { ms: Date.now() - t0 })
    return r
  }
  const closers: (() => Promise<unknown>)[] = []
  let disposeWorkers: (() => Promise<void>) | undefined
  const stop = async () => {
    await Promise.allSettled(closers.map((c) => c()))
    if (disposeWorkers) await disposeWorkers().catch(() => {})
    await stopChildren()
  }

  try {
    await step('checking prerequisites', async () => {
      checkCommands()
      const ports: PortUse[] = [
        { port: s.edgePorts.a, what: 'region a edge', envVar: 'EDGE_PORT_A' },
        { port: s.edgePorts.b, what: 'region b edge', envVar: 'EDGE_PORT_B' },
        { port: s.controlPort, what: 'control API', envVar: 'LOCAL_CONTROL_PORT' },
        { port: s.dynamoPort, what: 'DynamoDB Local', envVar: 'DYNAMODB_PORT' },
        { port: s.dynamoPortB, what: 'DynamoDB Local, region b', envVar: 'DYNAMODB_PORT_B' },
      ]
      for (const r of REGIONS) {
        const R = r.toUpperCase()
        ports.push({ port: s.kvPorts[r], what: `region ${r} KV`, envVar: `KV_PORT_${R}` })
        ports.push({
          port: s.schedulerPorts[r],
          what: `region ${r} Scheduler`,
          envVar: `SCHEDULER_PORT_${R}`,
        })
        FUNCTIONS.forEach((fn, i) => {
          ports.push({
            port: s.functionBasePorts[r] + i,
            what: `${fn} of region ${r}`,
            envVar: `FUNCTIONS_PORT_${R}`,
          })
          ports.push({
            port: s.functionPeerPorts[r] + i,
            what: `${fn} of region ${r}, cross-region ingress`,
            envVar: `FUNCTIONS_PEER_PORT_${R}`,
          })
        })
      }
      await checkPorts(ports)
    })

    const clock = new LocalClock()
    const bundles = await step('bundling the edge and functions', () => buildAll())

    const tableCounters = { a: new TableCounter(), b: new TableCounter() }
    const tableOther = new TableCounter()
    let replicator: TableReplicator | undefined
    const mrec = s.tableMode === 'mrec'
    const dynamoReady = step(
      mrec
        ? 'starting DynamoDB Local ×2 (one replica per region) and the replicator'
        : 'starting DynamoDB Local and creating tables',
      async () => {
        // DynamoDB Local on private ports, behind the counting proxies on the contract ports.
        const upstream = {} as Record<Region, number>
        upstream.a = await freePort()
        upstream.b = mrec ? await freePort() : upstream.a
        await Promise.all(
          (mrec ? REGIONS : (['a'] as const)).map((r) =>
            startDynamo(upstream[r], opts.sink, mrec ? `dynamodb-${r}` : 'dynamodb')
          )
        )
        if (mrec) {
          const clients = {
            a: new DynamoWire(upstream.a),
            b: new DynamoWire(upstream.b),
          }
          closers.push(async () => {
            clients.a.close()
            clients.b.close()
          })
          replicator = new TableReplicator({
            clients,
            lagMs: s.replication.lagMs,
            jitterMs: s.replication.jitterMs,
            clockNow: () => clock.now(),
            log: (line) => opts.sink('replicator', line),
          })
        }
        for (const r of REGIONS) {
          const proxy = new DynamoProxy({
            upstreamPort: upstream[r],
            regionOf: (aws) => REGIONS.find((x) => s.awsRegions[x] === aws),
            counters: tableCounters,
            other: tableOther,
            ...(replicator ? { replica: { region: r, replicator } } : {}),
          })
          await proxy.http.listen(r === 'a' ? s.dynamoPort : s.dynamoPortB)
          closers.push(() => proxy.close())
        }
        await createTables(s.dynamoPort)
        if (mrec) await createTables(s.dynamoPortB)
        if (replicator) {
          const rep = replicator
          rep.start()
          closers.push(async () => rep.stop())
          if (s.replication.ttlSweepMs > 0) {
            const sweep = setInterval(() => {
              for (const r of REGIONS)
                rep
                  .sweepExpired(r, DEFAULT_TABLE_NAME)
                  .catch((e) => opts.sink('replicator', `TTL sweep of ${r} failed: ${String(e)}`))
            }, s.replication.ttlSweepMs)
            sweep.unref()
            closers.push(async () => clearInterval(sweep))
          }
        }
      }
    )

    const adapters = {} as Record<Region, UpstashAdapter>
    const kvReady = step('starting redis-server ×2 behind the Upstash REST adapter', async () => {
      for (const r of REGIONS) {
        const redisPort = await startRedis(`redis-${r}`, opts.sink)
        adapters[r] = new UpstashAdapter({
          name: `kv-${r}`,
          redisPort,
          token: s.kvTokens[r],
          peerToken: kvTokenFrom(s, peerOf(r), r),
        })
        await adapters[r].http.listen(s.kvPorts[r])
        closers.push(() => adapters[r].http.close())
      }
    })

    const urls = functionUrls(s)
    let partitioned = false
    const schedulers = {} as Record<Region, SchedulerFake>
    const extraTargets = new Map<string, string>()
    await step('starting the EventBridge Scheduler fakes', async () => {
      for (const r of REGIONS) {
        const arnToUrl = new Map(
          REGIONS.map((t) => [
            timersArn(t, s.awsRegions[t]),
            `${urls[t].timers}${SCHEDULER_FIRE_PATH}`,
          ])
        )
        schedulers[r] = new SchedulerFake({
          name: `scheduler-${r}`,
          region: s.awsRegions[r],
          clock,
          spread: s.schedulerSpread,
          resolveTarget: (arn) => extraTargets.get(arn) ?? arnToUrl.get(arn),
          signInvocation: (url, body) => signRequest(s.hopSecret, 'POST', url, body),
          log: (line) => (s.logLevel === 'debug' ? opts.sink(`scheduler-${r}`, line) : undefined),
          isCut: {
            // API calls signed by the other region's functions, and invocations of its timers.
            caller: (req) =>
              partitioned &&
              String(req.headers.authorization ?? '').includes(
                `Credential=${awsAccessKeyOf(peerOf(r))}/`
              ),
            target: (arn) => partitioned && arn === timersArn(peerOf(r), s.awsRegions[peerOf(r)]),
          },
        })
        await schedulers[r].http.listen(s.schedulerPorts[r])
        closers.push(() => schedulers[r].close())
      }
    })

    await Promise.all([dynamoReady, kvReady])

    const gateways = {} as Record<Region, RegionGateway>
    await step('starting miniflare: edge + 5 functions × 2 regions', async () => {
      const edgeUrls = {} as Record<Region, string>
      for (const r of REGIONS) {
        gateways[r] = new RegionGateway(r, clock)
        closers.push(() => gateways[r].close())
        const hop = await gateways[r].exposeEdge(new URL(`http://127.0.0.1:${s.edgePorts[r]}`))
        edgeUrls[r] = `http://127.0.0.1:${hop}`
      }
      const started = await startWorkers(s, bundles, opts.sink, edgeUrls)
      disposeWorkers = started.dispose
      for (const r of REGIONS) {
        for (const [i, fn] of FUNCTIONS.entries()) {
          await gateways[r].expose(fn, started.functionTargets[r][fn], s.functionBasePorts[r] + i)
          await gateways[r].exposePeer(
            fn,
            started.functionTargets[r][fn],
            s.functionPeerPorts[r] + i
          )
        }
      }
    })

    const setRegionUp = (r: Region, up: boolean) => {
      gateways[r].setUp(up)
      adapters[r].http.setUp(up)
      schedulers[r].http.setUp(up)
      replicator?.setRegionUp(r, up)
    }
    const setPartitioned = (on: boolean) => {
      partitioned = on
      replicator?.setPartitioned(on)
      for (const r of REGIONS) {
        adapters[r].peerCut = on
        gateways[r].setPeerCut(on)
      }
    }
    const since = { at: Date.now() }
    const counters = async (): Promise<CountersSnapshot> => {
      const regions = {} as CountersSnapshot['regions']
      for (const r of REGIONS) {
        regions[r] = {
          kv: await adapters[r].counters(),
          table: tableCounters[r].view(),
          scheduler: schedulers[r].counters(),
          ...gateways[r].counters(),
        }
      }
      return { since: since.at, regions, tableOther: tableOther.view() }
    }
    const resetCounters = async () => {
      since.at = Date.now()
      for (const r of REGIONS) tableCounters[r].reset()
      tableOther.reset()
      for (const r of REGIONS) {
        await adapters[r].resetCounters()
        schedulers[r].resetCounters()
        gateways[r].resetCounters()
      }
    }
    const endpoints = (): Endpoints => ({
      edges: { a: `http://127.0.0.1:${s.edgePorts.a}`, b: `http://127.0.0.1:${s.edgePorts.b}` },
      sip: { a: `ws://127.0.0.1:${s.edgePorts.a}/sip`, b: `ws://127.0.0.1:${s.edgePorts.b}/sip` },
      control: `http://127.0.0.1:${s.controlPort}`,
      dynamodb: tableEndpoint(s, 'a'),
      tables: { a: tableEndpoint(s, 'a'), b: tableEndpoint(s, 'b') },
      tableMode: s.tableMode,
      kv: {
        a: { url: `http://127.0.0.1:${s.kvPorts.a}`, token: s.kvTokens.a },
        b: { url: `http://127.0.0.1:${s.kvPorts.b}`, token: s.kvTokens.b },
      },
      scheduler: {
        a: `http://127.0.0.1:${s.schedulerPorts.a}`,
        b: `http://127.0.0.1:${s.schedulerPorts.b}`,
      },
      functions: urls,
      signupCode: s.signupCode,
      ellisApiKey: s.ellisApiKey,
      homeDomain: s.homeDomain,
      hopSecret: s.hopSecret,
    })

    await step('starting the control API', async () => {
      const control: SwitchableServer = createControlApi({
        regionState: () => ({ a: { up: gateways.a.isUp }, b: { up: gateways.b.isUp } }),
        setRegionUp,
        setPartitioned,
        replication: () => ({
          mode: s.tableMode,
          ...(replicator?.report() ?? { partitioned }),
          partitioned,
        }),
        setReplicationLag: (lagMs, jitterMs) => {
          if (!replicator) return false
          replicator.lagMs = lagMs
          if (jitterMs !== undefined) replicator.jitterMs = jitterMs
          return true
        },
        sweepExpired: async (only) => {
          if (!replicator) return 0
          let n = 0
          for (const r of only ? [only] : REGIONS)
            n += await replicator.sweepExpired(r, DEFAULT_TABLE_NAME)
          return n
        },
        ...clockControls(clock, schedulers, () => endpoints().edges, s.hopSecret),
        mapTarget: (arn, url) => extraTargets.set(arn, url),
        endpoints,
        counters,
        resetCounters,
        metrics: () => scrapeMetrics(endpoints()),
      })
      await control.listen(s.controlPort)
      closers.push(() => control.close())
    })

    await step('waiting for both edges to report healthy', async () => {
      for (const r of REGIONS) {
        await waitFor(
          `edge ${r} /healthz`,
          async () => (await fetch(`http://127.0.0.1:${s.edgePorts[r]}/healthz`)).ok,
          // workerd compiles every worker on the first request; slow on a loaded machine.
          60_000
        )
      }
    })

    await resetCounters()
    return {
      settings: s,
      clock,
      endpoints,
      setRegionUp,
      setPartitioned,
      get replicator() {
        return replicator
      },
      counters,
      resetCounters,
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}
