/**
 * @module devtools-session
 * CPU profiles of a running local cloud over the Chrome DevTools protocol, for the profile
 * scripts (register-profile.ts, call-profile.ts): a session per workerd worker (miniflare's
 * inspector, LOCAL_INSPECTOR_PORT) and one for the cloud's Node process (`--inspect`), the PID
 * of the cloud, and the self time of a profile by source module (the bundles' `// path`
 * comments) and by function, counted in samples.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import WebSocket from 'ws'
import { type CpuProfile, inspectorTargets, topSelfTime } from './cpu-profile'
import { fmt, table } from './stats'

/** The sampling interval asked of every profiler (µs). */
export const SAMPLE_US = 200

/** One DevTools session: a workerd worker or the cloud's Node process. */
export class Session {
  private seq = 0
  constructor(
    readonly name: string,
    private readonly ws: WebSocket
  ) {}
  static async open(name: string, url: string): Promise<Session> {
    const ws = new WebSocket(url)
    await new Promise((r, j) => {
      ws.once('open', r)
      ws.once('error', j)
    })
    return new Session(name, ws)
  }
  call(method: string, params: object = {}): Promise<Record<string, unknown>> {
    const id = ++this.seq
    return new Promise((resolve, reject) => {
      const onMessage = (d: WebSocket.RawData) => {
        const m = JSON.parse(d.toString()) as { id?: number; result?: Record<string, unknown> }
        if (m.id !== id) return
        this.ws.off('message', onMessage)
        if ('error' in m) reject(new Error(JSON.stringify(m.error)))
        else resolve(m.result ?? {})
      }
      this.ws.on('message', onMessage)
      this.ws.send(JSON.stringify({ id, method, params }))
    })
  }
  close(): void {
    this.ws.close()
  }
}

async function targets(port: number) {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/json`)
    return (await r.json()) as Array<{ id?: string; title?: string; webSocketDebuggerUrl: string }>
  } catch {
    return []
  }
}

/**
 * Sessions for the named workerd workers (those the inspectors from `workerdPort` on list: one
 * port per workerd process, cpu-profile.ts) and for the Node process on `nodePort` (when it
 * answers), named `node`.
 */
export async function sessions(
  workers: readonly string[],
  workerdPort: number,
  nodePort: number
): Promise<Session[]> {
  const out: Session[] = []
  const w = await inspectorTargets(workerdPort)
  for (const name of workers) {
    const t = w.find((x) => x.id === `core:user:${name}` || x.title === name)
    if (t) out.push(await Session.open(name, t.webSocketDebuggerUrl))
  }
  const n = await targets(nodePort)
  if (n[0]) out.push(await Session.open('node', n[0].webSocketDebuggerUrl))
  return out
}

/** The PID listening on the control port: the cloud's own Node process. */
export function cloudPid(controlPort: number): number {
  const out = execFileSync('ss', ['-ltnpH', `sport = :${controlPort}`], { encoding: 'utf8' })
  const pid = /pid=(\d+)/.exec(out)?.[1]
  if (!pid) throw new Error(`no process listens on ${controlPort}`)
  return Number(pid)
}

/**
 * Module of each line of an esbuild bundle (its `// path/to/file.ts` comments), read when the
 * phase ends: the bundles in dist/ are rebuilt by every cloud that starts.
 */
const bundleModules = new Map<string, string[]>()
function moduleAt(url: string, line: number): string {
  const file = url.startsWith('file://') ? new URL(url).pathname : url
  if (!file.endsWith('.js')) return file ? path.basename(file) : '(native)'
  let lines = bundleModules.get(file)
  if (!lines) {
    lines = []
    let current = '(bundle)'
    try {
      for (const l of readFileSync(file, 'utf8').split('\n')) {
        const m = /^\/\/ (\S+\.(?:ts|js|mjs|cjs))$/.exec(l)
        if (m) current = m[1]!.replace(/^.*node_modules\//, 'node_modules/')
        lines.push(current)
      }
    } catch {}
    bundleModules.set(file, lines)
  }
  return lines[line] ?? path.basename(file)
}

/**
 * Self time by source module (bundle line → module), largest first. Time is the number of
 * samples times the sampling interval, not the wall time between samples: on a loaded machine
 * a thread preempted inside a call would otherwise charge that call for the time it waited.
 */
export function byModule(p: CpuProfile, n = 14) {
  const byId = new Map(p.nodes.map((x) => [x.id, x]))
  const self = new Map<string, number>()
  let total = 0
  for (const id of p.samples ?? []) {
    const node = byId.get(id)
    if (!node || node.callFrame.functionName === '(idle)') continue
    const f = node.callFrame
    const key = f.url
      ? moduleAt(f.url, f.lineNumber)
      : f.functionName.startsWith('(')
        ? f.functionName
        : `(native) ${f.functionName}`
    self.set(key, (self.get(key) ?? 0) + SAMPLE_US)
    total += SAMPLE_US
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([m, us]) => ({ m, ms: us / 1000, share: total ? us / total : 0 }))
}

/** Prints a profile's samples per operation, by module and by function. */
export function printProfile(title: string, unit: string, p: CpuProfile, ops: number): void {
  const idle = new Set(
    p.nodes.filter((x) => x.callFrame.functionName === '(idle)').map((x) => x.id)
  )
  const busy = ((p.samples ?? []).filter((id) => !idle.has(id)).length * SAMPLE_US) / 1000
  console.log(`\n### ${title}: ${fmt(busy / ops, 3)} ms of samples per ${unit}`)
  console.log(
    table(
      ['self time by module', 'ms/op', 'share'],
      byModule(p).map((x) => [x.m, fmt(x.ms / ops, 3), `${fmt(x.share * 100, 1)}%`])
    )
  )
  const counted = { ...p, timeDeltas: (p.samples ?? []).map(() => SAMPLE_US) }
  console.log(
    table(
      ['self time by function', 'ms/op', 'share'],
      topSelfTime(counted, 17)
        .filter((x) => !x.fn.startsWith('(idle)'))
        .map((x) => [x.fn, fmt(x.ms / ops, 3), `${fmt(x.share * 100, 1)}%`])
    )
  )
}
