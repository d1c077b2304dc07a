/**
 * @module calls bench
 * `npm run bench calls`: call setups through Edgewater on a local cloud of its own (ports shifted
 * by EDGEWATER_PORT_OFFSET + 500, or EDGEWATER_BENCH_PORT_OFFSET), stopped at the end. Real sip.js
 * user agents (Node, `ws`) register on region a's edge; each call is INVITE → 180 → 200 → ACK →
 * BYE → 200 between a caller and a callee that rings and answers at once.
 *
 * 1. Throughput: calls started back to back by `--concurrency` callers for `--seconds`; completed
 *    calls per second (a call completes when its BYE is answered).
 * 2. Latency: calls started open-loop at half that rate for `--seconds`; time from sending the
 *    INVITE to receiving the 180 (edge → Sprout → Dime/KV → edge → callee → back), p50/p99.
 * 3. Store cost: the sequential store round trips Sprout recorded per INVITE and per 2xx.
 *
 * Flags: `--seconds=<n>` (default 20), `--concurrency=<n>` (default 8), `--pairs=<n>` (default 8),
 * `--talk=<ms>` between the 200 and the BYE (default 100).
 */
import { createWriteStream, mkdirSync } from 'node:fs'
import path from 'node:path'
import {
  type Invitation,
  Inviter,
  Registerer,
  RegistererState,
  SessionState,
  UserAgent,
} from 'sip.js'
import WebSocket from 'ws'
import { startLocalCloud } from '../../infra/local/cloud'
import { settingsFromEnv } from '../../infra/local/contract'
import { signRequest } from '../../shared/hop/signature'
import { DEFAULT_SIMSERVS_XML } from '../../shared/ims/simservs-default'
;(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket

const arg = (name: string, dflt: number) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`))
  const n = a ? Number(a.slice(name.length + 3)) : dflt
  return Number.isFinite(n) && n > 0 ? n : dflt
}
const SECONDS = arg('seconds', 20)
const CONCURRENCY = arg('concurrency', 8)
const PAIRS = Math.max(arg('pairs', 8), CONCURRENCY)
/** Talk time before the BYE: each message of a call rides its own HTTP hop, so a BYE sent the
 * instant the 200 arrives can overtake the ACK, which sip.js does not survive. */
const TALK_MS = arg('talk', 100)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const offset = Number(
  process.env.EDGEWATER_BENCH_PORT_OFFSET ?? Number(process.env.EDGEWATER_PORT_OFFSET ?? 0) + 500
)
const settings = {
  ...settingsFromEnv({ ...process.env, EDGEWATER_PORT_OFFSET: String(offset) }),
  logLevel: 'warn' as const,
}

const SDP =
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n'
class FixedSdp {
  close() {}
  async getDescription() {
    return { body: SDP, contentType: 'application/sdp' }
  }
  hasDescription(ct: string) {
    return ct === 'application/sdp'
  }
  async setDescription() {}
  sendDtmf() {
    return false
  }
}

mkdirSync('.local', { recursive: true })
const log = createWriteStream(path.join('.local', 'bench-calls-cloud.log'))
console.log(`starting a local cloud on port offset ${offset} (log: .local/bench-calls-cloud.log)…`)
const t0 = Date.now()
const cloud = await startLocalCloud(settings, { sink: (c, l) => log.write(`[${c}] ${l}\n`) })
const e = cloud.endpoints()
console.log(`cloud up in ${((Date.now() - t0) / 1000).toFixed(1)} s`)

async function signed(
  url: string,
  method: string,
  body?: string,
  headers: Record<string, string> = {}
) {
  const sig = await signRequest(e.hopSecret, method, url, body ?? null)
  return fetch(url, {
    method,
    redirect: 'manual',
    headers: { ...sig, ...headers },
    ...(body !== undefined ? { body } : {}),
  })
}

const IFC = `<?xml version="1.0" encoding="UTF-8"?><ServiceProfile><InitialFilterCriteria><TriggerPoint><ConditionTypeCNF>0</ConditionTypeCNF><SPT><ConditionNegated>0</ConditionNegated><Group>0</Group><Method>INVITE</Method><Extension></Extension></SPT></TriggerPoint><ApplicationServer><ServerName>sip:mmtel.${e.homeDomain}</ServerName><DefaultHandling>0</DefaultHandling></ApplicationServer></InitialFilterCriteria></ServiceProfile>`

/** Provisions a line as Ellis does: Homestead-prov (private id, IRS, service profile, public id, default iFC) and Homer (default simservs). */
async function line(n: number) {
  const number = `65${String(Date.now()).slice(-6)}${String(n).padStart(3, '0')}`
  const impu = `sip:${number}@${e.homeDomain}`
  const impi = `${number}@${e.homeDomain}`
  const dime = e.functions.a.dime
  const enc = encodeURIComponent
  const ok = async (r: Promise<Response>) => {
    const res = await r
    if (res.status >= 400) throw new Error(`${res.url} ${res.status} ${await res.text()}`)
    return res
  }
  await ok(
    signed(
      `${dime}/private/${enc(impi)}`,
      'PUT',
      JSON.stringify({ plaintext_password: 'bench-pw' })
    )
  )
  const irs = (await ok(signed(`${dime}/irs/`, 'POST'))).headers.get('location')!.split('/')[2]!
  await ok(
    signed(`${dime}/private/${enc(impi)}/associated_implicit_registration_sets/${irs}`, 'PUT')
  )
  const sp = (await ok(signed(`${dime}/irs/${irs}/service_profiles`, 'POST'))).headers.get(
    'location'
  )!
  await ok(
    signed(
      `${dime}${sp}/public_ids/${enc(impu)}`,
      'PUT',
      `<PublicIdentity><Identity>${impu}</Identity></PublicIdentity>`
    )
  )
  await ok(signed(`${dime}${sp}/filter_criteria`, 'PUT', IFC))
  await ok(
    signed(
      `${e.functions.a.homer}/org.etsi.ngn.simservs/users/${enc(impu)}/simservs.xml`,
      'PUT',
      DEFAULT_SIMSERVS_XML,
      {
        'content-type': 'application/vnd.etsi.simservs+xml',
      }
    )
  )
  return { impu, impi }
}

async function agent(l: { impu: string; impi: string }, onInvite?: (inv: Invitation) => void) {
  const ua = new UserAgent({
    uri: UserAgent.makeURI(l.impu)!,
    authorizationUsername: l.impi,
    authorizationPassword: 'bench-pw',
    transportOptions: { server: e.sip.a, connectionTimeout: 5 },
    sessionDescriptionHandlerFactory: () => new FixedSdp() as never,
    logLevel: 'error',
    ...(onInvite ? { delegate: { onInvite } } : {}),
  })
  await ua.start()
  const reg = new Registerer(ua, { expires: 600 })
  await reg.register()
  for (let i = 0; i < 100 && reg.state !== RegistererState.Registered; i++) await sleep(20)
  if (reg.state !== RegistererState.Registered) throw new Error(`${l.impu} did not register`)
  return ua
}

interface CallResult {
  ok: boolean
  ringMs: number
  /** INVITE sent → 200 received. */
  answerMs: number
  totalMs: number
  callId: string
}

/** One call: INVITE → 180 → 200 → ACK → BYE → 200. */
function call(ua: UserAgent, target: string): Promise<CallResult> {
  return new Promise((resolve) => {
    const start = performance.now()
    let ringMs = Number.NaN
    let answerMs = Number.NaN
    const inviter = new Inviter(ua, UserAgent.makeURI(target)!)
    const done = (ok: boolean) =>
      resolve({
        ok,
        ringMs,
        answerMs,
        totalMs: performance.now() - start,
        callId: inviter.request.callId,
      })
    const timer = setTimeout(() => done(false), 10_000)
    inviter
      .invite({
        requestDelegate: {
          onProgress: (r) => {
            if (r.message.statusCode === 180 && Number.isNaN(ringMs))
              ringMs = performance.now() - start
          },
          onAccept: async () => {
            answerMs = performance.now() - start
            await sleep(TALK_MS)
            void inviter.bye({
              requestDelegate: {
                onAccept: () => {
                  clearTimeout(timer)
                  done(true)
                },
                onReject: () => {
                  clearTimeout(timer)
                  done(false)
                },
              },
            })
          },
          onReject: () => {
            clearTimeout(timer)
            done(false)
          },
        },
      })
      .catch(() => {
        clearTimeout(timer)
        done(false)
      })
  })
}

function pct(xs: number[], p: number) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? Number.NaN
}

function table(rows: Array<[string, string]>) {
  const w = Math.max(...rows.map(([k]) => k.length))
  for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`)
}

