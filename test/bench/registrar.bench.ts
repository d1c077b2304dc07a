/**
 * @module registrar bench
 * `npm run bench registrar`: authenticated registrations through Edgewater's local cloud and,
 * in the same run with the same generator, through the Kamailio 5.6 reference peer
 * (support/kamailio-peer; if `kamailio` is not installed the bench says so and runs Edgewater
 * alone). Each registration is REGISTER → 401 → REGISTER with MD5 digest → 200 by a flow that
 * keeps one subscriber registered (one flow per WebSocket connection, re-registering with a
 * fresh challenge each time: the steady state). Edgewater then runs the same phases in its
 * second shape: flows that a 200 authenticated over TLS re-register without a fresh challenge
 * (REGISTER → 200, docs/registrar.md; the local cloud counts `/sip?tls=loopback` as `wss:`),
 * compared with the peer's challenged registrations.
 *
 * For each system:
 * 1. closed loop with 10 and with 50 flows, `--seconds` each: registrations/s, p50/p99 of the
 *    exchange, CPU per registration per process (from /proc), and for Edgewater the store
 *    operations per registration from the local cloud's counters;
 * 2. open loop at `--rate` registrations/s (default 100) over 50 flows: REGISTER→200 p50/p99.
 * Then the cost model (support/cost-model) for the measured Edgewater use.
 *
 * Settings (flag or env): `--seconds` / BENCH_SECONDS (default 5), `--rate` / BENCH_REGISTER_RATE
 * (100), `--flows=10,50` / BENCH_FLOWS; ports as support/cloud-process; the peer on 5066 + the
 * bench port offset; BENCH_NO_PEER=1 skips it.
 */
import { benchPortOffset, CloudProcess } from './support/cloud-process'
import { storeTable, usePerOperation } from './support/edgewater-use'
import { kamailioMissing, kamailioUser, startKamailio } from './support/kamailio-peer'
import { CpuMeter, cloudLabeller } from './support/proc-cpu'
import { provisionAccounts, runPrefix } from './support/provisioning'
import {
  closedLoop,
  type LoadResult,
  openLoop,
  p50p99,
  Registrant,
  SipConn,
} from './support/register-load'
import { costReport, cpuTable, saveUse } from './support/report'
import { fmt, loadAverage, numberArg, table } from './support/stats'

const SECONDS = numberArg('seconds', 'BENCH_SECONDS', 5)
const RATE = numberArg('rate', 'BENCH_REGISTER_RATE', 100)
const FLOWS = (
  process.argv.find((a) => a.startsWith('--flows='))?.slice(8) ??
  process.env.BENCH_FLOWS ??
  '10,50'
)
  .split(',')
  .map(Number)
  .filter((n) => n > 0)
const MAX_FLOWS = Math.max(...FLOWS, 50)
/** Flows warmed up at once. */
const WARM_UP_BATCH = 10

interface Phase {
  flows: number
  result: LoadResult
  cpu: Map<string, number>
  load: string
}
interface SystemRun {
  name: string
  closed: Phase[]
  open?: LoadResult & { load: string }
}

const generatorCpu = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/** Closed loops over the flow counts, then the open loop, CPU metered per phase. */
async function drive(
  name: string,
  rs: Registrant[],
  meter: CpuMeter,
  around?: (phase: () => Promise<void>, flows: number) => Promise<void>
): Promise<SystemRun> {
  const run: SystemRun = { name, closed: [] }
  // Warm-up: every flow registered (isolates, connections, caches, JIT); a loaded machine may
  // time out a first registration, so each flow gets a few tries, ten flows at a time (a first
  // registration of every flow at once overloads a loaded machine's local cloud).
  for (let from = 0; from < rs.length; from += WARM_UP_BATCH)
    await Promise.all(
      rs.slice(from, from + WARM_UP_BATCH).map(async (r) => {
        let ok = 0
        for (let i = 0; i < 5 && ok < 2; i++)
          ok += await r.registerOnce().then(
            () => 1,
            () => 0
          )
        if (ok === 0) throw new Error(`${name}: a flow never registered during the warm-up`)
      })
    )
  for (const flows of FLOWS) {
    const phase = async () => {
      console.log(`${name}: closed loop, ${flows} flows, ${SECONDS} s…`)
      meter.start()
      const g0 = generatorCpu()
      const result = await closedLoop(rs.slice(0, flows), SECONDS)
      const cpu = meter.stop()
      cpu.set('generator (bench node, not counted)', generatorCpu() - g0)
      run.closed.push({ flows, result, cpu, load: await loadAverage() })
    }
    await (around ? around(phase, flows) : phase())
  }
  console.log(`${name}: open loop at ${RATE}/s, ${SECONDS} s…`)
  const open = await openLoop(rs.slice(0, MAX_FLOWS), RATE, SECONDS)
  run.open = { ...open, load: await loadAverage() }
  return run
}

