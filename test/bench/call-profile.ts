/**
 * @module call-profile
 * Where a call's CPU goes, against a local cloud that is already running (docs/performance.md,
 * "Where a call's CPU went"): the calls bench's generator (support/call-load) drives on-net calls
 * (INVITE → 100 → 180 → 200 → ACK → BYE → 200, MMTEL iFC, charging as the cloud is set) in a
 * closed loop and prints the CPU per call of every process of the cloud (from /proc), the store
 * operations per call (the control API's counters) and, when the cloud was started with
 * inspectors, the top self time of each workerd worker and of the cloud's Node process over the
 * loop only, by function and by source module.
 *
 * Start the cloud with both inspectors, then run this at the same offset:
 *
 *   EDGEWATER_PORT_OFFSET=N LOCAL_INSPECTOR_PORT=$((9229+N)) \
 *     setsid node --inspect=127.0.0.1:$((9329+N)) --import tsx infra/local/start.ts &
 *   EDGEWATER_PORT_OFFSET=N npx tsx test/bench/call-profile.ts
 *
 * Settings: PROFILE_SECONDS (10), PROFILE_PAIRS (5), PROFILE_TALK_MS (0), PROFILE_RUNS (1: the
 * loop is repeated, each run reported on its own, over the same agents), LOCAL_INSPECTOR_PORT
 * and NODE_INSPECTOR_PORT as in register-profile.ts (`1`: CPU only, no DevTools session).
 * Profiles are written to .local/profiles/call-<target>.cpuprofile.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { UserAgent } from 'sip.js'
import type { Endpoints } from '../../infra/local/cloud'
import type { CountersSnapshot } from '../../infra/local/counters'
import { agent, closedCalls } from './support/call-load'
import { type CpuProfile, profileDir } from './support/cpu-profile'
import { cloudPid, printProfile, SAMPLE_US, sessions } from './support/devtools-session'
import { storeTable } from './support/edgewater-use'
import { CpuMeter, cloudLabeller } from './support/proc-cpu'
import { provisionAccounts, runPrefix } from './support/provisioning'
import { fmt, loadAverage, table } from './support/stats'

const offset = Number(process.env.EDGEWATER_PORT_OFFSET ?? 0)
const SECONDS = Number(process.env.PROFILE_SECONDS ?? 10)
const PAIRS = Number(process.env.PROFILE_PAIRS ?? 5)
const TALK_MS = Number(process.env.PROFILE_TALK_MS ?? 0)
const RUNS = Number(process.env.PROFILE_RUNS ?? 1)
const WORKERD_PORT = Number(process.env.LOCAL_INSPECTOR_PORT ?? 9229 + offset)
const NODE_PORT = Number(process.env.NODE_INSPECTOR_PORT ?? 9329 + offset)
const WORKERS = ['edge-a', 'sprout-a', 'sprout-b', 'dime-a', 'timers-a']
const control = `http://127.0.0.1:${8790 + offset}`

const e = (await (await fetch(`${control}/endpoints`)).json()) as Endpoints
const counters = async () => (await (await fetch(`${control}/counters`)).json()) as CountersSnapshot
const pid = cloudPid(8790 + offset)
console.log(`cloud pid ${pid}; provisioning ${PAIRS * 2} subscribers…`)
const accounts = await provisionAccounts(e, PAIRS * 2, {
  prefix: runPrefix('66', 6),
  mmtel: true,
})
mkdirSync(profileDir(), { recursive: true })

const uas: UserAgent[] = []
const pairs: Array<{ caller: UserAgent; callee: string }> = []
for (const a of accounts.slice(PAIRS)) uas.push(await agent(e.sip.a, a, true))
for (const [i, a] of accounts.slice(0, PAIRS).entries()) {
  const ua = await agent(e.sip.a, a, false)
  uas.push(ua)
  pairs.push({ caller: ua, callee: accounts[PAIRS + i]!.impu })
}
// Warm-up: JIT, isolates, caches.
await closedCalls(pairs, 2, TALK_MS)

for (let run = 1; run <= RUNS; run++) {
  const ss = await sessions(WORKERS, WORKERD_PORT, NODE_PORT)
  for (const s of ss) {
    await s.call('Profiler.enable')
    await s.call('Profiler.setSamplingInterval', { interval: SAMPLE_US })
  }
  await fetch(`${control}/counters/reset`, { method: 'POST' })
  const meter = new CpuMeter(() => [pid], cloudLabeller())
  for (const s of ss) await s.call('Profiler.start')
  meter.start()
  const load = await closedCalls(pairs, SECONDS, TALK_MS)
  const cpu = meter.stop()
  const profiles: Array<{ name: string; p: CpuProfile }> = []
  for (const s of ss) {
    const r = (await s.call('Profiler.stop')) as unknown as { profile: CpuProfile }
    profiles.push({ name: s.name, p: r.profile })
    writeFileSync(path.join(profileDir(), `call-${s.name}.cpuprofile`), JSON.stringify(r.profile))
    s.close()
  }
  const c = await counters()
  const ok = load.results.filter((r) => r.ok).length
  const ops = load.results.length
  console.log(
    `\n## run ${run}: ${ops} calls in ${fmt(load.seconds)} s (${fmt(ops / load.seconds)}/s), ${ops - ok} failed, ${PAIRS} pairs; load ${await loadAverage()}`
  )
  let all = 0
  const rows: string[][] = []
  for (const [k, v] of [...cpu.entries()].sort()) {
    all += v
    rows.push([k, fmt(v / ops, 2)])
  }
  rows.push(['**all**', fmt(all / ops, 2)])
  console.log(table(['process', 'CPU ms per call'], rows))
  console.log(storeTable(c, ops))
  for (const { name, p } of profiles) printProfile(`call — ${name}`, 'call', p, ops)
}
await Promise.all(uas.map((u) => u.stop().catch(() => undefined)))
process.exit(0)
