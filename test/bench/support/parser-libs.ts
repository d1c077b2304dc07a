/**
 * @module parser bench libraries
 * The parsers the bench compares, each as a {@link Lib}: Edgewater's `shared/sip` (parse alone,
 * and parse + the fields a proxy reads), kirm's `sip`, JsSIP's and sip.js's parsers; and the
 * proxy edit-and-serialise of a message in Edgewater and in kirm.
 */
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { makeVia, parseMessage, parseNameAddr, type SipMessage } from '../../../shared/sip/index'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
/** `require` from the repository root (the peers are dev dependencies). */
export const req = createRequire(path.join(repoRoot, 'package.json'))

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
export type Parse = (text: string) => unknown
export interface Lib {
  name: string
  parse: Parse
}

export async function loadPeers(): Promise<Lib[]> {
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

export const OURS: Lib = {
  name: 'edgewater (parse + proxy reads)',
  parse: (s) => proxyRead(parseMessage(s)),
}
export const OURS_PARSE: Lib = {
  name: 'edgewater (parseMessage only)',
  parse: (s) => parseMessage(s),
}

// ---- proxy edit + serialise ---------------------------------------------------------------
export type Kirm = {
  parse(s: string): KirmMessage
  stringify(m: KirmMessage): string
}
type KirmMessage = { method?: string; headers: Record<string, unknown> }

/** RFC 3261 §16.6 on a request, §16.7 on a response: what a proxy does before forwarding. */
export function edit(m: SipMessage): string {
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

export function kirmEdit(sip: Kirm, text: string): string {
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
