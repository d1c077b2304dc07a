/**
 * @module edge bench
 * `npm run bench edge`: the edge's SIP flows on a local cloud of its own (ports shifted by
 * EDGEWATER_PORT_OFFSET + 700), with a minimal Node `ws` server answering the same messages as
 * the peer measured in the same run (the ceiling of a WebSocket round trip on this machine).
 *
 * 1. One flow, a window of 64 OPTIONS in flight: messages per second.
 * 2. 1,000 flows, 10 OPTIONS each, one in flight per flow: messages per second.
 * 3. Edge CPU per message: workerd's user+system CPU over run 2 divided by its messages.
 * 4. 10,000 idle flows (`--idle=<n>` to change): workerd's RSS growth per flow.
 *
 * OPTIONS addressed to the edge are answered by the flow object itself, so the figures are the
 * edge's own cost (parse, sanity, reply) without the core behind it.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import WebSocket, { WebSocketServer } from 'ws'
import { startLocalCloud } from '../../infra/local/cloud'
import { settingsFromEnv } from '../../infra/local/contract'

const idleArg = process.argv.find((a) => a.startsWith('--idle='))
const IDLE = idleArg ? Number(idleArg.slice(7)) : 10_000
const offset = Number(
  process.env.EDGEWATER_BENCH_PORT_OFFSET ?? Number(process.env.EDGEWATER_PORT_OFFSET ?? 0) + 700
)
const settings = {
  ...settingsFromEnv({ ...process.env, EDGEWATER_PORT_OFFSET: String(offset) }),
  logLevel: 'warn' as const,
}

const options = (host: string, i: number) =>
  `OPTIONS sip:${host} SIP/2.0\r\nVia: SIP/2.0/WSS bench.invalid;branch=z9hG4bK-${i}\r\nMax-Forwards: 70\r\nFrom: <sip:bench@example.com>;tag=b${i}\r\nTo: <sip:${host}>\r\nCall-ID: bench-${i}\r\nCSeq: ${i + 1} OPTIONS\r\nContent-Length: 0\r\n\r\n`

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'sip', { perMessageDeflate: false })
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

/** Sends `n` messages on `ws` keeping `window` in flight; resolves when all are answered. */
function pump(ws: WebSocket, host: string, n: number, window: number, base = 0): Promise<void> {
  return new Promise((resolve) => {
    let sent = 0
    let got = 0
    const send = () => ws.send(options(host, base + sent++))
    ws.on('message', () => {
      got++
      if (got === n) return resolve()
      if (sent < n) send()
    })
    for (let i = 0; i < Math.min(window, n); i++) send()
  })
}

function workerdPids(): number[] {
  const out = execFileSync('ps', ['-eo', 'pid,ppid,comm'], { encoding: 'utf8' })
  const rows = out
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
  const mine = new Set([String(process.pid)])
  // Descendants of this process named workerd.
  let grew = true
  while (grew) {
    grew = false
    for (const [pid, ppid] of rows) {
      if (pid && ppid && mine.has(ppid) && !mine.has(pid)) {
        mine.add(pid)
        grew = true
      }
    }
  }
  return rows
    .filter(([pid, , comm]) => pid && mine.has(pid) && comm === 'workerd')
    .map(([pid]) => Number(pid))
}

const TICKS = 100 // USER_HZ on Linux
function cpuMs(pids: number[]): number {
  let t = 0
  for (const pid of pids) {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    t += ((Number(f[11]) + Number(f[12])) / TICKS) * 1000
  }
  return t
}
function rssMb(pids: number[]): number {
  let kb = 0
  for (const pid of pids)
    kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
  return kb / 1024
}

async function measure(url: string, host: string) {
  const one = await open(url)
  await pump(one, host, 500, 64) // warm-up
  one.removeAllListeners('message')
  let t0 = performance.now()
  await pump(one, host, 5_000, 64)
  const single = 5_000 / ((performance.now() - t0) / 1000)
  one.close()

  const flows: WebSocket[] = []
  for (let i = 0; i < 1_000; i += 50)
    flows.push(...(await Promise.all(Array.from({ length: 50 }, () => open(url)))))
  t0 = performance.now()
  await Promise.all(flows.map((ws, i) => pump(ws, host, 10, 1, i * 10)))
  const elapsed = performance.now() - t0
  for (const ws of flows) ws.close()
  return { single, many: 10_000 / (elapsed / 1000), elapsedMs: elapsed }
}

async function peer() {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: () => 'sip',
    perMessageDeflate: false,
  })
  await new Promise((r) => wss.once('listening', r))
  wss.on('connection', (ws) =>
    ws.on('message', (m) => {
      const text = m.toString()
      const callId = /Call-ID: (.*)\r\n/.exec(text)?.[1]
      ws.send(`SIP/2.0 200 OK\r\nCall-ID: ${callId}\r\nContent-Length: 0\r\n\r\n`)
    })
  )
  const port = (wss.address() as { port: number }).port
  const r = await measure(`ws://127.0.0.1:${port}/sip`, `127.0.0.1:${port}`)
  await new Promise((res) => wss.close(res))
  return r
}

async function main() {
  const cloud = await startLocalCloud(settings, { sink: () => {} })
  try {
    const e = cloud.endpoints()
    const host = new URL(e.edges.a).host
    const pids = workerdPids()
    const peerResult = await peer()
    const cpu0 = cpuMs(pids)
    const edge = await measure(e.sip.a, host)
    const cpuPerMsg = (cpuMs(pids) - cpu0) / (5_500 + 10_000)

    const rss0 = rssMb(pids)
    const idle: WebSocket[] = []
    for (let i = 0; i < IDLE; i += 100)
      idle.push(
        ...(await Promise.all(Array.from({ length: Math.min(100, IDLE - i) }, () => open(e.sip.a))))
      )
    await new Promise((r) => setTimeout(r, 2_000))
    const rss1 = rssMb(pids)
    const perFlowKb = ((rss1 - rss0) * 1024) / IDLE
    for (const ws of idle) ws.terminate()

    console.log('\nEdge SIP flows (OPTIONS answered at the edge), same run as a bare Node ws peer')
    console.log('| measurement | edge | peer (Node ws) | edge / peer |')
    console.log('|---|---|---|---|')
    console.log(
      `| one flow, 64 in flight | ${edge.single.toFixed(0)} msg/s | ${peerResult.single.toFixed(0)} msg/s | ${(edge.single / peerResult.single).toFixed(2)} |`
    )
    console.log(
      `| 1,000 flows × 10 messages | ${edge.many.toFixed(0)} msg/s | ${peerResult.many.toFixed(0)} msg/s | ${(edge.many / peerResult.many).toFixed(2)} |`
    )
    console.log(
      `| workerd CPU per message (all work in workerd, incl. WebSocket I/O) | ${cpuPerMsg.toFixed(3)} ms | | |`
    )
    console.log(
      `| workerd RSS growth per idle flow (${IDLE} flows) | ${perFlowKb.toFixed(1)} KiB | | |`
    )
    console.log(
      `| workerd RSS before / after ${IDLE} idle flows | ${rss0.toFixed(0)} / ${rss1.toFixed(0)} MiB | | |`
    )
  } finally {
    await cloud.stop()
  }
}

await main()
process.exit(0)
