/**
 * Helpers for the registrar's integration tests: subscribers provisioned through Dime's
 * Homestead-prov API (optionally with an iFC), Sprout's admin API signed for the trusted zone,
 * the test application server's record, and hand-written REGISTERs for a raw WebSocket client
 * (with digest answers computed by the SIP core).
 */
import type { Region } from '../../shared/config/regions'
import { signRequest } from '../../shared/hop/signature'
import {
  buildCredentials,
  computeDigestResponse,
  computeHa1,
  formatNonceCount,
} from '../../shared/sip'
import { endpoints } from '../support/cloud'
import type { RawSipSocket } from '../support/sip-ua'
import { dime, enc, provision } from './dime-helpers'

export interface Subscriber {
  impu: string
  impi: string
  password: string
  irs: string
  sp: string
}

let seq = 0

/** A fresh subscriber, provisioned as Ellis would (plaintext password, default iFC or `ifc`). */
export async function subscriber(tag: string, ifc?: string): Promise<Subscriber> {
  const number = `65055${String(Date.now()).slice(-6)}${String(++seq).padStart(2, '0')}${tag.length}`
  const domain = endpoints().homeDomain
  const impu = `sip:${number}@${domain}`
  const impi = `${number}@${domain}`
  const password = `pw-${tag}-${seq}`
  const { irs, sp } = await provision(impu, impi, password)
  if (ifc) {
    const res = await dime('PUT', `/irs/${irs}/service_profiles/${sp}/filter_criteria`, ifc)
    if (res.status !== 200) throw new Error(`iFC PUT: ${res.status} ${await res.text()}`)
  }
  return { impu, impi, password, irs, sp }
}

/** An iFC sending REGISTERs to `server` (DefaultHandling 0 continue, 1 terminate). */
export const registerIfc = (server: string, handling: 0 | 1 = 0) =>
  `<?xml version="1.0" encoding="UTF-8"?><ServiceProfile><InitialFilterCriteria><Priority>1</Priority><TriggerPoint><ConditionTypeCNF>0</ConditionTypeCNF><SPT><ConditionNegated>0</ConditionNegated><Group>0</Group><Method>REGISTER</Method><Extension></Extension></SPT></TriggerPoint><ApplicationServer><ServerName>${server}</ServerName><DefaultHandling>${handling}</DefaultHandling></ApplicationServer></InitialFilterCriteria></ServiceProfile>`

/** A signed request to Sprout's HTTP API in `region`. */
export async function sprout(
  method: string,
  path: string,
  body?: string,
  region: Region = 'a'
): Promise<Response> {
  const url = `${endpoints().functions[region].sprout}${path}`
  const sig = await signRequest(endpoints().hopSecret, method, url, body ?? null)
  return fetch(url, {
    method,
    headers: { ...sig, 'content-type': 'application/json' },
    ...(body !== undefined ? { body } : {}),
  })
}

export interface AdminBinding {
  uri: string
  expires: number
  paths: string[]
  params: Record<string, string>
  version: number
  private_id: string
}

export async function bindingsOf(
  impu: string,
  region: Region = 'a'
): Promise<Record<string, AdminBinding>> {
  const r = await sprout('GET', `/impu/${enc(impu)}/bindings`, undefined, region)
  if (r.status === 404) return {}
  if (!r.ok) throw new Error(`bindings: ${r.status} ${await r.text()}`)
  return ((await r.json()) as { bindings: Record<string, AdminBinding> }).bindings
}

export async function asReceived(
  impu: string
): Promise<Array<{ expires: number | null; contentType: string }>> {
  const r = await sprout('GET', `/test-as/received?impu=${enc(impu)}`)
  return ((await r.json()) as { received: Array<{ expires: number | null; contentType: string }> })
    .received
}

export interface TransactionCost {
  method: string
  cseq: number
  status: number
  depth: number
  calls: number
  ms: number
}

