/**
 * @module parser bench
 * Side-by-side SIP parser benchmark in one process: Edgewater's `shared/sip` against kirm's `sip`,
 * JsSIP's `lib/Parser` and sip.js's core `Parser` on the three messages of
 * `../shared/tools/parser-bench.mjs` (re-created here). For Edgewater the timed work is parse +
 * reading what a proxy reads (Request-URI parsed, top Via branch/received/rport, From/To tags,
 * CSeq, Call-ID, Contact, Authorization); the peers run their default parse (they parse those
 * headers eagerly; kirm leaves URIs raw). Then a proxy edit-and-serialise case against kirm (the
 * only peer that re-serialises) and an adversarial scaling case (one huge header; many
 * parameters) at sizes N, 2N, 4N, 8N. Every library runs in the same time windows (round-robin per
 * run) so load drift on a shared machine hits all alike. Messages are flat strings, as a decoded
 * WebSocket frame or TCP payload is. Prints markdown tables.
 *
 * Run: `npm run bench parser` (options: `--secs 0.25 --runs 15 --warm 0.5`, `--quick`).
 */
import os from 'node:os'
import { parseMessage } from '../../shared/sip/index'
import {
  edit,
  type Kirm,
  kirmEdit,
  type Lib,
  loadPeers,
  OURS,
  OURS_PARSE,
  req,
} from './support/parser-libs'
import { longHeader, MESSAGES, manyParams, utf8Len } from './support/parser-messages'
import { fmt, measure, pairedRatio, type Timing } from './support/parser-timing'

const args = process.argv.slice(2)
const opt = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : def
}
const QUICK = args.includes('--quick')
const SECS = opt('secs', QUICK ? 0.15 : 0.25)
const RUNS = opt('runs', QUICK ? 5 : 15)
const WARM = opt('warm', QUICK ? 0.2 : 0.5)
const TIMING: Timing = { secs: SECS, runs: RUNS, warm: WARM }

// ---- main ------------------------------------------------------------------------------------
async function main(): Promise<void> {
  const peers = await loadPeers()
  const kirm = peers[0]!
  console.log(
    `node ${process.version} | ${os.cpus()[0]?.model} x${os.cpus().length} | load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} | ~${SECS}s per run, median of ${RUNS}\n`
  )
  console.log('### Parse (msgs/s, median)\n')
  const libs = [OURS, OURS_PARSE, ...peers]
  console.log(
    `| message | bytes | ${libs.map((l) => l.name).join(' | ')} | ours ÷ fastest peer | same, paired batches |`
  )
  console.log(`|---|---:|${libs.map(() => '---:').join('|')}|---:|---:|`)
  const ratios: number[] = []
  const paired: number[] = []
  for (const [name, text] of Object.entries(MESSAGES)) {
    const res = measure(libs, text, TIMING)
    const fastest = peers.reduce((a, b) => (res.get(b.name)! > res.get(a.name)! ? b : a))
    const ratio = res.get(OURS.name)! / res.get(fastest.name)!
    const pr = pairedRatio(OURS, fastest, text, res.get(OURS.name)!, res.get(fastest.name)!, TIMING)
    ratios.push(ratio)
    paired.push(pr)
    const cells = libs.map((l) => fmt(res.get(l.name)!))
    console.log(
      `| ${name} | ${utf8Len(text)} | ${cells.join(' | ')} | **${ratio.toFixed(2)}×** | ${pr.toFixed(2)}× |`
    )
  }
  console.log(
    '\n"parse + proxy reads": parseMessage, then the Request-URI, top Via (branch/received/rport), From/To tags, CSeq, Call-ID, Contact and Authorization are read. "parseMessage only": splitting plus validation, which parses To/From/Call-ID/CSeq/top Via/Max-Forwards/Request-URI; Contact and Authorization stay raw. Peers: their default parse.'
  )
  console.log(
    `\nWorst ratio of ours (parse + proxy reads) to the fastest peer: **${Math.min(...ratios).toFixed(2)}×** from the medians, **${Math.min(...paired).toFixed(2)}×** from ${4 * RUNS} back-to-back batch pairs`
  )

  console.log('\n### Proxy edit + serialise (msgs/s, median)\n')
  console.log(
    'Request: Max-Forwards − 1, pop top Route, add Record-Route, add Via; response: pop Via, add Via.'
  )
  console.log(
    'JsSIP and sip.js have no serialiser for received messages, so only kirm is compared.\n'
  )
  const sip = req('sip') as Kirm
  const editLibs: Lib[] = [
    { name: 'edgewater (parse + edit + serialise)', parse: (s) => edit(parseMessage(s)) },
    { name: 'edgewater (serialise untouched)', parse: (s) => parseMessage(s).toString() },
    { name: `${kirm.name} (parse + edit + stringify)`, parse: (s) => kirmEdit(sip, s) },
  ]
  console.log(`| message | ${editLibs.map((l) => l.name).join(' | ')} | ours ÷ kirm |`)
  console.log(`|---|${editLibs.map(() => '---:').join('|')}|---:|`)
  for (const [name, text] of Object.entries(MESSAGES)) {
    const res = measure(editLibs, text, TIMING)
    const ratio = res.get(editLibs[0]!.name)! / res.get(editLibs[2]!.name)!
    console.log(
      `| ${name} | ${editLibs.map((l) => fmt(res.get(l.name)!)).join(' | ')} | ${ratio.toFixed(2)}× |`
    )
  }

  console.log('\n### Adversarial inputs: cost stays linear\n')
  console.log(
    'µs per message at sizes N, 2N, 4N, 8N; the last column is time(8N) ÷ time(N), 8 for linear.\n'
  )
  const cases: [string, (k: number) => string, number][] = [
    ['long header (KiB in From display name and X-Long)', longHeader, 8],
    ['many parameters (in top Via and in Contact)', manyParams, 64],
  ]
  const advLibs = [OURS, { name: kirm.name, parse: kirm.parse }]
  console.log('| case | library | N | 2N | 4N | 8N | 8N ÷ N |')
  console.log('|---|---|---:|---:|---:|---:|---:|')
  for (const [label, make, n] of cases) {
    const sizes = [n, 2 * n, 4 * n, 8 * n]
    const us = advLibs.map(() => [] as number[])
    for (const k of sizes) {
      const res = measure(advLibs, make(k), TIMING)
      advLibs.forEach((l, i) => {
        us[i]!.push(1e6 / res.get(l.name)!)
      })
    }
    advLibs.forEach((l, i) => {
      const row = us[i]!
      console.log(
        `| ${label} (N=${n}) | ${l.name} | ${row.map((u) => u.toFixed(1)).join(' | ')} | ${(row[3]! / row[0]!).toFixed(1)} |`
      )
    })
  }
}

await main()
