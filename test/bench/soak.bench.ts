/**
 * @module soak bench
 * `npm run bench soak`: Edgewater's local cloud under a steady mixed load for a long time, to show
 * that no process keeps memory per operation and that nothing fails over time.
 *
 * Load (open loop, support/soak-load): registrations at `--rate` per second spread over
 * `--flows` subscribers, each re-registering on its own connection as a client does (REGISTER →
 * 401 → REGISTER with digest → 200); every `--reconnect`-th registration of a subscriber opens a
 * new connection first (a new flow, so flow objects are created and left behind as clients come
 * and go). Calls (sip.js, INVITE → 180 → 200 → ACK → BYE → 200) at `--call-rate` per second over
 * `--pairs` caller/callee pairs.
 *
 * Each minute it prints registrations and calls done and failed, the load average, the RSS
 * of every process of the cloud (workerd, DynamoDB Local, the cloud's Node process, each
 * redis-server) and the JavaScript heaps inside workerd (every isolate's used and reserved bytes
 * summed, `Runtime.getHeapUsage` through miniflare's inspector, support/heap-probe) and workerd's
 * native heap (support/workerd-maps), so that workerd's growth shows as heap or native memory.
 * At the end: the growth of each process's RSS from the end of the warm-up (`--warmup` minutes,
 * at most half the run) to the end of the load (goal < 5 %), each isolate's heap at those two
 * points, and the RSS after `--settle` seconds without load. It exits 1 when an operation failed
 * or a process grew by 5 % or more.
 *
 * Settings (flag or env): `--minutes` / BENCH_SOAK_MINUTES (default 30); `--rate` /
 * BENCH_SOAK_RATE (registrations/s; default half of the rate 10 flows reach in a 5 s closed
 * loop at the start); `--call-rate` / BENCH_SOAK_CALL_RATE (default one call per 15
 * registrations); `--flows` / BENCH_SOAK_FLOWS (50); `--pairs` / BENCH_SOAK_PAIRS (5);
 * `--reconnect` / BENCH_SOAK_RECONNECT (20); `--warmup` / BENCH_SOAK_WARMUP_MINUTES (5);
 * `--settle` / BENCH_SOAK_SETTLE_S (60); `--talk` / BENCH_TALK_MS (100); ports as
 * support/cloud-process.
 */
import type { UserAgent } from 'sip.js'
import { agent } from './support/call-load'
import { CloudProcess } from './support/cloud-process'
import { HeapProbe, type HeapUsage } from './support/heap-probe'
import { cloudLabeller, processTree } from './support/proc-cpu'
import { rssByLabel } from './support/proc-memory'
import { provisionAccounts, runPrefix } from './support/provisioning'
import { closedLoop, Registrant, SipConn } from './support/register-load'
import { type MinuteTally, SoakLoad } from './support/soak-load'
import { fmt, loadAverage, numberArg, sleep, table } from './support/stats'
import { sumMemory, workerdMemory } from './support/workerd-maps'

const MINUTES = numberArg('minutes', 'BENCH_SOAK_MINUTES', 30)
const FLOWS = numberArg('flows', 'BENCH_SOAK_FLOWS', 50)
const PAIRS = numberArg('pairs', 'BENCH_SOAK_PAIRS', 5)
const RECONNECT = numberArg('reconnect', 'BENCH_SOAK_RECONNECT', 20)
const WARMUP = Math.min(numberArg('warmup', 'BENCH_SOAK_WARMUP_MINUTES', 5), MINUTES / 2)
const SETTLE_S = numberArg('settle', 'BENCH_SOAK_SETTLE_S', 60)
const TALK_MS = numberArg('talk', 'BENCH_TALK_MS', 100)
/** Largest RSS growth after the warm-up that passes (5 %). */
const GROWTH_GOAL = 0.05

// sip.js throws from its own timers on some races (a late ACK after the BYE); count, don't die.
let uaErrors = 0
process.on('uncaughtException', (err) => {
  if (++uaErrors <= 3) console.error(`user agent error (counted): ${String(err).slice(0, 200)}`)
})

