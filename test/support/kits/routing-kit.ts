/**
 * @module sprout/routing/routing-test-kit
 * Unit-test harness for call routing: Sprout's real routes over in-memory Vellum (with the
 * transaction script's JavaScript stand-in), Dime in-process as Homestead and Ralf, the test
 * application server on the same app, MMTEL settings written the way Homer writes them, and a
 * fake edge that records what Sprout sends each flow and lets a test answer as the client would
 * (the edge's own Via comes and goes, so a client's response reaches Sprout with Sprout's Via on
 * top). Bindings are written through the registrar's AoR store. Used only by tests.
 */

import { SimservsDocuments } from '../../../functions/homer/simservs-documents'
import { AorStore } from '../../../functions/sprout/registrar/aor-store'
import { parseRoutingConfig } from '../../../functions/sprout/routing/routing-config'
import { setRoutingFetch } from '../../../functions/sprout/routing/routing-deps'
import { memoryTxScript, TX_SCRIPT } from '../../../functions/sprout/routing/tx-log'
import { parseSimservs } from '../../../shared/ims/simservs'
import { parseMessage, type SipRequest, type SipResponse } from '../../../shared/sip'
import { buildResponse } from '../../../shared/sip/builders'
import { type MemoryVellum, memoryVellum } from '../../../shared/vellum'
import { unitTestEnv } from '../unit-env'
import { provisionLikeEllis, type TestDime, testDime } from './dime-kit'
import { DOMAIN, SPROUT_A, sproutCore } from './sprout-core'

export { DOMAIN, SPROUT_A }

const AS_NAMES = [
  'proxy',
  'proxy2',
  'answer',
  'silent',
  'silent2',
  'reject-404',
  'fail',
  'redirect',
]

export interface Sent {
  token: string
  msg: SipRequest | SipResponse
}

let seq = 0

