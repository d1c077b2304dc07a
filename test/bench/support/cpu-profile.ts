/**
 * @module cpu-profile
 * CPU profiles for the performance breakdown (docs/performance.md), kept in `.local/profiles`
 * (never in git): workerd's through miniflare's inspector (the local cloud started with
 * LOCAL_INSPECTOR_PORT) over the Chrome DevTools protocol, and the top self time of any V8
 * `.cpuprofile` (workerd's, or the Node process's from `--cpu-prof`).
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import WebSocket from 'ws'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}
export interface CpuProfile {
  nodes: ProfileNode[]
  samples?: number[]
  timeDeltas?: number[]
  startTime: number
  endTime: number
}

/** Self time per function (ms), largest first. */
export function topSelfTime(
  p: CpuProfile,
  n = 12
): Array<{ fn: string; ms: number; share: number }> {
  const byId = new Map(p.nodes.map((x) => [x.id, x]))
  const self = new Map<string, number>()
  const samples = p.samples ?? []
  const deltas = p.timeDeltas ?? []
  let total = 0
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i]!)
    const us = deltas[i + 1] ?? 0
    if (!node) continue
    const f = node.callFrame
    const file = f.url ? path.basename(f.url.split('?')[0]!) : ''
    const key = `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`
    self.set(key, (self.get(key) ?? 0) + us)
    total += us
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([fn, us]) => ({ fn, ms: us / 1000, share: total ? us / total : 0 }))
}

export const profileDir = () => path.resolve('.local', 'profiles')

/** The top self time of every Node `--cpu-prof` profile (`CPU.*.cpuprofile`) in `dir` written after `since` (epoch ms). */
export function summariseDir(dir: string, since: number) {
  const out: Array<{ file: string; top: ReturnType<typeof topSelfTime> }> = []
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.cpuprofile')) continue
    if (!f.startsWith('CPU.') || statSync(path.join(dir, f)).mtimeMs < since) continue
    const p = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as CpuProfile
    out.push({ file: f, top: topSelfTime(p) })
  }
  return out
}

/** A DevTools target of workerd's inspector: one per isolate. */
export interface InspectorTarget {
  id?: string
  title?: string
  webSocketDebuggerUrl: string
}

/**
 * How many consecutive inspector ports a local cloud may open: one per workerd process
 * (`LOCAL_WORKERD_PROCESSES=split`: the edge, region a's functions, region b's functions).
 */
export const WORKERD_INSPECTOR_PORTS = 3

/**
 * Every isolate the local cloud's workerd processes list, from `port` (the cloud's
 * `LOCAL_INSPECTOR_PORT`) and the ports after it; a port that does not answer is skipped.
 */
export async function inspectorTargets(port: number): Promise<InspectorTarget[]> {
  const lists = await Promise.all(
    Array.from({ length: WORKERD_INSPECTOR_PORTS }, (_, i) =>
      fetch(`http://127.0.0.1:${port + i}/json`).then(
        (r) => r.json() as Promise<InspectorTarget[]>,
        () => []
      )
    )
  )
  return lists.flat()
}

/** One DevTools session per workerd worker, profiling between {@link start} and {@link stop}. */
export class WorkerdProfiler {
  private constructor(private readonly sessions: Array<{ name: string; ws: WebSocket }>) {}
  private seq = 0

  static async connect(port: number, names: readonly string[]): Promise<WorkerdProfiler> {
    const targets = await inspectorTargets(port)
    const sessions: Array<{ name: string; ws: WebSocket }> = []
    for (const name of names) {
      const t = targets.find(
        (x) =>
          x.id === `core:user:${name}` ||
          x.title === name ||
          x.webSocketDebuggerUrl.endsWith(`/core:user:${name}`)
      )
      if (!t) continue
      const ws = new WebSocket(t.webSocketDebuggerUrl)
      await new Promise((r, j) => {
        ws.once('open', r)
        ws.once('error', j)
      })
      sessions.push({ name, ws })
    }
    return new WorkerdProfiler(sessions)
  }

  private call(
    ws: WebSocket,
    method: string,
    params: object = {}
  ): Promise<Record<string, unknown>> {
    const id = ++this.seq
    return new Promise((resolve, reject) => {
      const onMessage = (d: WebSocket.RawData) => {
        const m = JSON.parse(d.toString()) as {
          id?: number
          result?: Record<string, unknown>
          error?: unknown
        }
        if (m.id !== id) return
        ws.off('message', onMessage)
        if (m.error) reject(new Error(JSON.stringify(m.error)))
        else resolve(m.result ?? {})
      }
      ws.on('message', onMessage)
      ws.send(JSON.stringify({ id, method, params }))
    })
  }

  async start(): Promise<void> {
    for (const s of this.sessions) {
      await this.call(s.ws, 'Profiler.enable')
      await this.call(s.ws, 'Profiler.setSamplingInterval', { interval: 200 })
      await this.call(s.ws, 'Profiler.start')
    }
  }

  /** Stops, writes `<tag>-<worker>.cpuprofile` to .local/profiles, returns the top self time. */
  async stop(tag: string) {
    mkdirSync(profileDir(), { recursive: true })
    const out: Array<{ name: string; top: ReturnType<typeof topSelfTime> }> = []
    for (const s of this.sessions) {
      const r = (await this.call(s.ws, 'Profiler.stop')) as { profile: CpuProfile }
      writeFileSync(
        path.join(profileDir(), `${tag}-${s.name}.cpuprofile`),
        JSON.stringify(r.profile)
      )
      out.push({ name: s.name, top: topSelfTime(r.profile) })
    }
    return out
  }

  close(): void {
    for (const s of this.sessions) s.ws.close()
  }
}
