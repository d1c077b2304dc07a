/**
 * @module gr bench
 * `npm run bench gr`: the geo-redundancy drill. A local cloud in its own process with the global
 * table modelled as MREC (`LOCAL_TABLE_MODE=mrec`, replication lag as configured) carries, the
 * whole time, re-registrations on both edges, calls at a fixed rate between agents on both edges,
 * and one-shot timers set in both regions. Then:
 *
 * 1. region a is lost (`POST /regions/a/down`) for `--outage` seconds and comes back;
 * 2. the regions are partitioned (`POST /partition`) for `--outage` seconds, both sides signing
 *    up accounts and allocating numbers meanwhile, and healed (`POST /heal`).
 *
 * After each fault it waits for the table's backlog to drain and reads every registered
 * identity's bindings through both regions' Sprout; at the end it reads them once more, waits for
 * the timers to fall due and calls every callee. It prints per fault: registrations lost (an
 * identity some region serves no live binding of once converged), clients forced to re-register
 * (their connection closed), timers lost, timers with duplicate effects (popped under two
 * sequence numbers) and pops delivered twice (delivery is at least once), the share of calls
 * started after detection that succeeded, numbers given to two accounts, the time to detect
 * (fault → first successful call from a caller whose calls were failing) and the time to converge
 * after the region's return or the heal (until every write pending at that moment has been
 * copied, both ways). It exits non-zero when a registration, a timer or a number goes wrong.
 *
 * Settings (flag or env): `--rate` / BENCH_GR_CALL_RATE (calls/s, default 2), `--pairs` /
 * BENCH_GR_PAIRS (caller/callee pairs, default 4), `--registrants` / BENCH_GR_REGISTRANTS (6),
 * `--outage` / BENCH_GR_OUTAGE_S (s, 20), `--settle` / BENCH_GR_SETTLE_S (s before each fault,
 * 10), `--numbers` / BENCH_GR_NUMBERS (sign-ups with a number per region during the partition, 5);
 * ports as support/cloud-process. A cloud already running on the bench's port offset (for
 * example `EDGEWATER_BENCH_PORT_OFFSET=<N>` with `LOCAL_TABLE_MODE=mrec npm start` on offset N)
 * is used as it is and left running.
 */
import { Registerer, type UserAgent } from 'sip.js'
import type { Endpoints } from '../../infra/local/cloud'
import { REGIONS, type Region } from '../../shared/config/regions'
import { signRequest } from '../../shared/hop/signature'
import { agent, call } from './support/call-load'
import { benchPortOffset, CloudProcess } from './support/cloud-process'
import { type CallEvent, CallStream, ReRegistrations, TimerStream } from './support/gr-load'
import { provisionAccounts, runPrefix } from './support/provisioning'
import { fmt, numberArg, sleep, table } from './support/stats'

const RATE = numberArg('rate', 'BENCH_GR_CALL_RATE', 2)
const PAIRS = numberArg('pairs', 'BENCH_GR_PAIRS', 4)
const REGISTRANTS = numberArg('registrants', 'BENCH_GR_REGISTRANTS', 6)
const OUTAGE_S = numberArg('outage', 'BENCH_GR_OUTAGE_S', 20)
const SETTLE_S = numberArg('settle', 'BENCH_GR_SETTLE_S', 10)
const NUMBERS = numberArg('numbers', 'BENCH_GR_NUMBERS', 5)
const TIMER_S = 5
const TALK_MS = 100

let uaErrors = 0
process.on('uncaughtException', (err) => {
  if (++uaErrors <= 3) console.error(`user agent error (counted): ${String(err).slice(0, 200)}`)
})

process.env.LOCAL_TABLE_MODE ??= 'mrec'

interface Fault {
  name: string
  start: number
  end: number
  /** Converged: every write pending at `end` copied, either way (ms after `end`). */
  convergeMs: number
  numbers: string[]
  /** Registered identities some region served no live binding of, once converged. */
  lost: string[]
}

/**
 * The registered identities that either region's Sprout serves no live binding of (its admin
 * read, `GET /impu/{impu}/bindings`, as the registrar reads the AoR), each with the region.
 */