let exitCode = 0
let _uaErrors = 0
// sip.js throws from its own timers on some races (a late ACK after the BYE); count, don't die.
process.on('uncaughtException', (err) => {
  _uaErrors++
  log.write(`[bench] user agent error: ${String(err)}\n`)
})
const uas: UserAgent[] = []
try {
  console.log(`provisioning and registering ${PAIRS} caller/callee pairs…`)
  const lines = await Promise.all(Array.from({ length: PAIRS * 2 }, (_, i) => line(i)))
  const callees = lines.slice(PAIRS)
  for (const l of callees)
    uas.push(
      await agent(l, (inv) => {
        // Ring and answer at once (sip.js has already sent its automatic 180).
        void inv.accept().catch(() => undefined)
        inv.stateChange.addListener((s) => {
          if (s === SessionState.Terminated) inv.dispose().catch(() => undefined)
        })
      })
    )
  const callers: UserAgent[] = []
  for (const l of lines.slice(0, PAIRS)) callers.push(await agent(l))
  uas.push(...callers)

  // Warm-up: JIT, isolates, caches.
  for (let i = 0; i < PAIRS; i++) await call(callers[i]!, callees[i]!.impu)

  // 1. Throughput.
  console.log(`throughput: ${CONCURRENCY} callers back to back for ${SECONDS} s…`)
  const results: CallResult[] = []
  const until = performance.now() + SECONDS * 1000
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      while (performance.now() < until) results.push(await call(callers[w]!, callees[w]!.impu))
    })
  )
  const completed = results.filter((r) => r.ok).length
  const rate = completed / SECONDS

  // 2. Latency at half that rate, open loop.
  const target = Math.max(0.5, rate / 2)
  console.log(`latency: ${target.toFixed(1)} calls/s open loop for ${SECONDS} s…`)
  const lat: Promise<CallResult>[] = []
  const gap = 1000 / target
  const t1 = performance.now()
  for (let k = 0; performance.now() - t1 < SECONDS * 1000; k++) {
    const w = k % PAIRS
    lat.push(call(callers[w]!, callees[w]!.impu))
    const next = t1 + (k + 1) * gap
    await sleep(Math.max(0, next - performance.now()))
  }
  const latency = await Promise.all(lat)
  const ring = latency.filter((r) => r.ok).map((r) => r.ringMs)

  // 3. Store cost as Sprout recorded it.
  const costUrl = `${e.functions.a.sprout}/routing/transactions?method=INVITE&limit=2000`
  const cost = (
    (await (await signed(costUrl, 'GET')).json()) as {
      transactions: Array<{
        what: string
        status: number
        depth: number
        sproutDepth: number
        dimeDepth: number
      }>
    }
  ).transactions
  const fwd = cost.filter((t) => t.what === 'forward')
  const ans = cost.filter((t) => t.what === 'response' && t.status === 200)
  const maxOf = (xs: number[]) => (xs.length ? Math.max(...xs) : Number.NaN)

  console.log(
    '\nCall setups through the local cloud (one 2-core machine: sip.js UAs, edge, functions, stores)\n'
  )
  table([
    [
      'completed calls per second',
      `${rate.toFixed(1)}  (${completed} of ${results.length} in ${SECONDS} s, ${CONCURRENCY} concurrent)`,
    ],
    [
      'INVITE → 200 p50 / p99',
      `${pct(
        results.map((r) => r.answerMs),
        0.5
      ).toFixed(0)} / ${pct(
        results.map((r) => r.answerMs),
        0.99
      ).toFixed(0)} ms (under load)`,
    ],
    [
      'call duration p50 / p99',
      `${pct(
        results.map((r) => r.totalMs),
        0.5
      ).toFixed(0)} / ${pct(
        results.map((r) => r.totalMs),
        0.99
      ).toFixed(0)} ms (INVITE … BYE 200)`,
    ],
    [
      'INVITE → 180 p50 / p99',
      `${pct(ring, 0.5).toFixed(1)} / ${pct(ring, 0.99).toFixed(1)} ms at ${target.toFixed(1)} calls/s (${ring.length} calls, ${latency.length - ring.length} failed)`,
    ],
    [
      'INVITE store round trips',
      `max ${maxOf(fwd.map((t) => t.depth))} sequential (Sprout ${maxOf(fwd.map((t) => t.sproutDepth))}, Dime ${maxOf(fwd.map((t) => t.dimeDepth))} beside Sprout's first level; ${fwd.length} INVITEs)`,
    ],
    [
      '2xx store round trips',
      `max ${maxOf(ans.map((t) => t.depth))} sequential (${ans.length} answers)`,
    ],
  ])
  if (completed === 0 || ring.length === 0) exitCode = 1
} catch (err) {
  console.error('calls bench failed:', err)
  exitCode = 1
} finally {
  await Promise.all(uas.map((u) => u.stop().catch(() => undefined)))
  await cloud.stop()
  await new Promise<void>((r) => log.end(() => r()))
}
process.exit(exitCode)
