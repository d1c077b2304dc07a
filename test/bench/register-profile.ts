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
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Endpoints } from '../../infra/local/cloud'
import type { CountersSnapshot } from '../../infra/local/counters'
import { type CpuProfile, profileDir } from './support/cpu-profile'
import { cloudPid, printProfile, SAMPLE_US, sessions } from './support/devtools-session'
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
const WORKERS = ['edge-a', 'sprout-a', 'sprout-b', 'dime-a']
const control = `http://127.0.0.1:${8790 + offset}`

const e = (await (await fetch(`${control}/endpoints`)).json()) as Endpoints
const counters = async () => (await (await fetch(`${control}/counters`)).json()) as CountersSnapshot
const pid = cloudPid(8790 + offset)
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
  const ss = await sessions(WORKERS, WORKERD_PORT, NODE_PORT)
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
  for (const { name, p } of profiles) printProfile(`${shape} — ${name}`, 'registration', p, ops)
}
process.exit(0)
