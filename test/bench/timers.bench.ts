/**
 * @module timers bench
 * `npm run bench timers`: how precisely timers pop, on a local cloud of its own (ports shifted
 * by EDGEWATER_PORT_OFFSET + 500, or EDGEWATER_BENCH_PORT_OFFSET), stopped at the end.
 *
 * 1. Precise tier (Durable Object alarms): 1–30 s timers set through the timer service; error
 *    = callback arrival − (time the set was issued + interval), real time.
 * 2. Scheduler firing under the fake's 60 s spread model, on the driven clock: one-time `at()`
 *    schedules straight into the Scheduler; error = invocation time − `at()` time. This is the
 *    raw precision EventBridge gives (anywhere in the minute, early or late).
 * 3. Scheduler tier end to end with the spread on, in real time (skipped with `--quick`): 60–80 s
 *    timers through the timer service, with the default primary lead (0: a pop is never early,
 *    early arrivals are finished by the precise tier, late ones stay late) and with a 60 s lead
 *    (every pop arrives early and is finished by the precise tier). Error = arrival − due.
 *
 * Flags: `--quick` (skip 3), `--n=<timers per row>`.
 */
import { createWriteStream, mkdirSync } from 'node:fs'
import path from 'node:path'
import { CreateScheduleCommand } from '@aws-sdk/client-scheduler'
import { startLocalCloud } from '../../infra/local/cloud'
import { settingsFromEnv } from '../../infra/local/contract'
import { CallbackServer, CloudClock, scheduler, timerService } from '../contracts/cloud-harness'

const quick = process.argv.includes('--quick')
const nArg = process.argv.find((a) => a.startsWith('--n='))
const N = nArg ? Math.max(1, Number(nArg.slice(4)) || 20) : 20
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const offset = Number(
  process.env.EDGEWATER_BENCH_PORT_OFFSET ?? Number(process.env.EDGEWATER_PORT_OFFSET ?? 0) + 500
)
const settings = {
  ...settingsFromEnv({ ...process.env, EDGEWATER_PORT_OFFSET: String(offset) }),
  schedulerSpread: true,
  logLevel: 'warn' as const,
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b)
  const q = (p: number) =>
    s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? Number.NaN
  return {
    n: s.length,
    min: s[0] ?? Number.NaN,
    median: q(0.5),
    p99: q(0.99),
    max: s[s.length - 1] ?? Number.NaN,
  }
}

function table(title: string, unit: string, rows: [string, number[], string?][]) {
  console.log(`\n${title}`)
  const head = ['', 'n', `min ${unit}`, `median ${unit}`, `p99 ${unit}`, `max ${unit}`, 'notes']
  const lines = rows.map(([label, xs, note]) => {
    const s = stats(xs)
    const f = (v: number) =>
      Number.isNaN(v) ? '–' : unit === 's' ? (v / 1000).toFixed(1) : v.toFixed(0)
    return [label, String(s.n), f(s.min), f(s.median), f(s.p99), f(s.max), note ?? '']
  })
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i === 6 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
  console.log(fmt(head))
  for (const l of lines) console.log(fmt(l))
}

