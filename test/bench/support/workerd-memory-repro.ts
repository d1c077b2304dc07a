/**
 * @module workerd-memory-repro
 * The smallest setup that shows workerd's RSS growing under a steady load, with none of
 * Edgewater's code: one miniflare worker that answers each request after one outbound `fetch`
 * to a Node HTTP server (the shape of every function's store call). It sends `--requests` in
 * `--phases`, and after each phase prints workerd's RSS and the JavaScript heaps of every
 * isolate (the worker's and miniflare's `outbound:0`, the interceptor every outbound `fetch`
 * passes through), then, with `--gc`, runs a full collection in every isolate (`gc()`, which
 * needs `--expose-gc`) and prints RSS again. A steady RSS after each collection while RSS
 * without one climbs means the growth is uncollected garbage, not retained memory.
 *
 * `npx tsx test/bench/support/workerd-memory-repro.ts [--requests=60000] [--phases=6]
 *  [--concurrency=10] [--gc] [--v8-flags="--expose-gc …"]`; the inspector listens on 9231 +
 * EDGEWATER_PORT_OFFSET. `--v8-flags` is passed to workerd as MINIFLARE_WORKERD_V8_FLAGS
 * (`--expose-gc` is added with `--gc`).
 */
import { Agent, createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Log, LogLevel, Miniflare } from 'miniflare'
import { HeapProbe } from './heap-probe'
import { processTree } from './proc-cpu'
import { rssKib } from './proc-memory'
import { fmt, numberArg, table } from './stats'

const REQUESTS = numberArg('requests', 'REPRO_REQUESTS', 60_000)
const PHASES = numberArg('phases', 'REPRO_PHASES', 6)
const CONCURRENCY = numberArg('concurrency', 'REPRO_CONCURRENCY', 10)
const GC = process.argv.includes('--gc')
const flagArg = process.argv.find((a) => a.startsWith('--v8-flags='))?.slice('--v8-flags='.length)
const V8_FLAGS = [flagArg ?? '', GC ? '--expose-gc' : ''].join(' ').trim()
const INSPECTOR = 9231 + Number(process.env.EDGEWATER_PORT_OFFSET ?? 0)

const WORKER = `export default {
  async fetch(request, env) {
    const body = await request.text()
    const r = await fetch(env.STORE, { method: 'POST', body, headers: { 'content-type': 'text/plain' } })
    return new Response(await r.text(), { headers: { 'x-store': String(r.status) } })
  },
}`

/** The store stand-in: answers every request with a short body. */
async function startStore(): Promise<{ url: string; close(): void }> {
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => res.end('{"result":"OK"}'))
  })
  server.keepAliveTimeout = 600_000
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => server.close(),
  }
}

function workerdRss(): number {
  let kib = 0
  for (const p of processTree(process.pid))
    if (p.comm.startsWith('workerd')) kib += rssKib(p.pid) ?? 0
  return kib / 1024
}

async function drive(target: URL, n: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })
  let next = 0
  let failed = 0
  const one = () =>
    new Promise<void>((resolve) => {
      const req = request(
        target,
        { method: 'POST', agent, headers: { 'content-type': 'text/plain' } },
        (res) => {
          if (res.statusCode !== 200) failed++
          res.resume()
          res.on('end', resolve)
        }
      )
      req.on('error', () => {
        failed++
        resolve()
      })
      req.end(`REGISTER sip:example.com SIP/2.0\r\nCall-ID: ${next}\r\n\r\n`)
    })
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) {
        next++
        await one()
      }
    })
  )
  agent.destroy()
  return failed
}

process.env.MINIFLARE_WORKERD_V8_FLAGS = V8_FLAGS
const store = await startStore()
const mf = new Miniflare({
  host: '127.0.0.1',
  port: 0,
  inspectorPort: INSPECTOR,
  log: new Log(LogLevel.WARN),
  workers: [
    {
      name: 'repro',
      modules: true,
      script: WORKER,
      compatibilityDate: '2026-04-01',
      bindings: { STORE: store.url },
      unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
    },
  ],
})
await mf.ready
const target = await mf.unsafeGetDirectURL('repro')
const probe = await HeapProbe.connect(INSPECTOR, ['repro', 'outbound:0'])
const heaps = async () => {
  const u = await probe.usage()
  return [...u.entries()].map(([n, x]) => `${n} ${fmt(x.usedSize / 2 ** 20, 1)}`).join(', ')
}
console.log(
  `workerd memory repro: ${REQUESTS} requests in ${PHASES} phases, concurrency ${CONCURRENCY}, V8 flags "${V8_FLAGS}"`
)
const rows: string[][] = [['0', '0', fmt(workerdRss(), 1), await heaps(), '', '']]
const perPhase = Math.ceil(REQUESTS / PHASES)
let done = 0
let failed = 0
for (let p = 1; p <= PHASES; p++) {
  failed += await drive(target, perPhase)
  done += perPhase
  const rss = workerdRss()
  const h = await heaps()
  let after = ''
  let hAfter = ''
  if (GC) {
    const without = await probe.collectGarbage()
    if (without.length) throw new Error(`no gc() in ${without.join(', ')}`)
    after = fmt(workerdRss(), 1)
    hAfter = await heaps()
  }
  rows.push([String(p), String(done), fmt(rss, 1), h, after, hAfter])
}
console.log(
  table(
    [
      'phase',
      'requests',
      'workerd RSS MiB',
      'JS heap used MiB',
      'RSS after gc()',
      'JS heap after gc()',
    ],
    rows
  )
)
console.log(`failed requests: ${failed}`)
probe.close()
await mf.dispose()
store.close()
process.exit(failed === 0 ? 0 : 1)
