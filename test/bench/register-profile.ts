/**
 * @module register-profile
 * Where a registration's CPU goes, against a local cloud that is already running (docs/
 * performance.md, "Where a registration's CPU goes"): the registrar bench's generator
 * (support/register-load) drives each shape in a closed loop — challenged (REGISTER → 401 →
 * REGISTER → 200) and without a fresh challenge (an authenticated TLS flow, REGISTER → 200) —
 * and for each it prints the CPU per registration of every process of the cloud (from /proc),
 * the store operations per registration (the control API's counters) and, when the cloud was
 * started with inspectors, the top self time of each workerd worker and of the cloud's Node
 * process over the phase only, by function and by source module.
 *
 * Start the cloud with both inspectors, then run this at the same offset:
 *
 *   EDGEWATER_PORT_OFFSET=N LOCAL_INSPECTOR_PORT=$((9229+N)) \
 *     setsid node --inspect=127.0.0.1:$((9329+N)) --import tsx infra/local/start.ts &
 *   EDGEWATER_PORT_OFFSET=N npx tsx test/bench/register-profile.ts
 *
 * Settings: PROFILE_SECONDS (8), PROFILE_FLOWS (10), PROFILE_SHAPES (`challenged,protected`),
 * LOCAL_INSPECTOR_PORT (workerd's; default 9229 + offset, skipped when closed), NODE_INSPECTOR_PORT
 * (the cloud's Node; default 9329 + offset, skipped when closed). Profiles are written to
 * .local/profiles/register-<shape>-<target>.cpuprofile.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import WebSocket from 'ws'
import type { Endpoints } from '../../infra/local/cloud'
import type { CountersSnapshot } from '../../infra/local/counters'
import { type CpuProfile, inspectorTargets, profileDir, topSelfTime } from './support/cpu-profile'
import { storeTable } from './support/edgewater-use'
import { CpuMeter, cloudLabeller } from './support/proc-cpu'
import { provisionAccounts, runPrefix } from './support/provisioning'
import { closedLoop, Registrant, SipConn } from './support/register-load'
import { fmt, loadAverage, table } from './support/stats'

const offset = Number(process.env.EDGEWATER_PORT_OFFSET ?? 0)
const SECONDS = Number(process.env.PROFILE_SECONDS ?? 8)
const FLOWS = Number(process.env.PROFILE_FLOWS ?? 10)
const SHAPES = (process.env.PROFILE_SHAPES ?? 'challenged,protected').split(',')
const WORKERD_PORT = Number(process.env.LOCAL_INSPECTOR_PORT ?? 9229 + offset)
const NODE_PORT = Number(process.env.NODE_INSPECTOR_PORT ?? 9329 + offset)
/** The sampling interval asked of every profiler (µs). */
const SAMPLE_US = 200
const WORKERS = ['edge-a', 'sprout-a', 'sprout-b', 'dime-a']
const control = `http://127.0.0.1:${8790 + offset}`