async function registrationsLost(e: Endpoints, impus: readonly string[]): Promise<string[]> {
  const lost: string[] = []
  const nowS = Date.now() / 1000
  for (const impu of impus)
    for (const r of REGIONS) {
      const url = `${e.functions[r].sprout}/impu/${encodeURIComponent(impu)}/bindings`
      const res = await fetch(url, {
        headers: await signRequest(e.hopSecret, 'GET', url, null),
        signal: AbortSignal.timeout(10_000),
      }).catch((err: unknown) => err as Error)
      if (res instanceof Error) {
        lost.push(`${impu} in ${r} (${res.message})`)
        continue
      }
      let bindings: Record<string, { expires: number }> = {}
      if (res.ok) ({ bindings } = (await res.json()) as { bindings: typeof bindings })
      else await res.arrayBuffer()
      if (!Object.values(bindings).some((b) => b.expires > nowS))
        lost.push(`${impu} in ${r} (${res.status})`)
    }
  return lost
}

async function control(e: Endpoints, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${e.control}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  if (!res.ok) throw new Error(`control ${path}: ${res.status} ${await res.text()}`)
  return res.json()
}

/**
 * Ms from `since` until every item pending at `since` has been copied: nothing pending, or the
 * oldest pending write in each direction is younger than `since` (the load goes on meanwhile).
 */
async function waitConverged(e: Endpoints, since: number, maxMs = 180_000): Promise<number> {
  for (;;) {
    const r = (await control(e, '/replication')) as {
      pending: Record<string, number>
      oldestAgeMs: Record<string, number>
    }
    const now = Date.now()
    const done = Object.keys(r.pending).every(
      (d) => r.pending[d] === 0 || (r.oldestAgeMs[d] ?? 0) < now - since
    )
    if (done) return now - since
    if (now - since > maxMs) return Number.NaN
    await sleep(50)
  }
}

/** Signs up an account through `region`'s edge and allocates it one number; its SIP URI. */
async function signUpWithNumber(e: Endpoints, region: Region, tag: string): Promise<string> {
  const api = (p: string) => `${e.edges[region]}/api${p}`
  const email = `${tag}@example.com`
  const password = 'drill-pw-1'
  const json = { 'content-type': 'application/json' }
  const up = await fetch(api('/accounts'), {
    method: 'POST',
    headers: { ...json, 'ngv-signup-code': e.signupCode },
    body: JSON.stringify({ email, password, full_name: tag }),
  })
  if (up.status !== 201) throw new Error(`sign-up ${up.status}`)
  const s = await fetch(api('/session'), {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email, password }),
  })
  const cookie = s.headers
    .getSetCookie()
    .find((c) => c.startsWith('username='))
    ?.split(';')[0]
  if (!cookie) throw new Error(`login ${s.status}`)
  const n = await fetch(api(`/accounts/${encodeURIComponent(email)}/numbers`), {
    method: 'POST',
    headers: { cookie },
  })
  if (n.status !== 200) throw new Error(`number ${n.status}`)
  return ((await n.json()) as { sip_uri: string }).sip_uri
}

/** The first success, after the fault, of an edge whose calls had failed since it began. */
function detection(calls: readonly CallEvent[], f: Fault): number | undefined {
  const during = calls.filter((c) => c.at >= f.start).sort((x, y) => x.at - y.at)
  const firstFail = during.find((c) => !c.ok)
  if (!firstFail) return undefined
  return during.find((c) => c.ok && c.at > firstFail.at && c.region === firstFail.region)?.at
}

/**
 * With no call failing, detection shows only as delay: the slowest INVITE → 200 among the calls
 * placed during the fault.
 */
function slowestAnswer(calls: readonly CallEvent[], from: number, to: number): number {
  return Math.max(0, ...calls.filter((c) => c.at >= from && c.at < to).map((c) => c.answerMs))
}

