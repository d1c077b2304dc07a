/**
 * Sends fuzz requests with node:http (the path reaches the server byte for byte), signs them for
 * the trusted zone when asked, and reports every answer that breaks the contract.
 */
import { writeFileSync } from 'node:fs'
import http from 'node:http'
import fc from 'fast-check'
import { SIGNATURE_HEADER, signRequest, TIMESTAMP_HEADER } from '../../../shared/hop/signature'
import type { FuzzRequest } from './template'

/** No answer (status line and, for an error, its body) within this is a hang. */
export const HANG_MS = 10_000

/** The seed of this run: `FUZZ_SEED` or a fixed one, so a failure can be replayed. */
export const fuzzSeed = (): number => Number(process.env.FUZZ_SEED ?? 140_614)
/** Inputs per API: `FUZZ_RUNS` or the given default. */
export const fuzzRuns = (fallback: number): number => Number(process.env.FUZZ_RUNS ?? fallback)

export type Outcome =
  | { kind: 'answer'; status: number; body: string; headers: http.IncomingHttpHeaders }
  | { kind: 'hang' }
  | { kind: 'dropped'; error: string }

/** Sends `req` to `base` (an http://host:port URL), signed for the trusted zone as `req.signing` says. */
export async function send(base: string, req: FuzzRequest, secret?: string): Promise<Outcome> {
  const u = new URL(base)
  const headers: Record<string, string> = { ...req.headers }
  if (secret && req.signing !== 'none') {
    // Signed over the URL the server will see (a path starting with // is still a path).
    const sig = await signRequest(secret, req.method, `${base}${req.path}`, req.body ?? null, {
      headers,
    })
    if (req.signing === 'bad') {
      sig[SIGNATURE_HEADER] = `${sig[SIGNATURE_HEADER]!.slice(0, -2)}00`
      sig[TIMESTAMP_HEADER] = String(Number(sig[TIMESTAMP_HEADER]) - 3_600_000)
    }
    Object.assign(headers, sig)
  }
  if (req.body) headers['content-length'] = String(req.body.length)
  return new Promise<Outcome>((resolve) => {
    let settled = false
    const done = (o: Outcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(o)
    }
    const timer = setTimeout(() => {
      done({ kind: 'hang' })
      request?.destroy()
    }, HANG_MS)
    let request: http.ClientRequest | undefined
    try {
      request = http.request(
        {
          host: u.hostname,
          port: u.port,
          method: req.method,
          path: req.path,
          headers,
          agent: false,
        },
        (res) => {
          const status = res.statusCode ?? 0
          // A success needs no body here (a paced listing streams for minutes); an error must
          // carry its reason, so its body is read in full.
          if (status < 400 || req.method === 'HEAD') {
            done({ kind: 'answer', status, body: '', headers: res.headers })
            res.destroy()
            return
          }
          const parts: Buffer[] = []
          res.on('data', (d: Buffer) => parts.push(d))
          res.on('end', () =>
            done({
              kind: 'answer',
              status,
              body: Buffer.concat(parts).toString('utf8'),
              headers: res.headers,
            })
          )
          res.on('error', (e) => done({ kind: 'dropped', error: String(e) }))
        }
      )
    } catch (err) {
      // node refused to put this target on the wire: a harness bug, reported as such
      done({ kind: 'dropped', error: `not sendable: ${String(err)}` })
      return
    }
    request.on('error', (e) => done({ kind: 'dropped', error: String(e) }))
    request.end(req.body)
  })
}

/** Why an answer breaks the contract (4xx with a reason, never 5xx or a hang), or undefined. */
export function problemOf(req: FuzzRequest, o: Outcome): string | undefined {
  if (o.kind === 'hang') return `no answer in ${HANG_MS / 1000} s`
  if (o.kind === 'dropped') return `connection dropped without an answer (${o.error})`
  if (o.status >= 500) return `${o.status}: ${o.body.slice(0, 300)}`
  if (o.status >= 400 && req.method !== 'HEAD' && o.body.trim() === '')
    return `${o.status} without a reason`
  return undefined
}

export interface FuzzFailure {
  req: FuzzRequest
  problem: string
}

/** The local cloud gateway's own 502 when its connection to the function failed. */
const gatewayLost = (o: Outcome) =>
  o.kind === 'answer' && o.status === 502 && o.body.includes('function unreachable')

export interface FuzzReport {
  api: string
  seed: number
  ran: number
  gatewayRetries: number
  statuses: Record<string, number>
  failures: FuzzFailure[]
}

/** Samples `runs` requests from `arb` with `seed`, sends them `concurrency` at a time. */
export async function runFuzz(opts: {
  api: string
  base: string | ((req: FuzzRequest) => string)
  arb: fc.Arbitrary<FuzzRequest>
  runs: number
  seed: number
  secret?: string
  concurrency?: number
}): Promise<FuzzReport> {
  const inputs = fc.sample(opts.arb, { seed: opts.seed, numRuns: opts.runs })
  const report: FuzzReport = {
    api: opts.api,
    seed: opts.seed,
    ran: 0,
    gatewayRetries: 0,
    statuses: {},
    failures: [],
  }
  let next = 0
  const worker = async () => {
    while (next < inputs.length) {
      const req = inputs[next++]!
      const base = typeof opts.base === 'function' ? opts.base(req) : opts.base
      let o = await send(base, req, opts.secret)
      if (gatewayLost(o)) {
        // The local cloud's gateway (standing in for function URLs) lost a reused keep-alive
        // connection to workerd; one retry tells that race from a function that really dies.
        report.gatewayRetries++
        o = await send(base, req, opts.secret)
      }
      report.ran++
      const key = o.kind === 'answer' ? String(o.status) : o.kind
      report.statuses[key] = (report.statuses[key] ?? 0) + 1
      const p = problemOf(req, o)
      if (p) report.failures.push({ req, problem: p })
    }
  }
  await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, worker))
  // FUZZ_DUMP=<file> keeps the failing inputs (bodies in base64) for replaying them one by one.
  if (process.env.FUZZ_DUMP && report.failures.length)
    writeFileSync(
      process.env.FUZZ_DUMP,
      JSON.stringify(
        report.failures.map((f) => ({
          ...f.req,
          body: f.req.body?.toString('base64'),
          problem: f.problem,
        })),
        null,
        1
      )
    )
  console.log(
    `fuzz ${opts.api}: ${report.ran} inputs, seed ${opts.seed}, statuses ${JSON.stringify(report.statuses)}, failures ${report.failures.length}, gateway retries ${report.gatewayRetries}`
  )
  return report
}

/** A readable list of failures for an assertion message. */
export function describeFailures(failures: FuzzFailure[], max = 10): string {
  return failures
    .slice(0, max)
    .map(
      (f) =>
        `- ${f.req.template}: ${f.req.method} ${f.req.path.slice(0, 160)}${f.req.path.length > 160 ? '…' : ''}\n    ${f.problem.slice(0, 300)}\n    mutations: ${f.req.mutations.join('; ').slice(0, 400)}`
    )
    .join('\n')
}
