/**
 * @module cloud-process
 * The local cloud for a bench, in a process of its own (`infra/local/start.ts`), so that the
 * cloud's Node process (KV adapter, gateways, Scheduler fakes) is measured apart from the load
 * generator. Ports are shifted by EDGEWATER_BENCH_PORT_OFFSET (default EDGEWATER_PORT_OFFSET +
 * 500). With BENCH_CPU_PROF=<dir> the cloud's Node process writes a V8 CPU profile there when
 * it stops (`--cpu-prof`), and BENCH_INSPECT_WORKERD=<port> opens miniflare's inspector for a
 * workerd profile (see docs/performance.md).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream, mkdirSync } from 'node:fs'
import path from 'node:path'
import type { Endpoints } from '../../../infra/local/cloud'
import type { CountersSnapshot } from '../../../infra/local/counters'
import { sleep } from './stats'

export function benchPortOffset(): number {
  return Number(
    process.env.EDGEWATER_BENCH_PORT_OFFSET ?? Number(process.env.EDGEWATER_PORT_OFFSET ?? 0) + 500
  )
}

export class CloudProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly endpoints: Endpoints
  ) {}

  get pid(): number {
    return this.child.pid ?? -1
  }

  static async start(name: string): Promise<CloudProcess> {
    const offset = benchPortOffset()
    mkdirSync('.local', { recursive: true })
    const logPath = path.join('.local', `bench-${name}-cloud.log`)
    const log = createWriteStream(logPath)
    const prof = process.env.BENCH_CPU_PROF
    const args = [
      ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(prof)}`] : []),
      '--import',
      'tsx',
      'infra/local/start.ts',
    ]
    const child = spawn(process.execPath, args, {
      env: { ...process.env, EDGEWATER_PORT_OFFSET: String(offset), LOG_LEVEL: 'warn' },
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
        return new CloudProcess(child, e)
      }
      if (Date.now() - t0 > 120_000) throw new Error(`no local cloud after 120 s; see ${logPath}`)
      await sleep(500)
    }
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
