/**
 * @module registrar bench
 * `npm run bench registrar`: the registrar on a local cloud of its own (ports shifted by
 * EDGEWATER_PORT_OFFSET + 500, or EDGEWATER_BENCH_PORT_OFFSET), stopped at the end. Load comes
 * from bare SIP WebSocket clients through the edge (one flow per connection), subscribers are
 * provisioned through Dime's Homestead-prov API.
 *
 * 1. Throughput: C connections, each registering its subscribers back to back, every
 *    registration authenticated (REGISTER → 401 → REGISTER with digest → 200), for D seconds:
 *    completed authenticated registrations per second.
 * 2. Latency at half that rate, open loop: registrations started on a fixed schedule across the
 *    connections; REGISTER→200 of the authenticated leg and of the whole exchange, p50/p99.
 * 3. Store cost: the sequential KV round trips Sprout recorded for the transactions (admin API).
 *
 * Flags: `--connections=<C>` (default 16), `--seconds=<D>` (default 15), `--subscribers=<N>`.
 */
import { createWriteStream, mkdirSync } from 'node:fs'
import path from 'node:path'
import WebSocket from 'ws'
import { startLocalCloud } from '../../infra/local/cloud'
import { settingsFromEnv } from '../../infra/local/contract'
import { signRequest } from '../../shared/hop/signature'
import {
  buildCredentials,
  computeDigestResponse,
  computeHa1,
  formatNonceCount,
} from '../../shared/sip'

const arg = (name: string, dflt: number) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`))
  return a ? Math.max(1, Number(a.split('=')[1]) || dflt) : dflt
}
const C = arg('connections', 16)
const D = arg('seconds', 15)
const N = arg('subscribers', C * 4)
const offset = Number(
  process.env.EDGEWATER_BENCH_PORT_OFFSET ?? Number(process.env.EDGEWATER_PORT_OFFSET ?? 0) + 500
)
const settings = {
  ...settingsFromEnv({ ...process.env, EDGEWATER_PORT_OFFSET: String(offset) }),
  logLevel: 'warn' as const,
}

interface Sub {
  impu: string
  impi: string
  password: string
  callId: string
  cseq: number
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? Number.NaN
}

/** One SIP WebSocket: requests and their final responses, matched by CSeq and Call-ID. */
class Conn {
  private waiting = new Map<string, (m: string) => void>()
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = d.toString()
      if (!m.startsWith('SIP/2.0')) return
      const key = `${/\r\nCall-ID:\s*(\S+)/i.exec(m)?.[1]} ${/\r\nCSeq:\s*(\d+)/i.exec(m)?.[1]}`
      this.waiting.get(key)?.(m)
    })
  }
  static open(url: string): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'sip')
      ws.once('open', () => resolve(new Conn(ws)))
      ws.once('error', reject)
    })
  }
  request(text: string, callId: string, cseq: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const key = `${callId} ${cseq}`
      const t = setTimeout(() => {
        this.waiting.delete(key)
        reject(new Error(`no answer to ${key}`))
      }, 10_000)
      this.waiting.set(key, (m) => {
        clearTimeout(t)
        this.waiting.delete(key)
        resolve(m)
      })
      this.ws.send(text)
    })
  }
  close() {
    this.ws.close()
  }
}

let branch = 0
function register(s: Sub, domain: string, contact: string, authorization?: string): string {
  return [
    `REGISTER sip:${domain} SIP/2.0`,
    `Via: SIP/2.0/WSS bench.invalid;branch=z9hG4bKb${++branch}`,
    'Max-Forwards: 70',
    `From: <${s.impu}>;tag=b${s.callId.slice(0, 8)}`,
    `To: <${s.impu}>`,
    `Call-ID: ${s.callId}`,
    `CSeq: ${s.cseq} REGISTER`,
    `Contact: ${contact}`,
    'Expires: 300',
    'Supported: path, outbound',
    ...(authorization ? [`Authorization: ${authorization}`] : []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')
}

function answer(res401: string, s: Sub, domain: string): string {
  const line =
    /\r\nWWW-Authenticate:\s*(Digest [^\r\n]*algorithm=MD5[^\r\n]*)/i.exec(res401)?.[1] ?? ''
  const p = (n: string) => new RegExp(`${n}="([^"]*)"`).exec(line)?.[1] ?? ''
  const uri = `sip:${domain}`
  const nc = formatNonceCount(1)
  const ha1 = computeHa1(s.impi, p('realm'), s.password)
  const response = computeDigestResponse({
    ha1,
    method: 'REGISTER',
    uri,
    nonce: p('nonce'),
    qop: 'auth',
    nc,
    cnonce: 'bench',
  })
  return buildCredentials({
    username: s.impi,
    realm: p('realm'),
    nonce: p('nonce'),
    uri,
    response,
    qop: 'auth',
    nc,
    cnonce: 'bench',
    opaque: p('opaque'),
  })
}

