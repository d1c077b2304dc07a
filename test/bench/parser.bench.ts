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
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { makeVia, parseMessage, parseNameAddr, type SipMessage } from '../../shared/sip/index'

const args = process.argv.slice(2)
const opt = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : def
}
const QUICK = args.includes('--quick')
const SECS = opt('secs', QUICK ? 0.15 : 0.25)
const RUNS = opt('runs', QUICK ? 5 : 15)
const WARM = opt('warm', QUICK ? 0.2 : 0.5)

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const req = createRequire(path.join(repoRoot, 'package.json'))

// ---- messages (same text as ../shared/tools/parser-bench.mjs) ----------------------------------
const CRLF = '\r\n'
const utf8Len = (s: string): number => Buffer.byteLength(s)
const msg = (lines: string[], body = ''): string => {
  const hdrs = lines.filter((l) => !l.startsWith('Content-Length'))
  return `${hdrs.join(CRLF)}${CRLF}Content-Length: ${utf8Len(body)}${CRLF}${CRLF}${body}`
}

const REGISTER = msg([
  'REGISTER sip:example.com SIP/2.0',
  'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK5465464;rport',
  'Via: SIP/2.0/TCP 10.0.0.5:5058;rport=40123;received=10.0.0.5;branch=z9hG4bKPjd6a8b3e2',
  'Max-Forwards: 69',
  'To: <sip:6505550001@example.com>',
  'From: <sip:6505550001@example.com>;tag=hu1o8frkvh',
  'Call-ID: 4u4b2ppq3nf1ttcs7k8m1f',
  'CSeq: 3 REGISTER',
  'Authorization: Digest username="6505550001@example.com", realm="example.com", nonce="7a5bc2c4b6e86a2f", uri="sip:example.com", response="6629fae49393a05397450978507c4ef1", algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001',
  'Contact: <sip:ab12cd34@df7jal23ls0d.invalid;transport=ws>;reg-id=1;+sip.instance="<urn:uuid:3e5e0f46-4a7c-4f8a-9b3a-2f1d0c1e9a01>";expires=600',
  'Expires: 600',
  'Path: <sip:bono-1.example.com:5058;transport=TCP;lr;ob>',
  'Supported: path, gruu, outbound',
  'Allow: INVITE,ACK,CANCEL,BYE,UPDATE,MESSAGE,OPTIONS,REFER,INFO,NOTIFY',
  'User-Agent: JsSIP 3.10.0',
  'P-Visited-Network-ID: example.com',
  'P-Charging-Vector: icid-value="1234bc9876e";orig-ioi=example.com',
])

const SDP = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'a=msid-semantic: WMS stream1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=candidate:1467250027 1 udp 2122260223 192.0.2.10 46243 typ host generation 0',
  'a=candidate:842163049 1 udp 1686052607 198.51.100.7 46243 typ srflx raddr 192.0.2.10 rport 46243 generation 0',
  'a=ice-ufrag:4ZcD',
  'a=ice-pwd:2/1muCWoOi3uLifh0NuRHlGS',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 75:74:5A:A6:A4:E5:52:F4:A7:67:4C:01:C7:EE:91:3F:21:3D:A2:E3:53:7B:6F:30:86:F2:30:AA:65:FB:04:24',
  'a=setup:actpass',
  'a=mid:0',
  'a=sendrecv',
  'a=msid:stream1 track1',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-fb:111 transport-cc',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:63 red/48000/2',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:13 CN/8000',
  'a=rtpmap:110 telephone-event/48000',
  'a=rtpmap:126 telephone-event/8000',
  'a=ssrc:3510681383 cname:0cEn6ykkLtvdd2dE',
  '',
].join(CRLF)

const INVITE = msg(
  [
    'INVITE sip:6505550002@example.com SIP/2.0',
    'Via: SIP/2.0/TCP 10.0.0.5:5058;rport;branch=z9hG4bKPj8f8c0e3a1b',
    'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK9177386;received=203.0.113.9;rport=51234',
    'Record-Route: <sip:bono-1.example.com:5058;transport=TCP;lr>',
    'Record-Route: <sip:203.0.113.1:5062;transport=ws;lr>',
    'Route: <sip:sprout.example.com:5054;transport=TCP;lr;orig>',
    'Max-Forwards: 69',
    'To: <sip:6505550002@example.com>',
    'From: "Alice" <sip:6505550001@example.com>;tag=o4pdc6g9hb',
    'Call-ID: t5d2c9v1mbh7q0k5p2v8',
    'CSeq: 1234 INVITE',
    'Contact: <sip:ab12cd34@df7jal23ls0d.invalid;transport=ws;ob>',
    'Content-Type: application/sdp',
    'Session-Expires: 90',
    'Allow: INVITE,ACK,CANCEL,BYE,UPDATE,MESSAGE,OPTIONS,REFER,INFO,NOTIFY',
    'Supported: timer, ice, replaces, outbound',
    'User-Agent: JsSIP 3.10.0',
    'P-Asserted-Identity: <sip:6505550001@example.com>',
    'P-Charging-Vector: icid-value="4f8a9b3a2f1d";orig-ioi=example.com',
  ],
  SDP
)

