/**
 * @module calls bench
 * `npm run bench calls`: call setups through Edgewater's local cloud and, in the same run with
 * the same generator, through the Kamailio 5.6 reference peer (support/kamailio-peer; if
 * `kamailio` is not installed the bench says so and runs Edgewater alone). The generator is
 * support/call-load: sip.js agents, INVITE → 100 → 180 → 200 → ACK → BYE → 200 between a caller
 * and a callee that answers at once. Edgewater's lines are provisioned as Ellis does (default
 * MMTEL iFC, default simservs in Homer).
 *
 * For each system:
 * 1. closed loop with 5 and with 25 caller/callee pairs, `--seconds` each: calls/s, INVITE→180
 *    and whole-call p50/p99, CPU per call per process (/proc), and for Edgewater the store
 *    operations per call from the local cloud's counters;
 * 2. open loop at `--rate` calls/s (default 30) over the pairs: INVITE→180 and whole-call
 *    p50/p99, and how the failed calls failed (a final response, or a step that did not come
 *    within 64×T1, call-load's TIMER_B_MS: over capacity a call may be slow and still end
 *    cleanly).
 * Then the cost model (support/cost-model) for the measured Edgewater use.
 *
 * Settings (flag or env): `--seconds` / BENCH_SECONDS (default 5), `--rate` / BENCH_CALL_RATE (30),
 * `--pairs=5,25` / BENCH_PAIRS, `--talk` / BENCH_TALK_MS (ms between the 200 and the BYE, default
 * 100: with none, Edgewater's BYE can overtake the ACK on its separate hop and the call stalls in
 * retransmissions); ports as support/cloud-process; the peer on 5066 + the bench port offset.
 */
import type { UserAgent } from 'sip.js'
import {
  agent,
  type CallLoad,
  type CallResult,
  closedCalls,
  openCalls,
  TIMER_B_MS,
} from './support/call-load'
import { benchPortOffset, CloudProcess } from './support/cloud-process'
import { storeTable, usePerOperation } from './support/edgewater-use'
import { kamailioMissing, kamailioUser, startKamailio } from './support/kamailio-peer'
import { CpuMeter, cloudLabeller } from './support/proc-cpu'
import { provisionAccounts, runPrefix } from './support/provisioning'
import type { Account } from './support/register-load'
import { costReport, cpuTable, saveUse } from './support/report'
import { fmt, loadAverage, numberArg, pct, table } from './support/stats'

const SECONDS = numberArg('seconds', 'BENCH_SECONDS', 5)
const RATE = numberArg('rate', 'BENCH_CALL_RATE', 30)
const TALK_MS = Number(
  process.argv.find((a) => a.startsWith('--talk='))?.slice(7) ?? process.env.BENCH_TALK_MS ?? 100
)
const PAIRS = (
  process.argv.find((a) => a.startsWith('--pairs='))?.slice(8) ??
  process.env.BENCH_PAIRS ??
  '5,25'
)
  .split(',')
  .map(Number)
  .filter((n) => n > 0)
const MAX_PAIRS = Math.max(...PAIRS)

// sip.js throws from its own timers on some races (a late ACK after the BYE); count, don't die.
let uaErrors = 0
process.on('uncaughtException', (err) => {
  if (++uaErrors <= 3) console.error(`user agent error (counted): ${String(err).slice(0, 200)}`)
})

interface Phase {
  pairs: number
  load: CallLoad
  cpu: Map<string, number>
  loadAvg: string
}
interface SystemRun {
  name: string
  closed: Phase[]
  open?: CallLoad & { loadAvg: string }
}

const generatorCpu = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
const okOf = (l: CallLoad) => l.results.filter((r) => r.ok)
const rateOf = (l: CallLoad) => okOf(l).length / l.seconds

