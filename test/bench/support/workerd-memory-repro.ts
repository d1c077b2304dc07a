/**
 * @module workerd-memory-repro
 * What makes workerd's RSS grow under a steady load, one feature at a time, with none of
 * Edgewater's code (the worker scripts are support/repro-worker.ts).
 *
 * Two modes:
 * - `--mode=http` (default): one worker that answers each request after one outbound `fetch` to
 *   a Node HTTP server (the shape of every function's store call).
 * - `--mode=flows`: WebSocket flows each held by a Durable Object, as the edge holds them
 *   (support/repro-flows.ts). Per message the object does what the flags switch on:
 *   `--hibernate` (accept with the hibernation API, else `ws.accept()`), `--attachment`,
 *   `--alarm` (`--alarm-ms`, default 60000, ahead), `--put`, `--forget` (deleteAlarm + deleteAll
 *   on close), `--hmac`, `--log`, `--outbound` (fetch to the Node store), `--w2w` (fetch to a
 *   second worker), `--same-ids` (a few named objects instead of a new one per connection);
 *   `--deliver` adds one `stub.fetch` delivery per message, `--reconnect=N` a new connection (a
 *   new object) every N messages of a connection (default 0: never).
 *
 * It sends `--requests` (messages, in flow mode) in `--phases`, and after each phase prints
 * workerd's RSS (from /proc; in brackets its native heap and the other anonymous memory, chiefly
 * V8's heaps, support/workerd-maps) and the JavaScript heaps of every isolate; with `--gc` it then runs
 * a full collection in every isolate (`gc()`, which needs `--expose-gc`) and prints RSS again. A
 * steady RSS after each collection while RSS without one climbs means the growth is uncollected
 * garbage, not retained memory. RSS that climbs while the heaps do not is native memory.
 *
 * `npx tsx test/bench/support/workerd-memory-repro.ts [--mode=flows --hibernate …]
 *  [--requests=60000] [--phases=6] [--concurrency=10] [--burst=N] [--gc] [--v8-flags="…"]`; in
 * flow mode `--concurrency` is the number of connections; `--burst` is the first phase's
 * concurrency (a peak, to see whether RSS comes down from it). The inspector listens on 9231 +
 * EDGEWATER_PORT_OFFSET. `--v8-flags` is passed to workerd as MINIFLARE_WORKERD_V8_FLAGS
 * (`--expose-gc` is added with `--gc`). Durable Object storage is miniflare's default (SQLite
 * files in a temporary directory, as in the local cloud); the run prints how many it left.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { Agent, createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { Log, LogLevel, Miniflare } from 'miniflare'
import { HeapProbe } from './heap-probe'
import { processTree } from './proc-cpu'
import { driveFlows } from './repro-flows'
import { FEATURE_FLAGS, frontScript, PEER_SCRIPT, type ReproFeatures } from './repro-worker'
import { fmt, numberArg, table } from './stats'
import { sumMemory, type WorkerdMemory, workerdMemory } from './workerd-maps'

const REQUESTS = numberArg('requests', 'REPRO_REQUESTS', 60_000)
const PHASES = numberArg('phases', 'REPRO_PHASES', 6)
const CONCURRENCY = numberArg('concurrency', 'REPRO_CONCURRENCY', 10)
const RECONNECT = numberArg('reconnect', 'REPRO_RECONNECT', 0)
/** The first phase's concurrency: a burst above the rest shows whether RSS keeps its peak. */
const BURST = numberArg('burst', 'REPRO_BURST', 0)
const GC = process.argv.includes('--gc')
const FLOWS = process.argv.includes('--mode=flows')
const DELIVER = process.argv.includes('--deliver')
const flagArg = process.argv.find((a) => a.startsWith('--v8-flags='))?.slice('--v8-flags='.length)
const V8_FLAGS = [flagArg ?? '', GC ? '--expose-gc' : ''].join(' ').trim()
const INSPECTOR = 9231 + Number(process.env.EDGEWATER_PORT_OFFSET ?? 0)
const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
const features = Object.fromEntries(
  FEATURE_FLAGS.map((f) => [f, process.argv.includes(`--${kebab(f)}`)])
) as Omit<ReproFeatures, 'alarmMs'>
const FEATURES: ReproFeatures = {
  ...features,
  alarmMs: numberArg('alarm-ms', 'REPRO_ALARM_MS', 60_000),
}

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

/** workerd's RSS, split into its native heap and the rest (support/workerd-maps). */
function workerdRss(): WorkerdMemory {
  return sumMemory(
    processTree(process.pid)
      .filter((p) => p.comm.startsWith('workerd'))
      .map((p) => workerdMemory(p.pid))
  )
}
const rssCell = (m: WorkerdMemory) =>
  `${fmt(m.rss, 1)} (${fmt(m.malloc, 0)} / ${fmt(m.otherAnon, 0)})`