const OK200 = msg([
  'SIP/2.0 200 OK',
  'Via: SIP/2.0/TCP 10.0.0.5:5058;rport=40123;received=10.0.0.5;branch=z9hG4bKPjd6a8b3e2',
  'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK5465464;rport=51234;received=203.0.113.9',
  'Call-ID: 4u4b2ppq3nf1ttcs7k8m1f',
  'From: <sip:6505550001@example.com>;tag=hu1o8frkvh',
  'To: <sip:6505550001@example.com>;tag=z9hG4bKPjd6a8b3e2',
  'CSeq: 3 REGISTER',
  'Contact: <sip:ab12cd34@df7jal23ls0d.invalid;transport=ws>;expires=600;+sip.instance="<urn:uuid:3e5e0f46-4a7c-4f8a-9b3a-2f1d0c1e9a01>";reg-id=1',
  'Path: <sip:bono-1.example.com:5058;transport=TCP;lr;ob>',
  'Service-Route: <sip:sprout.example.com:5054;transport=TCP;lr;orig>',
  'P-Associated-URI: <sip:6505550001@example.com>, <tel:+16505550001>',
  'Require: outbound',
  'Supported: outbound',
  'Date: Tue, 14 Jan 2025 10:00:00 GMT',
])

/**
 * Concatenation builds rope strings; a frame decoded from octets is one flat string. All libraries
 * get the same flat copy (V8 `charCodeAt` on a rope pays an indirection on every call).
 */
const flat = (s: string): string => Buffer.from(s, 'utf8').toString('utf8')

const MESSAGES: Record<string, string> = {
  REGISTER: flat(REGISTER),
  INVITE_SDP: flat(INVITE),
  '200_OK': flat(OK200),
}

// ---- what a proxy reads ---------------------------------------------------------------------
/** Reads the fields a proxy looks at; returns a number so the work cannot be optimised away. */
function proxyRead(m: SipMessage): number {
  let x = 0
  if (m.kind === 'request') {
    const u = m.uri
    x += u.kind === 'sip' ? u.host.length : 1
  }
  const v = m.topVia
  x += (v.branch?.length ?? 0) + (v.received?.length ?? 0) + (v.rport === null ? 0 : 1)
  x += (m.fromTag?.length ?? 0) + (m.toTag?.length ?? 0) + m.cseq.seq + m.callId.length
  for (const c of m.contacts) x += c === '*' ? 1 : c.params.length
  const a = m.get('authorization')
  if (a !== undefined) x += a.params.length
  return x
}

// ---- adapters ----------------------------------------------------------------------------
type Parse = (text: string) => unknown
interface Lib {
  name: string
  parse: Parse
}

async function loadPeers(): Promise<Lib[]> {
  const peers: Lib[] = []
  const nullLogger = { warn() {}, error() {}, log() {}, debug() {} }
  const sip = req('sip') as { parse(s: string): unknown }
  peers.push({ name: `sip(kirm)@${req('sip/package.json').version}`, parse: (s) => sip.parse(s) })
  const jssip = req('jssip/lib/Parser.js') as { parseMessage(s: string, ua: unknown): unknown }
  peers.push({
    name: `jssip@${req('jssip/package.json').version}`,
    parse: (s) => jssip.parseMessage(s, undefined),
  })
  const sipjsParser = path.join(repoRoot, 'node_modules/sip.js/lib/core/messages/parser.js')
  const { Parser } = (await import(pathToFileURL(sipjsParser).href)) as {
    Parser: { parseMessage(s: string, l: unknown): unknown }
  }
  const sipjsVersion = req(path.join(repoRoot, 'node_modules/sip.js/package.json')).version
  peers.push({ name: `sip.js@${sipjsVersion}`, parse: (s) => Parser.parseMessage(s, nullLogger) })
  return peers
}

const OURS: Lib = {
  name: 'edgewater (parse + proxy reads)',
  parse: (s) => proxyRead(parseMessage(s)),
}
const OURS_PARSE: Lib = { name: 'edgewater (parseMessage only)', parse: (s) => parseMessage(s) }

// ---- timing ------------------------------------------------------------------------------
function timeBatch(fn: Parse, text: string, n: number): number {
  let sink = 0
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i++) if (fn(text) !== undefined) sink++
  const ns = Number(process.hrtime.bigint() - t0)
  if (sink !== n) throw new Error(`parse returned nothing ${n - sink}/${n} times`)
  return (n * 1e9) / ns
}