async function drive(
  name: string,
  server: string,
  accounts: Account[],
  meter: CpuMeter,
  around?: (phase: () => Promise<void>, pairs: number) => Promise<void>
): Promise<SystemRun> {
  const uas: UserAgent[] = []
  try {
    const callees = accounts.slice(MAX_PAIRS)
    for (const a of callees) uas.push(await agent(server, a, true))
    const pairs: Array<{ caller: UserAgent; callee: string }> = []
    for (const [i, a] of accounts.slice(0, MAX_PAIRS).entries()) {
      const ua = await agent(server, a, false)
      uas.push(ua)
      pairs.push({ caller: ua, callee: callees[i]!.impu })
    }
    const run: SystemRun = { name, closed: [] }
    // Warm-up: JIT, isolates, caches.
    await closedCalls(pairs, 1, TALK_MS)
    for (const n of PAIRS) {
      const phase = async () => {
        console.log(`${name}: closed loop, ${n} pairs, ${SECONDS} s…`)
        meter.start()
        const g0 = generatorCpu()
        const load = await closedCalls(pairs.slice(0, n), SECONDS, TALK_MS, TIMER_B_MS)
        const cpu = meter.stop()
        cpu.set('generator (bench node, not counted)', generatorCpu() - g0)
        run.closed.push({ pairs: n, load, cpu, loadAvg: await loadAverage() })
      }
      await (around ? around(phase, n) : phase())
    }
    console.log(`${name}: open loop at ${RATE} calls/s, ${SECONDS} s…`)
    const open = await openCalls(pairs, RATE, SECONDS, TALK_MS, TIMER_B_MS)
    run.open = { ...open, loadAvg: await loadAverage() }
    return run
  } finally {
    await Promise.all(uas.map((u) => u.stop().catch(() => undefined)))
  }
}

const runs: SystemRun[] = []
let exitCode = 0
const offset = benchPortOffset()

const missing = kamailioMissing()
if (missing) console.log(missing)
else {
  const peer = startKamailio(5066 + offset, MAX_PAIRS * 2)
  try {
    const accounts = Array.from({ length: MAX_PAIRS * 2 }, (_, i) => kamailioUser(i))
    runs.push(
      await drive(
        'Kamailio 5.6',
        peer.url,
        accounts,
        new CpuMeter(() => [peer.pid], cloudLabeller())
      )
    )
  } catch (err) {
    console.error('Kamailio peer run failed:', err)
    exitCode = 1
  } finally {
    peer.stop()
  }
}

let cloud: CloudProcess | undefined
const counted = new Map<number, Awaited<ReturnType<CloudProcess['counters']>>>()
try {
  cloud = await CloudProcess.start('calls')
  const e = cloud.endpoints
  const accounts = await provisionAccounts(e, MAX_PAIRS * 2, {
    prefix: runPrefix('65', 6),
    mmtel: true,
  })
  runs.push(
    await drive(
      'Edgewater',
      e.sip.a,
      accounts,
      new CpuMeter(() => [cloud?.pid ?? -1], cloudLabeller()),
      async (phase, n) => {
        await cloud!.resetCounters()
        await cloud!.profiled(`calls-${n}-pairs`, phase)
        counted.set(n, await cloud!.counters())
      }
    )
  )
} catch (err) {
  console.error('Edgewater run failed:', err)
  exitCode = 1
} finally {
  await cloud?.stop()
}