const runs: SystemRun[] = []
/** The name of Edgewater's one-round-trip run. */
const PROTECTED = 'Edgewater, no fresh challenge'
let exitCode = 0
const offset = benchPortOffset()

// ---- Kamailio, the reference peer ----
const missing = kamailioMissing()
if (missing) console.log(missing)
else {
  const peer = startKamailio(5066 + offset, MAX_FLOWS)
  try {
    const rs: Registrant[] = []
    for (let i = 0; i < MAX_FLOWS; i++)
      rs.push(new Registrant(await SipConn.open(peer.url), kamailioUser(i), `k${i}`))
    runs.push(await drive('Kamailio 5.6', rs, new CpuMeter(() => [peer.pid], cloudLabeller())))
    for (const r of rs) r.conn.close()
  } catch (err) {
    console.error('Kamailio peer run failed:', err)
    exitCode = 1
  } finally {
    peer.stop()
  }
}

// ---- Edgewater on its local cloud ----
let cloud: CloudProcess | undefined
const counted = new Map<number, Awaited<ReturnType<CloudProcess['counters']>>>()
const countedProtected = new Map<number, Awaited<ReturnType<CloudProcess['counters']>>>()
try {
  cloud = await CloudProcess.start('registrar')
  const e = cloud.endpoints
  const accounts = await provisionAccounts(e, MAX_FLOWS, { prefix: runPrefix('65077', 5) })
  const rs: Registrant[] = []
  for (const [i, a] of accounts.entries())
    rs.push(new Registrant(await SipConn.open(e.sip.a), a, `e${i}`))
  runs.push(
    await drive(
      'Edgewater',
      rs,
      new CpuMeter(() => [cloud?.pid ?? -1], cloudLabeller()),
      async (phase, flows) => {
        await cloud!.resetCounters()
        await cloud!.profiled(`registrations-${flows}-flows`, phase)
        counted.set(flows, await cloud!.counters())
      }
    )
  )
  for (const r of rs) r.conn.close()
  // The second shape: the same subscribers on authenticated TLS flows.
  const prs: Registrant[] = []
  for (const [i, a] of accounts.entries())
    prs.push(new Registrant(await SipConn.open(`${e.sip.a}?tls=loopback`), a, `t${i}`))
  runs.push(
    await drive(
      PROTECTED,
      prs,
      new CpuMeter(() => [cloud?.pid ?? -1], cloudLabeller()),
      async (phase, flows) => {
        await cloud!.resetCounters()
        await cloud!.profiled(`protected-registrations-${flows}-flows`, phase)
        countedProtected.set(flows, await cloud!.counters())
      }
    )
  )
  for (const r of prs) r.conn.close()
} catch (err) {
  console.error('Edgewater run failed:', err)
  exitCode = 1
} finally {
  await cloud?.stop()
}