function calibrate(fn: Parse, text: string): number {
  const warmEnd = process.hrtime.bigint() + BigInt(Math.round(WARM * 1e9))
  while (process.hrtime.bigint() < warmEnd) timeBatch(fn, text, 20)
  let n = 50
  let rate = timeBatch(fn, text, n)
  while (n / rate < 0.25 * SECS) {
    n *= 2
    rate = timeBatch(fn, text, n)
  }
  return Math.max(50, Math.round(rate * SECS))
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const k = s.length >> 1
  return s.length % 2 ? s[k]! : (s[k - 1]! + s[k]!) / 2
}

/**
 * Round-robin: every library is timed once per run, so drift affects all alike. The order rotates
 * each run, so no library always follows the one that leaves the most garbage for the collector.
 */
function measure(libs: Lib[], text: string): Map<string, number> {
  const ns = libs.map((l) => calibrate(l.parse, text))
  const runs = libs.map(() => [] as number[])
  for (let r = 0; r < RUNS; r++) {
    for (let k = 0; k < libs.length; k++) {
      const i = (k + r) % libs.length
      runs[i]!.push(timeBatch(libs[i]!.parse, text, ns[i]!))
    }
  }
  return new Map(libs.map((l, i) => [l.name, median(runs[i]!)]))
}

/**
 * The ratio of `a`'s rate to `b`'s from short batches run back to back (alternating which goes
 * first), median over many pairs: a burst of load on a shared machine then skews single pairs,
 * not the result.
 */
function pairedRatio(a: Lib, b: Lib, text: string, rateA: number, rateB: number): number {
  const na = Math.max(20, Math.round((rateA * SECS) / 4))
  const nb = Math.max(20, Math.round((rateB * SECS) / 4))
  const ratios: number[] = []
  for (let p = 0; p < 4 * RUNS; p++) {
    if (p % 2 === 0) {
      const ra = timeBatch(a.parse, text, na)
      ratios.push(ra / timeBatch(b.parse, text, nb))
    } else {
      const rb = timeBatch(b.parse, text, nb)
      ratios.push(timeBatch(a.parse, text, na) / rb)
    }
  }
  return median(ratios)
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

// ---- proxy edit + serialise ---------------------------------------------------------------
type Kirm = {
  parse(s: string): KirmMessage
  stringify(m: KirmMessage): string
}
type KirmMessage = { method?: string; headers: Record<string, unknown> }

/** RFC 3261 §16.6 on a request, §16.7 on a response: what a proxy does before forwarding. */
function edit(m: SipMessage): string {
  if (m.kind === 'request') {
    m.decrementMaxForwards()
    m.shift('route')
    m.prepend('record-route', RR)
  } else m.shift('via')
  m.prepend('via', VIA)
  return m.toString()
}
const RR = parseNameAddr('<sip:edge.example.com;transport=tcp;lr>')
const VIA = makeVia({
  transport: 'TCP',
  host: 'edge.example.com',
  port: 5058,
  branch: 'z9hG4bKedge1',
})

function kirmEdit(sip: Kirm, text: string): string {
  const m = sip.parse(text)
  const h = m.headers
  const list = (k: string): unknown[] => (Array.isArray(h[k]) ? (h[k] as unknown[]) : [])
  const via = {
    version: '2.0',
    protocol: 'TCP',
    host: 'edge.example.com',
    port: 5058,
    params: { branch: 'z9hG4bKedge1' },
  }
  if (m.method) {
    h['max-forwards'] = Number(h['max-forwards']) - 1
    h.route = list('route').slice(1)
    h['record-route'] = [
      { uri: 'sip:edge.example.com;transport=tcp;lr', params: {} },
      ...list('record-route'),
    ]
  } else h.via = list('via').slice(1)
  h.via = [via, ...list('via')]
  return sip.stringify(m)
}

// ---- adversarial -------------------------------------------------------------------------
/** A REGISTER whose From display name and one unknown header are `n` KiB long. */
function longHeader(kib: number): string {
  const big = 'x'.repeat(kib * 1024)
  return flat(
    REGISTER.replace('From: <sip:', `From: "${big}" <sip:`).replace(
      'Expires: 600',
      `Expires: 600\r\nX-Long: ${big}`
    )
  )
}
/** A REGISTER whose top Via and Contact carry `n` extra parameters each. */
function manyParams(n: number): string {
  let ps = ''
  for (let i = 0; i < n; i++) ps += `;p${i}=v${i}`
  return flat(
    REGISTER.replace(';branch=z9hG4bK5465464;rport', `;branch=z9hG4bK5465464;rport${ps}`).replace(
      ';expires=600\r\n',
      `;expires=600${ps}\r\n`
    )
  )
}

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
    const res = measure(libs, text)
    const fastest = peers.reduce((a, b) => (res.get(b.name)! > res.get(a.name)! ? b : a))
    const ratio = res.get(OURS.name)! / res.get(fastest.name)!
    const pr = pairedRatio(OURS, fastest, text, res.get(OURS.name)!, res.get(fastest.name)!)
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
    const res = measure(editLibs, text)
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
      const res = measure(advLibs, make(k))
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