// ---- report ----
const peerRun = runs.find((r) => r.name !== 'Edgewater')
const ew = runs.find((r) => r.name === 'Edgewater')
const lat = (rs: CallResult[], f: (r: CallResult) => number) => {
  const xs = rs.filter((r) => r.ok).map(f)
  return `${fmt(pct(xs, 0.5))} / ${fmt(pct(xs, 0.99))}`
}
const systems = [peerRun, ew].filter((s): s is SystemRun => s !== undefined)
const rows: string[][] = []
for (const [i, n] of PAIRS.entries()) {
  const ph = systems.map((s) => s.closed[i])
  const ratio =
    peerRun && ew && ph[0] && ph[1] ? `${fmt(rateOf(ph[1].load) / rateOf(ph[0].load), 3)}×` : ''
  rows.push([
    `call setups/s, ${n} pairs (closed loop)`,
    ...ph.map((p) => (p ? fmt(rateOf(p.load), 1) : 'failed')),
    ratio,
  ])
  rows.push([
    `INVITE→180 p50 / p99 ms, ${n} pairs`,
    ...ph.map((p) => (p ? lat(p.load.results, (r) => r.ringMs) : '')),
    '',
  ])
  rows.push([
    `whole call p50 / p99 ms, ${n} pairs`,
    ...ph.map((p) => (p ? lat(p.load.results, (r) => r.totalMs) : '')),
    '',
  ])
  rows.push([
    `failed calls; load average, ${n} pairs`,
    ...ph.map((p) => (p ? `${p.load.results.length - okOf(p.load).length}; ${p.loadAvg}` : '')),
    '',
  ])
}
rows.push([
  `open loop ${RATE} calls/s: INVITE→180 p50 / p99 ms`,
  ...systems.map((s) => (s.open ? lat(s.open.results, (r) => r.ringMs) : '')),
  '',
])
rows.push([
  `open loop ${RATE} calls/s: whole call p50 / p99 ms`,
  ...systems.map((s) => (s.open ? lat(s.open.results, (r) => r.totalMs) : '')),
  '',
])
rows.push([
  `open loop ${RATE} calls/s: done, failed; load average`,
  ...systems.map((s) =>
    s.open
      ? `${okOf(s.open).length}, ${s.open.results.length - okOf(s.open).length}; ${s.open.loadAvg}`
      : ''
  ),
  '',
])
const causes = (l: CallLoad) => {
  const by = new Map<string, number>()
  for (const r of l.results)
    if (!r.ok) by.set(r.failure ?? '?', (by.get(r.failure ?? '?') ?? 0) + 1)
  return [...by].map(([why, n]) => `${n} × ${why}`).join('; ')
}
if (systems.some((s) => s.open && causes(s.open)))
  rows.push([
    `open loop ${RATE} calls/s: how calls failed`,
    ...systems.map((s) => (s.open ? causes(s.open) : '')),
    '',
  ])
console.log(
  `\nCall setups, ${SECONDS} s per phase, talk ${TALK_MS} ms, one generator (${new Date().toISOString()}); user agent errors: ${uaErrors}`
)
console.log(table(['measure', ...systems.map((s) => s.name), 'ratio'], rows))
for (const [i, n] of PAIRS.entries()) {
  console.log(`\nCPU per call, ${n} pairs`)
  console.log(
    cpuTable(
      systems
        .filter((s) => s.closed[i])
        .map((s) => ({ name: s.name, cpu: s.closed[i]!.cpu, ops: okOf(s.closed[i]!.load).length }))
    )
  )
}
// Store operations per call from the phase with the fewest failed calls, per attempted call
// (a failed call's operations are counted too; the table says how many failed).
const fails = (p: Phase) => (p.load.results.length - okOf(p.load).length) / p.load.results.length
const best = ew?.closed.reduce((a, b) => (fails(b) < fails(a) ? b : a))
const c = best ? counted.get(best.pairs) : undefined
const calls = best ? best.load.results.length : 0
if (best && c && calls > 0) {
  console.log(
    `\nEdgewater store operations per call (${best.pairs} pairs, counters, ${calls} calls of which ${calls - okOf(best.load).length} failed)`
  )
  console.log(storeTable(c, calls))
  const use = usePerOperation(
    c,
    calls,
    best.load.messages / calls,
    (best.cpu.get('workerd') ?? 0) / calls
  )
  saveUse('call', use)
  console.log(costReport('call', use))
}
if (cloud) console.log(cloud.profileReport())
if (!ew || ew.closed.some((p) => okOf(p.load).length === 0)) exitCode = 1
process.exit(exitCode)