// ---- report ----
const peerRun = runs.find((r) => !r.name.startsWith('Edgewater'))
const ew = runs.find((r) => r.name === 'Edgewater')
const pw = runs.find((r) => r.name === PROTECTED)
if (!ew && peerRun) {
  console.log(
    `\nKamailio alone (Edgewater failed): ${peerRun.closed.map((p) => `${p.flows} flows ${fmt(p.result.rate, 0)}/s`).join(', ')}`
  )
}
if (ew) {
  const rows: string[][] = []
  for (const [i, p] of ew.closed.entries()) {
    const k = peerRun?.closed[i]
    const [e50, e99] = p50p99(p.result.whole)
    const [k50, k99] = k ? p50p99(k.result.whole) : [Number.NaN, Number.NaN]
    rows.push([
      `authenticated registrations/s, ${p.flows} flows (closed loop)`,
      k ? fmt(k.result.rate, 0) : '',
      fmt(p.result.rate, 1),
      k ? `${fmt(p.result.rate / k.result.rate, 3)}×` : '',
    ])
    rows.push([
      `REGISTER→401→REGISTER→200 p50 / p99 ms, ${p.flows} flows`,
      k ? `${fmt(k50)} / ${fmt(k99)}` : '',
      `${fmt(e50)} / ${fmt(e99)}`,
      '',
    ])
    rows.push([
      `errors; load average, ${p.flows} flows`,
      k ? `${k.result.errors}; ${k.load}` : '',
      `${p.result.errors}; ${p.load}`,
      '',
    ])
  }
  for (const [i, p] of (pw?.closed ?? []).entries()) {
    const k = peerRun?.closed[i]
    const [e50, e99] = p50p99(p.result.whole)
    rows.push([
      `registrations/s without a fresh challenge, ${p.flows} flows (closed loop; peer challenged)`,
      k ? fmt(k.result.rate, 0) : '',
      fmt(p.result.rate, 1),
      k ? `${fmt(p.result.rate / k.result.rate, 3)}×` : '',
    ])
    rows.push([
      `REGISTER→200 without a challenge p50 / p99 ms, ${p.flows} flows`,
      '',
      `${fmt(e50)} / ${fmt(e99)}`,
      '',
    ])
    rows.push([
      `errors; load average, ${p.flows} flows, no fresh challenge`,
      '',
      `${p.result.errors}; ${p.load}`,
      '',
    ])
  }
  if (pw?.open) {
    const [w50, w99] = p50p99(pw.open.whole)
    rows.push([
      `open loop ${RATE}/s without a challenge: REGISTER→200 p50 / p99 ms; done, errors`,
      '',
      `${fmt(w50)} / ${fmt(w99)}; ${pw.open.done}, ${pw.open.errors}`,
      '',
    ])
  }
  const o = ew.open
  const ko = peerRun?.open
  if (o) {
    const [l50, l99] = p50p99(o.leg)
    const [w50, w99] = p50p99(o.whole)
    const [kl50, kl99] = ko ? p50p99(ko.leg) : [Number.NaN, Number.NaN]
    const [kw50, kw99] = ko ? p50p99(ko.whole) : [Number.NaN, Number.NaN]
    rows.push([
      `open loop ${RATE}/s: REGISTER(digest)→200 p50 / p99 ms`,
      ko ? `${fmt(kl50)} / ${fmt(kl99)}` : '',
      `${fmt(l50)} / ${fmt(l99)}`,
      '',
    ])
    rows.push([
      `open loop ${RATE}/s: whole exchange p50 / p99 ms`,
      ko ? `${fmt(kw50)} / ${fmt(kw99)}` : '',
      `${fmt(w50)} / ${fmt(w99)}`,
      '',
    ])
    rows.push([
      `open loop ${RATE}/s: done, errors; load average`,
      ko ? `${ko.done}, ${ko.errors}; ${ko.load}` : '',
      `${o.done}, ${o.errors}; ${o.load}`,
      '',
    ])
  }
  console.log(
    `\nAuthenticated registrations, ${SECONDS} s per phase, one generator (${new Date().toISOString()})`
  )
  console.log(
    table(['measure', peerRun ? 'Kamailio 5.6 WS peer' : '(no peer)', 'Edgewater', 'ratio'], rows)
  )
  for (const [i, p] of ew.closed.entries()) {
    const k = peerRun?.closed[i]
    const q = pw?.closed[i]
    console.log(`\nCPU per registration, ${p.flows} flows`)
    console.log(
      cpuTable([
        ...(k ? [{ name: 'Kamailio 5.6', cpu: k.cpu, ops: k.result.done }] : []),
        { name: 'Edgewater', cpu: p.cpu, ops: p.result.done },
        ...(q ? [{ name: PROTECTED, cpu: q.cpu, ops: q.result.done }] : []),
      ])
    )
  }
  // Store operations from the phase with the fewest errors, per attempted registration.
  const last = ew.closed.reduce((a, b) =>
    b.result.errors / (b.result.done + b.result.errors) <
    a.result.errors / (a.result.done + a.result.errors)
      ? b
      : a
  )
  const c = counted.get(last.flows)
  const attempts = last.result.done + last.result.errors
  if (c && last.result.done > 0) {
    console.log(
      `\nEdgewater store operations per registration (${last.flows} flows, counters, ${attempts} registrations of which ${last.result.errors} failed)`
    )
    console.log(storeTable(c, attempts))
    const use = usePerOperation(c, attempts, 2, (last.cpu.get('workerd') ?? 0) / attempts)
    saveUse('registration', use)
    console.log(costReport('registration', use))
  }
  // The second shape's store operations, from its phase with the fewest errors.
  const plast = pw?.closed.reduce((a, b) =>
    b.result.errors / (b.result.done + b.result.errors) <
    a.result.errors / (a.result.done + a.result.errors)
      ? b
      : a
  )
  const pc = plast ? countedProtected.get(plast.flows) : undefined
  if (plast && pc && plast.result.done > 0) {
    const pattempts = plast.result.done + plast.result.errors
    console.log(
      `\nEdgewater store operations per registration without a fresh challenge (${plast.flows} flows, counters, ${pattempts} registrations of which ${plast.result.errors} failed)`
    )
    console.log(storeTable(pc, pattempts))
    const puse = usePerOperation(pc, pattempts, 1, (plast.cpu.get('workerd') ?? 0) / pattempts)
    console.log(costReport('registration', puse))
  }
  if (cloud) console.log(cloud.profileReport())
  const failed = (r?: SystemRun) =>
    r === undefined || r.closed.some((p) => p.result.done === 0 || p.result.errors > 0)
  if (failed(ew) || failed(pw)) exitCode = 1
} else exitCode = 1
process.exit(exitCode)
