/**
 * @module cloud-process
 * The local cloud for a bench, in a process of its own (`infra/local/start.ts`), so that the
 * cloud's Node process (KV adapter, gateways, Scheduler fakes) is measured apart from the load
 * generator. Ports are shifted by EDGEWATER_BENCH_PORT_OFFSET (default EDGEWATER_PORT_OFFSET +
 * 500). With BENCH_PROFILE=1 the cloud's Node process writes a V8 CPU profile to
 * `.local/profiles` when it stops (`--cpu-prof`), and miniflare opens its inspector (on 9229 + the
 * offset) so that {@link CloudProcess.profiled} records workerd's profile of a phase (see
 * docs/performance.md).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream, mkdirSync } from 'node:fs'
import path from 'node:path'
import type { Endpoints } from '../../../infra/local/cloud'
import type { CountersSnapshot } from '../../../infra/local/counters'
import { profileDir, summariseDir, type topSelfTime, WorkerdProfiler } from './cpu-profile'
import { fmt, sleep, table } from './stats'

/** How long a bench waits for its cloud (BENCH_CLOUD_START_S, default 300 s: a loaded machine is slow). */
const START_TIMEOUT_MS = Number(process.env.BENCH_CLOUD_START_S ?? 300) * 1000

const PROFILED_WORKERS = ['edge-a', 'sprout-a', 'dime-a', 'sprout-b', 'dime-b']

export function benchPortOffset(): number {
  return Number(
    process.env.EDGEWATER_BENCH_PORT_OFFSET ?? Number(process.env.EDGEWATER_PORT_OFFSET ?? 0) + 500
  )
}

export class CloudProcess {
  /** Top self time per profiled phase and worker, printed by {@link profileReport}. */
  readonly profiles: Array<{ tag: string; name: string; top: ReturnType<typeof topSelfTime> }> = []
  private readonly startedAt = Date.now()

  private constructor(
    readonly child: ChildProcess,
    readonly endpoints: Endpoints,
    readonly inspectorPort?: number
  ) {}

  get pid(): number {
    return this.child.pid ?? -1
  }

  /** With `inspector`, miniflare's inspector is open as with BENCH_PROFILE (heap figures). */
  static async start(name: string, opts: { inspector?: boolean } = {}): Promise<CloudProcess> {
    const offset = benchPortOffset()
    mkdirSync('.local', { recursive: true })
    const logPath = path.join('.local', `bench-${name}-cloud.log`)
    const log = createWriteStream(logPath)
    const prof = process.env.BENCH_PROFILE === '1'
    // BENCH_INSPECTOR_PORT moves it off 9229 + the offset when another process holds that port.
    const inspectorPort =
      prof || opts.inspector ? Number(process.env.BENCH_INSPECTOR_PORT ?? 9229 + offset) : undefined
    if (prof) mkdirSync(profileDir(), { recursive: true })
    const args = [
      ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${profileDir()}`] : []),
      '--import',
      'tsx',
      'infra/local/start.ts',
    ]
    const child = spawn(process.execPath, args, {
      env: {
        ...process.env,
        EDGEWATER_PORT_OFFSET: String(offset),
        LOG_LEVEL: 'warn',
        ...(inspectorPort ? { LOCAL_INSPECTOR_PORT: String(inspectorPort) } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout?.pipe(log)
    child.stderr?.pipe(log)
    console.log(`starting a local cloud on port offset ${offset} (log: ${logPath})…`)
    const control = `http://127.0.0.1:${8790 + offset}`
    const t0 = Date.now()
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the local cloud exited; see ${logPath}`)
      const e = await fetch(`${control}/endpoints`).then(
        (r) => (r.ok ? (r.json() as Promise<Endpoints>) : undefined),
        () => undefined
      )
      if (e) {
        console.log(`cloud up in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
        return new CloudProcess(child, e, inspectorPort)
      }
      if (Date.now() - t0 > START_TIMEOUT_MS) {
        child.kill('SIGTERM')
        throw new Error(`no local cloud after ${START_TIMEOUT_MS / 1000} s; see ${logPath}`)
      }
      await sleep(500)
    }
  }

  /** Runs `phase`, recording workerd's CPU profile of it when profiling is on. */
  async profiled<T>(tag: string, phase: () => Promise<T>): Promise<T> {
    if (!this.inspectorPort) return phase()
    const p = await WorkerdProfiler.connect(this.inspectorPort, PROFILED_WORKERS)
    try {
      await p.start()
      const r = await phase()
      for (const x of await p.stop(tag)) this.profiles.push({ tag, ...x })
      return r
    } finally {
      p.close()
    }
  }

  /** The top self time of each profile taken (call after {@link stop} for Node's). */
  profileReport(): string {
    if (!this.inspectorPort) return ''
    const out: string[] = []
    const show = (title: string, top: ReturnType<typeof topSelfTime>) => {
      out.push(`\n${title}`)
      out.push(
        table(
          ['self time', 'ms', 'share'],
          top.map((t) => [t.fn, fmt(t.ms, 1), `${fmt(t.share * 100, 1)}%`])
        )
      )
    }
    for (const p of this.profiles) show(`workerd profile, ${p.tag}, worker ${p.name}`, p.top)
    for (const f of summariseDir(profileDir(), this.startedAt))
      show(`Node profile of the local cloud (${f.file}, whole run)`, f.top)
    return out.join('\n')
  }

  async counters(): Promise<CountersSnapshot> {
    return (await (await fetch(`${this.endpoints.control}/counters`)).json()) as CountersSnapshot
  }

  async resetCounters(): Promise<void> {
    await fetch(`${this.endpoints.control}/counters/reset`, { method: 'POST' })
  }

  /** SIGTERM to the cloud's own process (it stops its children), then waits for it. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return
    const exited = new Promise((r) => this.child.once('exit', r))
    this.child.kill('SIGTERM')
    await Promise.race([exited, sleep(15_000)])
  }
}