/** One authenticated registration; returns [whole exchange ms, authenticated leg ms]. */
async function registerOnce(
  c: Conn,
  s: Sub,
  domain: string,
  contact: string
): Promise<[number, number]> {
  const t0 = performance.now()
  s.cseq++
  const ch = await c.request(register(s, domain, contact), s.callId, s.cseq)
  if (!ch.startsWith('SIP/2.0 401')) throw new Error(`expected 401: ${ch.slice(0, 60)}`)
  s.cseq++
  const t1 = performance.now()
  const ok = await c.request(register(s, domain, contact, answer(ch, s, domain)), s.callId, s.cseq)
  if (!ok.startsWith('SIP/2.0 200')) throw new Error(`expected 200: ${ok.slice(0, 60)}`)
  const t2 = performance.now()
  return [t2 - t0, t2 - t1]
}

mkdirSync('.local', { recursive: true })
const log = createWriteStream(path.join('.local', 'bench-registrar-cloud.log'))
const started = Date.now()
console.log(
  `starting a local cloud on port offset ${offset} (log: .local/bench-registrar-cloud.log)…`
)
const cloud = await startLocalCloud(settings, { sink: (c, l) => log.write(`[${c}] ${l}\n`) })
const e = cloud.endpoints()
console.log(`cloud up in ${((Date.now() - started) / 1000).toFixed(1)} s`)
let exitCode = 0

async function signed(fn: 'dime' | 'sprout', method: string, p: string, body?: string) {
  const url = `${e.functions.a[fn]}${p}`
  const sig = await signRequest(e.hopSecret, method, url, body ?? null)
  return fetch(url, {
    method,
    redirect: 'manual',
    headers: sig,
    ...(body !== undefined ? { body } : {}),
  })
}

async function provision(i: number): Promise<Sub> {
  const number = `65077${String(Date.now()).slice(-5)}${String(i).padStart(3, '0')}`
  const impu = `sip:${number}@${e.homeDomain}`
  const impi = `${number}@${e.homeDomain}`
  const enc = encodeURIComponent
  await signed(
    'dime',
    'PUT',
    `/private/${enc(impi)}`,
    JSON.stringify({ plaintext_password: 'bench-pw' })
  )
  const irs = (await signed('dime', 'POST', '/irs/')).headers.get('location')?.split('/')[2]
  await signed('dime', 'PUT', `/private/${enc(impi)}/associated_implicit_registration_sets/${irs}`)
  const sp = (await signed('dime', 'POST', `/irs/${irs}/service_profiles`)).headers.get('location')
  const r = await signed(
    'dime',
    'PUT',
    `${sp}/public_ids/${enc(impu)}`,
    `<PublicIdentity><Identity>${impu}</Identity></PublicIdentity>`
  )
  if (r.status !== 200) throw new Error(`provisioning ${impu}: ${r.status}`)
  return { impu, impi, password: 'bench-pw', callId: `bench-${number}`, cseq: 0 }
}