export function routingHarness(extra: Record<string, string> = {}) {
  const raw: Record<string, string> = {
    ...unitTestEnv(),
    SPROUT_TEST_AS: '1',
    AS_URLS: JSON.stringify(
      Object.fromEntries(AS_NAMES.map((n) => [n, `${SPROUT_A}/test-as/${n}/sip`]))
    ),
    CDF_IDENTITY: 'cdf.example.com',
    ...extra,
  }
  const dime: TestDime = testDime()
  const vellum: MemoryVellum = memoryVellum(dime.clock)
  vellum.kv.registerScript(TX_SCRIPT, memoryTxScript)
  const sent: Sent[] = []
  const acrs: Array<{ callId: string; body: Record<string, unknown> }> = []
  const closedFlows = new Set<string>()
  /** Flows whose lane is full: a delivery gets HTTP 503 (edge/flow-object.ts). */
  const overloadedFlows = new Set<string>()
  const pending: Promise<unknown>[] = []

  const toDime = async (url: string, init: RequestInit): Promise<Response> => {
    const u = new URL(url)
    const body = typeof init.body === 'string' ? init.body : undefined
    if (u.pathname.startsWith('/call-id/')) {
      acrs.push({ callId: decodeURIComponent(u.pathname.slice(9)), body: JSON.parse(body ?? '{}') })
      return new Response('{}', { status: 200 })
    }
    return dime.request(init.method ?? 'GET', u.pathname + u.search, body)
  }
  setRoutingFetch(raw, (u, i) => toDime(u, i))

  const core = sproutCore({
    raw,
    component: 'routing-test',
    dime,
    vellum,
    dimeFetch: toDime,
    hop: async (url, init, self) => {
      const text = typeof init?.body === 'string' ? init.body : ''
      if (url.startsWith(`${SPROUT_A}/`)) {
        // Asynchronous like the real hop: the sender gets its 202 before the receiver is done.
        pending.push(self())
        return new Response(null, { status: 202 })
      }
      const m = /\/internal\/flows\/([^/]+)\/sip$/.exec(url)
      if (!m) return new Response('no such endpoint', { status: 404 })
      const token = decodeURIComponent(m[1]!)
      if (closedFlows.has(token)) return new Response('gone', { status: 410 })
      if (overloadedFlows.has(token)) return new Response('flow overloaded', { status: 503 })
      sent.push({ token, msg: parseMessage(text) })
      return new Response(null, { status: 202 })
    },
    defer: (t) => {
      pending.push(t().catch(() => undefined))
    },
    trunks: parseRoutingConfig(raw).trunkUrls,
  })
  const { clock, logs, log } = core

  /** Waits until every message in flight inside the harness has been handled. */
  const settle = async () => {
    while (pending.length > 0) await Promise.all(pending.splice(0))
  }

  const post = async (text: string) => {
    const res = await core.post(text)
    await settle()
    return res
  }

  const request = async (method: string, path: string, body?: string) => {
    const res = await core.request(method, path, body)
    await settle()
    return res
  }

  return {
    raw,
    dime,
    vellum,
    clock,
    sent,
    acrs,
    logs,
    closedFlows,
    overloadedFlows,
    post,
    request,
    settle,
    /** Messages Sprout sent to a flow (optionally only requests of a method / responses of a status). */
    toFlow(token: string, filter?: { method?: string; status?: number }) {
      return sent
        .filter((s) => s.token === token)
        .map((s) => s.msg)
        .filter((m) =>
          filter?.method
            ? m.kind === 'request' && m.method === filter.method
            : filter?.status
              ? m.kind === 'response' && m.status === filter.status
              : true
        )
    },
    /** Provisions a subscriber as Ellis does; `ifc` replaces the default (MMTEL on INVITE). */
    provision: (impu: string, opts: { ifc?: string } = {}) => provisionLikeEllis(dime, impu, opts),
    /** Registers a binding for `impu` on a flow (HSS state and the registrar's AoR store). */
    async register(
      impu: string,
      token: string,
      opts: { instance?: string; params?: Array<[string, string | null]>; q?: string } = {}
    ) {
      const impi = impu.replace(/^sip:/, '')
      const r = await dime.request(
        'PUT',
        `/impu/${encodeURIComponent(impu)}/reg-data?private_id=${encodeURIComponent(impi)}`,
        JSON.stringify({ reqtype: 'reg' })
      )
      if (r.status !== 200) throw new Error(`reg-data: ${r.status}`)
      const now = clock.now()
      const instance = opts.instance
      const params: Array<[string, string | null]> = [
        ...(instance ? [['+sip.instance', `"<${instance}>"`] as [string, string]] : []),
        ...(opts.params ?? []),
      ]
      await new AorStore(vellum.kv).write(impu, {
        bindings: [
          {
            id: instance ?? `sip:${token.slice(0, 8)}@client.invalid`,
            cseq: now,
            expires: Math.floor(now / 1000) + 300,
            data: {
              uri: `sip:${token.slice(0, 8)}@client.invalid;transport=ws`,
              cid: `reg-${token}`,
              cseq: 1,
              ...(opts.q ? { q: opts.q } : {}),
              params,
              paths: [`<sip:${token}@edge.edgewater.internal;lr;ob>`],
              impi,
              ...(instance ? { instance } : {}),
              flow: token,
              registeredAt: now,
            },
          },
        ],
      })
    },
    /** Writes a subscriber's simservs document as Homer does. */
    async simservs(impu: string, xml: string) {
      const parsed = parseSimservs(xml)
      if (!parsed.ok) throw new Error(parsed.error.reason)
      const out = await new SimservsDocuments({
        table: vellum.table,
        kv: vellum.kv,
        clock,
        log,
      }).put(impu, xml, parsed.value, { ifMatch: undefined, ifNoneMatch: undefined })
      if (!out.ok) throw new Error(out.reason)
    },
    /** A client's answer to a request Sprout sent it, as the edge hands it back. */
    async answer(
      req: SipRequest,
      status: number,
      opts: { toTag?: string; headers?: Array<[string, string]>; body?: string } = {}
    ) {
      const res = buildResponse(req, status, {
        ...(opts.toTag ? { toTag: opts.toTag } : status > 100 ? { toTag: `ua${++seq}` } : {}),
        ...(opts.headers ? { headers: opts.headers } : {}),
        ...(opts.body ? { body: opts.body, contentType: 'application/sdp' } : {}),
      })
      return post(res.toString())
    },
    /** Pops every routing timer that is due on the harness clock. */
    async popTimers() {
      const pops = vellum.timers.takeDue()
      for (const p of pops) {
        const path = new URL(p.callbackUri).pathname
        await request('POST', path, p.opaque)
      }
      return pops.length
    },
  }
}