/** One DevTools session: a workerd worker or the cloud's Node process. */
class Session {
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

async function sessions(): Promise<Session[]> {
  const out: Session[] = []
  const w = await inspectorTargets(WORKERD_PORT)
  for (const name of WORKERS) {
    const t = w.find((x) => x.id === `core:user:${name}` || x.title === name)
    if (t) out.push(await Session.open(name, t.webSocketDebuggerUrl))
  }
  const n = await targets(NODE_PORT)
  if (n[0]) out.push(await Session.open('node', n[0].webSocketDebuggerUrl))
  return out
}

/** The PID listening on the control port: the cloud's own Node process. */
function cloudPid(): number {
  const out = execFileSync('ss', ['-ltnpH', `sport = :${8790 + offset}`], { encoding: 'utf8' })
  const pid = /pid=(\d+)/.exec(out)?.[1]
  if (!pid) throw new Error(`no process listens on ${8790 + offset}`)
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
function byModule(p: CpuProfile, n = 14) {
  const byId = new Map(p.nodes.map((x) => [x.id, x]))
  const self = new Map<string, number>()
  let total = 0
  for (const id of p.samples ?? []) {
    const node = byId.get(id)
    const us = SAMPLE_US
    if (!node || node.callFrame.functionName === '(idle)') continue
    const f = node.callFrame
    const key = f.url
      ? moduleAt(f.url, f.lineNumber)
      : f.functionName.startsWith('(')
        ? f.functionName
        : `(native) ${f.functionName}`
    self.set(key, (self.get(key) ?? 0) + us)
    total += us
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([m, us]) => ({ m, ms: us / 1000, share: total ? us / total : 0 }))
}

const e = (await (await fetch(`${control}/endpoints`)).json()) as Endpoints
const counters = async () => (await (await fetch(`${control}/counters`)).json()) as CountersSnapshot
const pid = cloudPid()
console.log(`cloud pid ${pid}; provisioning ${FLOWS} subscribers…`)
const accounts = await provisionAccounts(e, FLOWS, { prefix: runPrefix('65079', 5) })
mkdirSync(profileDir(), { recursive: true })

for (const shape of SHAPES) {
  const url = shape === 'protected' ? `${e.sip.a}?tls=loopback` : e.sip.a
  const rs: Registrant[] = []
  for (const [i, a] of accounts.entries())
    rs.push(new Registrant(await SipConn.open(url), a, `p${shape[0]}${i}`))
  // Warm-up: every flow registered (a protected flow's first is challenged); a loaded machine
  // may fail a first registration, so each flow gets a few tries, as in the registrar bench.
  await Promise.all(
    rs.map(async (r) => {
      let ok = 0
      for (let i = 0; i < 6 && ok < 3; i++)
        ok += await r.registerOnce().then(
          () => 1,
          () => 0
        )
      if (ok === 0) throw new Error(`flow ${r.tag} never registered during the warm-up`)
    })
  )
  await closedLoop(rs, 2)
  const ss = await sessions()
  for (const s of ss) {
    await s.call('Profiler.enable')
    await s.call('Profiler.setSamplingInterval', { interval: SAMPLE_US })
  }
  await fetch(`${control}/counters/reset`, { method: 'POST' })
  const meter = new CpuMeter(() => [pid], cloudLabeller())
  for (const s of ss) await s.call('Profiler.start')
  meter.start()
  const result = await closedLoop(rs, SECONDS)
  const cpu = meter.stop()
  const profiles: Array<{ name: string; p: CpuProfile }> = []
  for (const s of ss) {
    const r = (await s.call('Profiler.stop')) as unknown as { profile: CpuProfile }
    profiles.push({ name: s.name, p: r.profile })
    writeFileSync(
      path.join(profileDir(), `register-${shape}-${s.name}.cpuprofile`),
      JSON.stringify(r.profile)
    )
    s.close()
  }
  const c = await counters()
  for (const r of rs) r.conn.close()
  const ops = result.done
  console.log(
    `\n## ${shape}: ${ops} registrations in ${fmt(result.seconds)} s (${fmt(result.rate)}/s), ${result.errors} errors, ${FLOWS} flows; load ${await loadAverage()}`
  )
  let all = 0
  const rows: string[][] = []
  for (const [k, v] of [...cpu.entries()].sort()) {
    all += v
    rows.push([k, fmt(v / ops, 3)])
  }
  rows.push(['**all**', fmt(all / ops, 3)])
  console.log(table(['process', 'CPU ms per registration'], rows))
  console.log(storeTable(c, ops))
  for (const { name, p } of profiles) {
    const idle = new Set(
      p.nodes.filter((x) => x.callFrame.functionName === '(idle)').map((x) => x.id)
    )
    const busy = ((p.samples ?? []).filter((id) => !idle.has(id)).length * SAMPLE_US) / 1000
    console.log(`\n### ${shape} — ${name}: ${fmt(busy / ops, 3)} ms of samples per registration`)
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
}
process.exit(0)