let cloud: CloudProcess | undefined
let exitCode = 0
const uas: UserAgent[] = []
try {
  // A cloud already answering on the bench offset is reused (and left running).
  const running = await fetch(`http://127.0.0.1:${8790 + benchPortOffset()}/endpoints`).then(
    (r) => (r.ok ? (r.json() as Promise<Endpoints>) : undefined),
    () => undefined
  )
  if (running) console.log(`using the local cloud already running at ${running.control}`)
  else cloud = await CloudProcess.start('gr')
  const e = running ?? cloud!.endpoints
  if (e.tableMode !== 'mrec') throw new Error('the drill needs LOCAL_TABLE_MODE=mrec')
  const lag = (await control(e, '/replication')) as { lagMs: number; jitterMs: number }
  const accounts = await provisionAccounts(e, PAIRS * 2 + REGISTRANTS, {
    prefix: runPrefix('66', 6),
    mmtel: true,
  })
  const edgeOf = (i: number): Region => (i % 2 === 0 ? 'a' : 'b')
  const pairs: Array<{ caller: UserAgent; callee: string; edge: Region }> = []
  for (let i = 0; i < PAIRS; i++) {
    // Callee on the other edge than its caller: every call crosses between the edges.
    const callee = await agent(e.sip[edgeOf(i + 1)], accounts[PAIRS + i]!, true)
    const caller = await agent(e.sip[edgeOf(i)], accounts[i]!, false)
    uas.push(callee, caller)
    pairs.push({ caller, callee: accounts[PAIRS + i]!.impu, edge: edgeOf(i) })
  }
  // A sip.js agent whose WebSocket closes reconnects and registers again, as a client would;
  // each time counts as a client forced to re-register.
  const agentDrops: Array<{ at: number }> = []
  for (const ua of uas) {
    ua.delegate = {
      ...ua.delegate,
      onDisconnect: (err) => {
        if (!err) return
        agentDrops.push({ at: Date.now() })
        void (async () => {
          for (let i = 0; i < 20; i++) {
            try {
              await ua.reconnect()
              await new Registerer(ua, { expires: 600 }).register()
              return
            } catch {
              await sleep(1_000)
            }
          }
        })()
      },
    }
  }
  await replicationSettled(e)
  const regs = new ReRegistrations(
    e,
    accounts.slice(PAIRS * 2).map((account, i) => ({ account, edge: edgeOf(i) })),
    500
  )
  const registered = accounts.map((a) => a.impu)
  const calls = new CallStream(pairs, RATE, TALK_MS)
  const timers = new TimerStream(e, 1_000, TIMER_S)
  regs.start()
  calls.start()
  await timers.start()

  const faults: Fault[] = []
  const run = async (
    name: string,
    on: () => Promise<unknown>,
    off: () => Promise<unknown>,
    during?: () => Promise<string[]>
  ) => {
    console.log(`steady load for ${SETTLE_S} s…`)
    await sleep(SETTLE_S * 1000)
    console.log(`${name} for ${OUTAGE_S} s…`)
    const start = Date.now()
    await on()
    const numbers = during ? await during() : []
    await sleep(Math.max(0, start + OUTAGE_S * 1000 - Date.now()))
    await off()
    const end = Date.now()
    const convergeMs = await waitConverged(e, end)
    console.log(`${name} over; converged in ${fmt(convergeMs / 1000, 2)} s`)
    // Read through both regions at once: the returned one must serve no stale AoR.
    const lost = await registrationsLost(e, registered)
    for (const l of lost.slice(0, 5)) console.log(`  no live binding: ${l}`)
    faults.push({ name, start, end, convergeMs, numbers, lost })
  }
  await run(
    'region a down',
    () => control(e, '/regions/a/down', {}),
    () => control(e, '/regions/a/up', {})
  )
  await run(
    'partition',
    () => control(e, '/partition', {}),
    () => control(e, '/heal', {}),
    async () => {
      const jobs: Promise<string | undefined>[] = []
      for (let i = 0; i < NUMBERS; i++)
        for (const r of ['a', 'b'] as const)
          jobs.push(
            signUpWithNumber(e, r, `drill-${r}-${Date.now().toString(36)}-${i}`).catch((err) => {
              console.log(`  sign-up in ${r} during the partition: ${String(err)}`)
              return undefined
            })
          )
      return (await Promise.all(jobs)).filter((n): n is string => n !== undefined)
    }
  )
  console.log(`steady load for ${SETTLE_S} s, then the timers' last pops…`)
  await sleep(SETTLE_S * 1000)
  await timers.stop()
  await calls.stop()
  // Before the registrants' connections close (a closed flow removes its bindings).
  const lostAtEnd = await registrationsLost(e, registered)
  await regs.stop()
  await sleep((TIMER_S + 10) * 1000)
  await timers.server.settle(2_000, 60_000)
  // Every callee still reachable by a call (three tries: a loaded machine times calls out).
  const unreachable: string[] = []
  for (const p of pairs) {
    let ok = false
    for (let i = 0; i < 3 && !ok; i++) ok = (await call(p.caller, p.callee, TALK_MS)).ok
    if (!ok) unreachable.push(p.callee)
  }

  const t = timers.outcome()
  const rows: string[][] = []
  const endOf = (i: number) => faults[i + 1]?.start ?? Number.POSITIVE_INFINITY
  for (const [i, f] of faults.entries()) {
    const detectedAt = detection(calls.calls, f)
    const from = detectedAt ?? f.start
    const after = calls.calls.filter((c) => c.at >= from && c.at < endOf(i))
    const ok = after.filter((c) => c.ok).length
    const inWindow = (at: number) => at >= f.start && at < endOf(i)
    const allNumbers = faults.flatMap((x) => x.numbers)
    rows.push([
      f.name,
      String(f.lost.length),
      String(
        regs.forced.filter((x) => inWindow(x.at)).length +
          agentDrops.filter((x) => inWindow(x.at)).length
      ),
      String(t.lost.filter((tag) => inWindow(timers.timers.find((x) => x.tag === tag)!.at)).length),
      String(
        t.duplicated.filter((tag) => inWindow(timers.timers.find((x) => x.tag === tag)!.at)).length
      ),
      String(
        t.delivered2.filter((tag) => inWindow(timers.timers.find((x) => x.tag === tag)!.at)).length
      ),
      `${fmt((100 * ok) / Math.max(1, after.length), 2)}% of ${after.length}`,
      f.numbers.length ? String(allNumbers.length - new Set(allNumbers).size) : '–',
      detectedAt
        ? `${fmt((detectedAt - f.start) / 1000, 2)} s`
        : `none failed (slowest answer ${fmt(slowestAnswer(calls.calls, f.start, endOf(i)) / 1000, 2)} s)`,
      `${fmt(f.convergeMs / 1000, 2)} s`,
    ])
  }
  const regFails = regs.events.filter((x) => !x.ok)
  console.log(
    `\nGeo-redundancy drill (${new Date().toISOString()}): table MREC, lag ${lag.lagMs} ms + up to ${lag.jitterMs} ms; ${PAIRS} call pairs at ${RATE} calls/s, ${REGISTRANTS} registrants re-registering every 0.5 s, a ${TIMER_S} s timer every second, faults of ${OUTAGE_S} s`
  )
  console.log(
    table(
      [
        'fault',
        'registrations lost',
        'forced to re-register',
        'timers lost',
        'timers with duplicate effects',
        'pops delivered twice',
        'calls after detection ok',
        'numbers given twice',
        'time to detect',
        'time to converge',
      ],
      rows
    )
  )
  console.log(
    `\ncalls: ${calls.calls.length} attempted, ${calls.calls.filter((c) => !c.ok).length} failed in all; re-registrations: ${regs.events.length}, ${regFails.length} failed; timers set: ${t.set} (refused ${timers.timers.length - t.set}); numbers allocated during the partition: ${faults.flatMap((f) => f.numbers).length}; user agent errors: ${uaErrors}`
  )
  if (regFails.length)
    console.log(
      `first failed re-registrations: ${regFails
        .slice(0, 3)
        .map((x) => x.detail)
        .join(' | ')}`
    )
  console.log(
    `at the end: ${lostAtEnd.length} registered identities without a live binding in a region; ${unreachable.length} of ${pairs.length} callees unreachable by a call`
  )
  for (const l of lostAtEnd.slice(0, 5)) console.log(`  no live binding: ${l}`)
  for (const tag of t.delivered2.slice(0, 5))
    console.log(`  delivered twice: ${timers.describe(tag)}`)
  const twice = (xs: string[]) => xs.length - new Set(xs).size
  if (
    lostAtEnd.length ||
    faults.some((f) => f.lost.length) ||
    t.lost.length ||
    t.duplicated.length ||
    twice(faults.flatMap((f) => f.numbers))
  )
    exitCode = 1
} catch (err) {
  console.error('the drill failed:', err)
  exitCode = 1
} finally {
  await Promise.all(uas.map((u) => u.stop().catch(() => undefined)))
  await cloud?.stop()
}
process.exit(exitCode)

async function replicationSettled(e: Endpoints): Promise<void> {
  await waitConverged(e, Date.now())
}