export type RoutingHarness = ReturnType<typeof routingHarness>

let callSeq = 0

/** An initial request as the edge forwards it from a client's flow (docs/internal-hop.md). */
export function fromEdge(o: {
  method?: string
  from: string
  to: string
  token: string
  uri?: string
  callId?: string
  cseq?: number
  body?: string
  contentType?: string
  headers?: string[]
  orig?: boolean
  branch?: string
}): string {
  const n = ++callSeq
  const method = o.method ?? 'INVITE'
  const callId = o.callId ?? `call-${n}-${Math.random().toString(36).slice(2, 8)}`
  const body =
    o.body ??
    (method === 'INVITE'
      ? 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n'
      : '')
  const lines = [
    `${method} ${o.uri ?? o.to} SIP/2.0`,
    `Via: SIP/2.0/HTTP edge.edgewater.internal;branch=z9hG4bKedge${n};flow=${o.token}`,
    `Via: SIP/2.0/WSS client.invalid;branch=${o.branch ?? `z9hG4bKua${n}`}`,
    'Max-Forwards: 69',
    ...(o.orig === false ? [] : ['Route: <sip:sprout.a.edgewater.internal;lr;orig>']),
    ...(method === 'INVITE' ? [`Record-Route: <sip:${o.token}@edge.edgewater.internal;lr>`] : []),
    `From: <${o.from}>;tag=f${n}`,
    `To: <${o.to}>`,
    `Call-ID: ${callId}`,
    `CSeq: ${o.cseq ?? 1} ${method}`,
    `Contact: <sip:${o.token.slice(0, 8)}@client.invalid;transport=ws>`,
    `P-Asserted-Identity: <${o.from}>`,
    ...(o.headers ?? []),
    ...(body
      ? [
          `Content-Type: ${o.contentType ?? (method === 'INVITE' ? 'application/sdp' : 'text/plain')}`,
        ]
      : []),
    `Content-Length: ${new TextEncoder().encode(body).length}`,
    '',
    body,
  ]
  return lines.join('\r\n')
}

/** The CANCEL a client sends for a request it sent through the edge (same client branch). */
export function cancelFromEdge(inviteText: string): string {
  const inv = parseMessage(inviteText) as SipRequest
  const vias = inv.getAllRaw('via')
  return [
    `CANCEL ${inv.uriText} SIP/2.0`,
    `Via: SIP/2.0/HTTP edge.edgewater.internal;branch=z9hG4bKedgeX${++callSeq};flow=${/flow=([^;,\s]+)/.exec(vias[0]!)![1]}`,
    `Via: ${vias.slice(-1)[0]!.split(',').slice(-1)[0]!.trim()}`,
    'Max-Forwards: 69',
    'Route: <sip:sprout.a.edgewater.internal;lr;orig>',
    `From: ${inv.getRaw('from')}`,
    `To: ${inv.getRaw('to')}`,
    `Call-ID: ${inv.callId}`,
    `CSeq: ${inv.cseq.seq} CANCEL`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')
}

export const tokenOf = (n: number): string =>
  `${n.toString(16).padStart(64, '0')}.${'cd'.repeat(12)}`