mkdirSync('.local', { recursive: true })
const log = createWriteStream(path.join('.local', 'bench-timers-cloud.log'))
const t0 = Date.now()
console.log(`starting a local cloud on port offset ${offset} (log: .local/bench-timers-cloud.log)…`)
const cloud = await startLocalCloud(settings, { sink: (c, l) => log.write(`[${c}] ${l}\n`) })
const e = cloud.endpoints()
console.log(`cloud up in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
const server = await new CallbackServer(e.hopSecret).start()
let exitCode = 0

try {
  // ---- 2. raw Scheduler precision under the spread model (driven clock) ----
  const clock = await new CloudClock(e.control).sync()
  const rawArn = 'arn:aws:lambda:local-a:000000000000:function:bench-raw'
  await fetch(`${e.control}/scheduler/targets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ arn: rawArn, url: server.uri('raw') }),
  })
  const sch = scheduler(e, 'a')
  const rawAt = new Map<string, number>()
  const rawN = N * 10
  for (let i = 0; i < rawN; i++) {
    const at = Math.ceil((clock.now() + 60_000 + Math.random() * 3_540_000) / 1000) * 1000
    const name = `bench-raw-${i}`
    rawAt.set(name, at)
    await sch.send(
      new CreateScheduleCommand({
        Name: name,
        GroupName: 'bench-raw',
        ScheduleExpression: `at(${new Date(at).toISOString().slice(0, 19)})`,
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: rawArn,
          RoleArn: 'arn:aws:iam::000000000000:role/bench',
          Input: JSON.stringify({ i }),
        },
      })
    )
  }
  for (let step = 0; step < 62; step++) {
    await clock.advance(60_000)
    await sleep(60)
  }
  await server.settle(500, 10_000)
  const inv = (await (await fetch(`${e.control}/scheduler/a/invocations`)).json()) as {
    name: string
    group: string
    scheduledFor: number
  }[]
  // The fake fires on the driven clock's jumps; `scheduledFor` is the moment the spread model
  // picked, i.e. when it fires in real time.
  const rawErr = inv
    .filter((x) => x.group === 'bench-raw')
    .map((x) => x.scheduledFor - rawAt.get(x.name)!)
  const early = rawErr.filter((x) => x < 0).length

  // ---- 1. precise tier, and 3. Scheduler tier end to end, in real time (in parallel) ----
  const precise = async () => {
    const svc = timerService(e, 'a', { now: Date.now })
    const rows: [string, number[], string][] = []
    const jobs: { tag: string; due: number; interval: number; setMs: number }[] = []
    for (const s of [1, 2, 5, 10, 20, 30]) {
      for (let i = 0; i < N; i++) {
        const tag = `p${s}-${i}`
        const start = Date.now()
        await svc.set({ intervalMs: s * 1000, callbackUri: server.uri(tag), opaque: tag })
        jobs.push({ tag, due: start + s * 1000, interval: s, setMs: Date.now() - start })
        await sleep(5)
      }
    }
    const last = Math.max(...jobs.map((j) => j.due))
    await sleep(Math.max(0, last - Date.now()) + 1_500)
    for (const s of [1, 2, 5, 10, 20, 30]) {
      const errs = jobs
        .filter((j) => j.interval === s)
        .flatMap((j) => server.for(j.tag).map((r) => r.at - j.due))
      const setMs = stats(jobs.filter((j) => j.interval === s).map((j) => j.setMs)).median
      rows.push([`${s} s`, errs, `set request ${setMs} ms (median), included in the error`])
    }
    return rows
  }
  const endToEnd = async (leadMs: number) => {
    const svc = timerService(e, 'a', clock, undefined, { primaryLeadMs: leadMs })
    const jobs: { tag: string; due: number }[] = []
    for (let i = 0; i < N; i++) {
      const tag = `s${leadMs}-${i}`
      const interval = 60_000 + Math.floor(Math.random() * 20_000)
      const start = clock.now()
      await svc.set({ intervalMs: interval, callbackUri: server.uri(tag), opaque: tag })
      jobs.push({ tag, due: start + interval })
    }
    const last = Math.max(...jobs.map((j) => j.due))
    // A pop the backup delivers can be up to margin (60 s) + one window (60 s) late.
    await sleep(Math.max(0, last - clock.now()) + 125_000)
    const offsetNow = clock.now() - Date.now()
    const errs = jobs.flatMap((j) => server.for(j.tag).map((r) => r.at + offsetNow - j.due))
    const dup = jobs.filter((j) => server.for(j.tag).length > 1).length
    const missed = jobs.filter((j) => server.for(j.tag).length === 0).length
    return { errs, note: `duplicates ${dup}, missed ${missed}` }
  }
  console.log(
    quick
      ? 'measuring the precise tier (≈35 s)…'
      : 'measuring the precise tier and the Scheduler tier end to end (≈3.5 min)…'
  )
  const [preciseRows, lead0, lead60] = await Promise.all([
    precise(),
    quick ? undefined : endToEnd(0),
    quick ? undefined : endToEnd(60_000),
  ])

  table(
    `Precise tier: Durable Object alarms (error = fired − due, ${N} timers per row)`,
    'ms',
    preciseRows
  )
  table('EventBridge Scheduler fake, 60 s spread model, driven clock (error = fired − at())', 's', [
    ['at() in 1–60 min', rawErr, `${early} of ${rawErr.length} fired early`],
  ])
  if (lead0 && lead60) {
    table('Scheduler tier end to end, spread on, real time (error = delivered − due)', 's', [
      ['primary lead 0 (default)', lead0.errs, lead0.note],
      ['primary lead 60 s', lead60.errs, lead60.note],
    ])
  }
  const allPrecise = preciseRows.flatMap(([, xs]) => xs)
  if (allPrecise.length !== 6 * N) {
    console.error(`\nprecise tier: ${6 * N - allPrecise.length} timers did not pop`)
    exitCode = 1
  }
} catch (err) {
  console.error('timers bench failed:', err)
  exitCode = 1
} finally {
  await server.close()
  await cloud.stop()
  await new Promise<void>((r) => log.end(() => r()))
}
process.exit(exitCode)