try {
  const subs: Sub[] = []
  for (let i = 0; i < N; i += 8)
    subs.push(
      ...(await Promise.all(Array.from({ length: Math.min(8, N - i) }, (_, k) => provision(i + k))))
    )
  const conns = await Promise.all(Array.from({ length: C }, () => Conn.open(e.sip.a)))
  const domain = e.homeDomain
  const contactOf = (s: Sub) => `<sip:${s.callId}@bench.invalid;transport=ws>`
  // Warm-up: every subscriber registered once (isolates, connections, caches).
  await Promise.all(
    conns.map(async (c, ci) => {
      for (let k = ci; k < subs.length; k += C)
        await registerOnce(c, subs[k]!, domain, contactOf(subs[k]!))
    })
  )

  // ---- 1. throughput ----
  let done = 0
  let errors = 0
  const until = Date.now() + D * 1000
  const t0 = performance.now()
  await Promise.all(
    conns.map(async (c, ci) => {
      let k = ci
      while (Date.now() < until) {
        const s = subs[k % subs.length]!
        try {
          await registerOnce(c, s, domain, contactOf(s))
          done++
        } catch {
          errors++
        }
        k += C
      }
    })
  )
  const rate = done / ((performance.now() - t0) / 1000)

  // ---- 2. latency at half that rate, open loop ----
  const target = rate / 2
  const whole: number[] = []
  const leg: number[] = []
  let late = 0
  const busy = new Set<number>()
  const lt0 = performance.now()
  const total = Math.floor(target * D)
  const jobs: Promise<void>[] = []
  for (let i = 0; i < total; i++) {
    const due = lt0 + (i * 1000) / target
    const wait = due - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    let ci = i % C
    while (busy.has(ci) && busy.size < C) ci = (ci + 1) % C
    if (busy.has(ci)) {
      late++
      continue
    }
    busy.add(ci)
    const s = subs[i % subs.length]!
    jobs.push(
      registerOnce(conns[ci]!, s, domain, contactOf(s))
        .then(([w, l]) => {
          whole.push(w)
          leg.push(l)
        })
        .catch(() => {
          errors++
        })
        .finally(() => busy.delete(ci))
    )
  }
  await Promise.all(jobs)

  // ---- 3. store cost ----
  const depths: number[] = []
  const calls: number[] = []
  for (const s of subs.slice(0, 20)) {
    const r = await signed(
      'sprout',
      'GET',
      `/admin/transactions?call-id=${encodeURIComponent(s.callId)}`
    )
    for (const t of ((await r.json()) as { transactions: Array<{ depth: number; calls: number }> })
      .transactions) {
      depths.push(t.depth)
      calls.push(t.calls)
    }
  }
  for (const c of conns) c.close()

  const f = (v: number) => (Number.isNaN(v) ? '–' : v.toFixed(1))
  console.log(
    `\nRegistrar on the local cloud (${C} connections, ${N} subscribers, ${D} s per phase)`
  )
  console.log('| measure | value |')
  console.log('|---|---|')
  console.log(
    `| authenticated registrations/s (401 + digest + 200), closed loop | ${rate.toFixed(1)} |`
  )
  console.log(
    `| offered rate for latency (half) | ${target.toFixed(1)}/s (${whole.length} done, ${late} skipped: no idle connection) |`
  )
  console.log(
    `| authenticated REGISTER→200, p50 / p99 ms | ${f(pct(leg, 0.5))} / ${f(pct(leg, 0.99))} |`
  )
  console.log(
    `| whole exchange REGISTER→401→REGISTER→200, p50 / p99 ms | ${f(pct(whole, 0.5))} / ${f(pct(whole, 0.99))} |`
  )
  console.log(
    `| sequential KV round trips per transaction, max (n=${depths.length}) | ${Math.max(...depths)} |`
  )
  console.log(
    `| store calls per transaction, median / max | ${f(pct(calls, 0.5))} / ${Math.max(...calls)} |`
  )
  console.log(`| errors | ${errors} |`)
  if (errors > 0 || Math.max(...depths) > 2) exitCode = 1
} catch (err) {
  console.error('registrar bench failed:', err)
  exitCode = 1
} finally {
  await cloud.stop()
  await new Promise<void>((r) => log.end(() => r()))
}
process.exit(exitCode)