/** Files and bytes under a directory (the Durable Objects' SQLite files). */
function diskUse(dir: string): { files: number; mib: number } {
  let files = 0
  let bytes = 0
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else {
        files++
        bytes += statSync(p).size
      }
    }
  }
  try {
    walk(dir)
  } catch {
    // not created
  }
  return { files, mib: bytes / 2 ** 20 }
}

async function driveHttp(target: URL, n: number, concurrency: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
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
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++
        await one()
      }
    })
  )
  agent.destroy()
  return failed
}

/** Drains workerd's output; counts the lines (the `--log` feature's volume). */
let logLines = 0
const drain = (s: Readable) =>
  s.on('data', (c: Buffer) => {
    for (const b of c) if (b === 10) logLines++
  })

/** A free loopback port (the peer's socket must be known to the front worker's bindings). */
async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as AddressInfo).port
  await new Promise((r) => s.close(r))
  return port
}

process.env.MINIFLARE_WORKERD_V8_FLAGS = V8_FLAGS
const store = await startStore()
const peerPort = await freePort()
const doDir = mkdtempSync(path.join(tmpdir(), 'workerd-repro-do-'))
const mf = new Miniflare({
  host: '127.0.0.1',
  port: 0,
  inspectorPort: INSPECTOR,
  cf: false,
  log: new Log(LogLevel.WARN),
  // On disk in a temporary directory, as miniflare keeps Durable Objects when not persisting.
  durableObjectsPersist: doDir,
  handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
    drain(stdout)
    drain(stderr)
  },
  workers: [
    {
      name: 'repro',
      modules: true,
      script: frontScript(FEATURES),
      compatibilityDate: '2026-04-01',
      bindings: { STORE: store.url, PEER: `http://127.0.0.1:${peerPort}/` },
      durableObjects: { FLOW: 'Flow' },
      unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
    },
    {
      name: 'peer',
      modules: true,
      script: PEER_SCRIPT,
      compatibilityDate: '2026-04-01',
      unsafeDirectSockets: [{ host: '127.0.0.1', port: peerPort }],
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
const on = FLOWS
  ? [
      ...FEATURE_FLAGS.filter((f) => FEATURES[f]),
      ...(DELIVER ? ['deliver'] : []),
      ...(RECONNECT ? [`reconnect=${RECONNECT}`] : []),
    ].join(' ') || 'none'
  : ''
console.log(
  `workerd memory repro, ${FLOWS ? `flows (${on})` : 'http'}: ${REQUESTS} ${FLOWS ? 'messages' : 'requests'} in ${PHASES} phases, concurrency ${CONCURRENCY}${BURST ? ` (first phase ${BURST})` : ''}, V8 flags "${V8_FLAGS}"`
)
const rows: string[][] = [['0', '0', rssCell(workerdRss()), await heaps(), '', '']]
const perPhase = Math.ceil(REQUESTS / PHASES)
let done = 0
let failed = 0
const t0 = Date.now()
for (let p = 1; p <= PHASES; p++) {
  const concurrency = p === 1 && BURST > 0 ? BURST : CONCURRENCY
  failed += FLOWS
    ? await driveFlows(
        { base: target, flows: concurrency, reconnect: RECONNECT, deliver: DELIVER },
        perPhase
      )
    : await driveHttp(target, perPhase, concurrency)
  done += perPhase
  const rss = workerdRss()
  const h = await heaps()
  let after = ''
  let hAfter = ''
  if (GC) {
    const without = await probe.collectGarbage()
    if (without.length) throw new Error(`no gc() in ${without.join(', ')}`)
    after = rssCell(workerdRss())
    hAfter = await heaps()
  }
  rows.push([String(p), String(done), rssCell(rss), h, after, hAfter])
  console.log(
    `phase ${p}: ${done} done, workerd RSS ${rssCell(rss)} MiB (${fmt((Date.now() - t0) / 1000, 0)} s)`
  )
}
console.log(
  table(
    [
      'phase',
      FLOWS ? 'messages' : 'requests',
      'workerd RSS MiB (malloc / other anon)',
      'JS heap used MiB',
      'RSS after gc()',
      'JS heap after gc()',
    ],
    rows
  )
)
const disk = diskUse(doDir)
console.log(
  `failed: ${failed}; console lines: ${logLines}; Durable Object storage: ${disk.files} files, ${fmt(disk.mib, 1)} MiB`
)
probe.close()
await mf.dispose()
rmSync(doDir, { recursive: true, force: true })
store.close()
process.exit(failed === 0 ? 0 : 1)
