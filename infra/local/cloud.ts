/**
 * @module cloud
 * Starts and stops the two-region local cloud (architecture §6): DynamoDB Local with the
 * stack's tables; per region a redis-server behind the Upstash REST adapter, a fake EventBridge
 * Scheduler and the function ports; miniflare with the edge and every function; the control
 * API. `npm start` and the integration tests' global setup both use {@link startLocalCloud}.
 */
import type { Miniflare } from 'miniflare'
import { FUNCTIONS, REGIONS, type Region } from '../../shared/config/regions'
import { signRequest } from '../../shared/hop/signature'
import { buildAll } from './build'
import { type LocalCloudSettings, timersArn } from './contract'
import { createControlApi } from './control-api'
import type { CountersSnapshot } from './counters'
import { createTables, startDynamo } from './dynamo'
import { DynamoProxy } from './emulators/dynamo-proxy'
import { LocalClock } from './emulators/local-clock'
import { SchedulerFake } from './emulators/scheduler-fake'
import type { SwitchableServer } from './emulators/switchable-server'
import { UpstashAdapter } from './emulators/upstash-adapter'
import { functionUrls, SCHEDULER_FIRE_PATH } from './function-bindings'
import { RegionGateway } from './gateway'
import { checkCommands, checkPorts, freePort, type PortUse } from './prerequisites'
import { type LineSink, stopChildren, waitFor } from './processes'
import { scrapeMetrics } from './metrics-scrape'
import { startRedis } from './redis'
import { startWorkers } from './workers'

export interface LocalCloud {
  settings: LocalCloudSettings
  clock: LocalClock
  endpoints(): Endpoints
  setRegionUp(region: Region, up: boolean): void
  /** Operations counted since the last {@link resetCounters} (see counters). */
  counters(): Promise<CountersSnapshot>
  resetCounters(): Promise<void>
  stop(): Promise<void>
}

export interface Endpoints {
  edges: Record<Region, string>
  sip: Record<Region, string>
  control: string
  dynamodb: string
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
  let mf: Miniflare | undefined
  const stop = async () => {
    await Promise.allSettled(closers.map((c) => c()))
    if (mf) await mf.dispose().catch(() => {})
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
        })
      }
      await checkPorts(ports)
    })

    const clock = new LocalClock()
    const bundles = await step('bundling the edge and functions', () => buildAll())

    let dynamo: DynamoProxy | undefined
    const dynamoReady = step('starting DynamoDB Local and creating tables', async () => {
      // DynamoDB Local on a private port, behind the counting proxy on the contract port.
      const upstreamPort = await freePort()
      await startDynamo(upstreamPort, opts.sink)
      dynamo = new DynamoProxy({
        upstreamPort,
        regionOf: (aws) => REGIONS.find((r) => s.awsRegions[r] === aws),
      })
      await dynamo.http.listen(s.dynamoPort)
      closers.push(() => dynamo!.close())
      await createTables(s.dynamoPort)
    })

    const adapters = {} as Record<Region, UpstashAdapter>
    const kvReady = step('starting redis-server ×2 behind the Upstash REST adapter', async () => {
      for (const r of REGIONS) {
        const redisPort = await startRedis(`redis-${r}`, opts.sink)
        adapters[r] = new UpstashAdapter({ name: `kv-${r}`, redisPort, token: s.kvTokens[r] })
        await adapters[r].http.listen(s.kvPorts[r])
        closers.push(() => adapters[r].http.close())
      }
    })

    const urls = functionUrls(s)
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
      mf = started.mf
      for (const r of REGIONS) {
        for (const [i, fn] of FUNCTIONS.entries()) {
          await gateways[r].expose(fn, started.functionTargets[r][fn], s.functionBasePorts[r] + i)
        }
      }
    })

    const setRegionUp = (r: Region, up: boolean) => {
      gateways[r].setUp(up)
      adapters[r].http.setUp(up)
      schedulers[r].http.setUp(up)
    }
    const since = { at: Date.now() }
    const counters = async (): Promise<CountersSnapshot> => {
      const regions = {} as CountersSnapshot['regions']
      for (const r of REGIONS) {
        regions[r] = {
          kv: await adapters[r].counters(),
          table: dynamo!.counters[r].view(),
          scheduler: schedulers[r].counters(),
          ...gateways[r].counters(),
        }
      }
      return { since: since.at, regions, tableOther: dynamo!.other.view() }
    }
    const resetCounters = async () => {
      since.at = Date.now()
      dynamo!.reset()
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
      dynamodb: `http://127.0.0.1:${s.dynamoPort}`,
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
        clockNow: () => clock.now(),
        clockOffset: () => clock.offset,
        advanceClock: (ms) => clock.advance(ms),
        setSchedulerSpread: (on) => {
          for (const r of REGIONS) schedulers[r].spread = on
        },
        invocations: (r) => schedulers[r].invocations,
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
          20_000
        )
      }
    })

    await resetCounters()
    return { settings: s, clock, endpoints, setRegionUp, counters, resetCounters, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