/** Each isolate's JS heap, used and reserved MiB, from the end of the warm-up to the end. */
function isolateGrowth(a: Map<string, HeapUsage>, b: Map<string, HeapUsage>): string {
  const mib = (x: number | undefined) => fmt((x ?? 0) / 2 ** 20, 1)
  const rows = [...b.entries()]
    .map(([name, end]) => ({ name, end, start: a.get(name) }))
    .sort(
      (x, y) =>
        y.end.totalSize - (y.start?.totalSize ?? 0) - (x.end.totalSize - (x.start?.totalSize ?? 0))
    )
    .map(({ name, end, start }) => [
      name,
      `${mib(start?.usedSize)} / ${mib(start?.totalSize)}`,
      `${mib(end.usedSize)} / ${mib(end.totalSize)}`,
    ])
  return `\nworkerd isolates, JS heap used / reserved MiB\n${table(['isolate', `minute ${fmt(WARMUP, 1)}`, 'end of load'], rows)}`
}

let exitCode = 0
let cloud: CloudProcess | undefined
let heaps: HeapProbe | undefined
const uas: UserAgent[] = []
try {
  cloud = await CloudProcess.start('soak', { inspector: true })
  heaps = await HeapProbe.connect(cloud.inspectorPort ?? 0)
  const e = cloud.endpoints
  const rss = () => rssByLabel([cloud?.pid ?? -1], cloudLabeller())
  /** workerd's native heap, MiB (support/workerd-maps: TCMalloc's regions, resident). */
  const workerdNative = () =>
    sumMemory(
      processTree(cloud?.pid ?? -1)
        .filter((p) => p.comm.startsWith('workerd'))
        .map((p) => workerdMemory(p.pid))
    ).malloc
  const accounts = await provisionAccounts(e, FLOWS, { prefix: runPrefix('66', 5) })
  const lines = await provisionAccounts(e, PAIRS * 2, { prefix: runPrefix('67', 5), mmtel: true })
  const rs: Registrant[] = []
  for (const [i, a] of accounts.entries())
    rs.push(new Registrant(await SipConn.open(e.sip.a), a, `s${i}`))
  // First registrations ten at a time, a few tries each (a loaded machine may time one out).
  for (let i = 0; i < rs.length; i += 10)
    await Promise.all(
      rs.slice(i, i + 10).map(async (r) => {
        for (let t = 1; ; t++) {
          const ok = await r.registerOnce().then(
            () => true,
            (err: unknown) => (t < 5 ? false : Promise.reject(err))
          )
          if (ok) return
        }
      })
    )

  let rate = numberArg('rate', 'BENCH_SOAK_RATE', 0)
  if (rate === 0) {
    console.log('measuring the maximum: closed loop, 10 flows, 5 s…')
    const max = await closedLoop(rs.slice(0, 10), 5)
    rate = Math.max(1, Math.floor(max.rate / 2))
    console.log(`maximum ${fmt(max.rate, 1)} registrations/s; soaking at half of it`)
  }
  const callRate = numberArg('call-rate', 'BENCH_SOAK_CALL_RATE', rate / 15)

  const callees = lines.slice(PAIRS)
  for (const a of callees) uas.push(await agent(e.sip.a, a, true))
  const pairs: Array<{ caller: UserAgent; callee: string }> = []
  for (const [i, a] of lines.slice(0, PAIRS).entries()) {
    const ua = await agent(e.sip.a, a, false)
    uas.push(ua)
    pairs.push({ caller: ua, callee: callees[i]!.impu })
  }

  console.log(
    `\nsoak: ${MINUTES} min, ${fmt(rate, 1)} registrations/s over ${FLOWS} flows (new connection every ${RECONNECT} registrations), ${fmt(callRate, 2)} calls/s over ${PAIRS} pairs, talk ${TALK_MS} ms; growth measured after minute ${fmt(WARMUP, 1)}`
  )
  const start = rss()
  const labels = [...start.keys()].sort()
  /** Every isolate's JS heap, used / reserved MiB, summed. */
  const jsHeaps = async () => {
    let used = 0
    let total = 0
    for (const u of (await heaps?.usage())?.values() ?? []) {
      used += u.usedSize
      total += u.totalSize
    }
    return `${fmt(used / 2 ** 20, 0)} / ${fmt(total / 2 ** 20, 0)}`
  }
  const head = [
    'minute',
    'registrations ok / failed',
    'calls ok / failed',
    'load',
    ...labels,
    'workerd JS heaps used / reserved',
    'workerd native heap',
  ]
  const rows: string[][] = []
  const mib = (m: Map<string, number>, l: string) => fmt(m.get(l) ?? 0, 0)
  const row = (
    minute: string,
    t: MinuteTally | undefined,
    m: Map<string, number>,
    load: string,
    js: string
  ) => [
    minute,
    t ? `${t.registrations} / ${t.registrationErrors}` : '',
    t ? `${t.calls} / ${t.callErrors}` : '',
    load,
    ...labels.map((l) => mib(m, l)),
    js,
    fmt(workerdNative(), 0),
  ]
  console.log(table(head, [row('0', undefined, start, await loadAverage(), await jsHeaps())]))

  const load = new SoakLoad({
    registrants: rs,
    reconnectEvery: RECONNECT,
    reopen: () => SipConn.open(e.sip.a),
    pairs,
    talkMs: TALK_MS,
  })
  const samples: Array<{ minute: number; rss: Map<string, number> }> = []
  /** Each isolate's heap at the end of the warm-up and at the end of the load. */
  let heapsAtWarmup: Map<string, HeapUsage> | undefined
  let heapsAtEnd: Map<string, HeapUsage> | undefined
  const t0 = Date.now()
  const running = load.run(rate, callRate, MINUTES * 60)
  for (let minute = 1; minute <= Math.ceil(MINUTES); minute++) {
    const until = t0 + Math.min(minute, MINUTES) * 60_000
    await sleep(Math.max(0, until - Date.now()))
    const m = rss()
    samples.push({ minute, rss: m })
    const r = row(String(minute), load.takeMinute(), m, await loadAverage(), await jsHeaps())
    if (minute >= WARMUP && !heapsAtWarmup) heapsAtWarmup = await heaps?.usage()
    if (minute === Math.ceil(MINUTES)) heapsAtEnd = await heaps?.usage()
    rows.push(r)
    console.log(`| ${r.join(' | ')} |`)
  }
  const totals = await running
  const settleFrom = Date.now()
  await sleep(SETTLE_S * 1000)
  const settled = rss()
  console.log(
    `(${fmt((Date.now() - settleFrom) / 1000, 0)} s after the load; workerd JS heaps used / reserved ${await jsHeaps()} MiB)`
  )

  const base = samples.find((s) => s.minute >= WARMUP)?.rss ?? start
  const end = samples[samples.length - 1]?.rss ?? start
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0)
  const growth = (a: number, b: number) => (a > 0 ? (b - a) / a : 0)
  const growthRows = [...labels, 'all processes'].map((l) => {
    const a = l === 'all processes' ? sum(base) : (base.get(l) ?? 0)
    const b = l === 'all processes' ? sum(end) : (end.get(l) ?? 0)
    const s = l === 'all processes' ? sum(settled) : (settled.get(l) ?? 0)
    const g = growth(a, b)
    if (g >= GROWTH_GOAL && l !== 'all processes') exitCode = 1
    return [
      l,
      fmt(l === 'all processes' ? sum(start) : (start.get(l) ?? 0), 0),
      fmt(a, 0),
      fmt(b, 0),
      `${fmt(g * 100, 1)} %`,
      fmt(s, 0),
    ]
  })
  console.log(
    `\nSoak, ${MINUTES} min (${new Date().toISOString()}): ${totals.registrations} registrations (${totals.registrationErrors} failed, ${totals.reconnects} on a new connection), ${totals.calls} calls (${totals.callErrors} failed), user agent errors ${uaErrors}`
  )
  console.log(
    table(
      [
        'RSS MiB',
        'start',
        `minute ${fmt(WARMUP, 1)}`,
        `minute ${fmt(MINUTES, 1)}`,
        'growth (goal < 5 %)',
        `${SETTLE_S} s after`,
      ],
      growthRows
    )
  )
  if (heapsAtWarmup && heapsAtEnd) console.log(isolateGrowth(heapsAtWarmup, heapsAtEnd))
  if (totals.registrationErrors + totals.callErrors > 0) exitCode = 1
} catch (err) {
  console.error('soak failed:', err)
  exitCode = 1
} finally {
  heaps?.close()
  await Promise.all(uas.map((u) => u.stop().catch(() => undefined)))
  await cloud?.stop()
}
process.exit(exitCode)