/** What Sprout recorded for the transactions of a Call-ID (both regions' isolates). */
export async function costs(callId: string): Promise<TransactionCost[]> {
  const out: TransactionCost[] = []
  for (const region of ['a', 'b'] as const) {
    const r = await sprout('GET', `/admin/transactions?call-id=${enc(callId)}`, undefined, region)
    if (r.ok) out.push(...((await r.json()) as { transactions: TransactionCost[] }).transactions)
  }
  return out.sort((a, b) => a.cseq - b.cseq)
}

/**
 * A raw REGISTER as a WebSocket UA writes it: To and From are `to` (default `sub`'s identity),
 * and no Contact makes it a fetch.
 */
export function rawRegister(o: {
  sub?: Subscriber
  to?: string
  callId: string
  cseq: number
  contact?: string
  expires?: number
  authorization?: string
}): string {
  const domain = endpoints().homeDomain
  const to = o.to ?? o.sub?.impu
  if (!to) throw new Error('rawRegister needs `to` or `sub`')
  return [
    `REGISTER sip:${domain} SIP/2.0`,
    `Via: SIP/2.0/WSS raw.invalid;branch=z9hG4bK${o.callId.slice(0, 8)}${o.cseq}x${Math.random().toString(36).slice(2, 8)}`,
    'Max-Forwards: 70',
    `From: <${to}>;tag=raw${o.callId.slice(0, 6)}`,
    `To: <${to}>`,
    `Call-ID: ${o.callId}`,
    `CSeq: ${o.cseq} REGISTER`,
    ...(o.contact !== undefined ? [`Contact: ${o.contact}`] : []),
    ...(o.expires !== undefined ? [`Expires: ${o.expires}`] : []),
    'Supported: path, outbound, gruu',
    ...(o.authorization ? [`Authorization: ${o.authorization}`] : []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')
}

/** The MD5 Authorization answering a 401's challenge as `sub` (with `password`), count `nc`. */
export function answerChallenge(
  res401: string,
  sub: Subscriber,
  nc = 1,
  password = sub.password
): string {
  const line = /\r\nWWW-Authenticate:\s*(Digest [^\r\n]*algorithm=MD5[^\r\n]*)/i.exec(res401)?.[1]
  if (!line) throw new Error(`no MD5 challenge in ${res401.slice(0, 200)}`)
  const p = (n: string) => new RegExp(`${n}="([^"]*)"`).exec(line)?.[1] ?? ''
  const uri = `sip:${endpoints().homeDomain}`
  const ncText = formatNonceCount(nc)
  const ha1 = computeHa1(sub.impi, p('realm'), password)
  const response = computeDigestResponse({
    ha1,
    method: 'REGISTER',
    uri,
    nonce: p('nonce'),
    qop: 'auth',
    nc: ncText,
    cnonce: 'rawc',
  })
  return buildCredentials({
    username: sub.impi,
    realm: p('realm'),
    nonce: p('nonce'),
    uri,
    response,
    qop: 'auth',
    nc: ncText,
    cnonce: 'rawc',
    opaque: p('opaque'),
  })
}

export const statusOf = (m: string) => Number(/^SIP\/2\.0 (\d{3})/.exec(m)?.[1] ?? 0)

/** Registers a raw socket (challenge then answer); returns the 401 (for nonce reuse) and the 200. */
export async function rawRegisterFlow(
  ws: RawSipSocket,
  o: { sub: Subscriber; callId: string; cseq: number; contact: string; expires?: number }
): Promise<{ challenge: string; ok: string }> {
  const challenge = await ws.request(rawRegister(o))
  if (statusOf(challenge) !== 401) throw new Error(`expected 401, got ${challenge.slice(0, 80)}`)
  const ok = await ws.request(
    rawRegister({ ...o, cseq: o.cseq + 1, authorization: answerChallenge(challenge, o.sub) })
  )
  return { challenge, ok }
}
