/**
 * @module support/other-pool
 * A scripted S-CSCF of another pool for the local cloud (infra/local/other-pool-bindings.ts):
 * the signed hop side of a peer Sprout knows as `pool2` (`AS_URLS`), listening on the cloud's
 * control port + 7. It records every request and answers as a pool's S-CSCF would for the
 * subscribers it serves:
 *
 * - REGISTER: 200 with the Contacts it was given (`expires` as asked), its own Service-Route
 *   (`<sip:pool2.as.edgewater.internal;lr;orig>`) and the To identity as P-Associated-URI;
 * - INVITE: 180 then 200, record-routed by itself above the Record-Route it received, as if the
 *   callee behind it answered (`hangUp` then sends that callee's BYE back along the route set);
 * - ACK: nothing; anything else: 200. Responses to its own requests are recorded.
 *
 * `assign` tells the HSS that this pool serves a subscriber (a SAR with its server name), so the
 * I-CSCF's UAR names it. Responses follow Via through the resolver, signed like every hop.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { LOCAL_OTHER_POOL_SCSCF, localOtherPoolHopUrl } from '../../infra/local/other-pool-bindings'
import { createResolver } from '../../shared/hop/resolver'
import { verifySignature } from '../../shared/hop/signature'
import { postSip } from '../../shared/hop/sip-over-http'
import { parseMessage, type SipRequest, type SipResponse } from '../../shared/sip'
import { buildResponse } from '../../shared/sip/builders'
import { serializeUri } from '../../shared/sip/uri'
import { dime, enc } from '../integration/dime-helpers'
import { endpoints } from './cloud'

const HOST = LOCAL_OTHER_POOL_SCSCF.replace(/^sip:/, '')
export const OTHER_POOL_SERVICE_ROUTE = `<${LOCAL_OTHER_POOL_SCSCF};lr;orig>`

async function bodyOf(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return new Uint8Array(Buffer.concat(chunks))
}

export class OtherPoolScscf {
  readonly requests: SipRequest[] = []
  readonly responses: SipResponse[] = []
  private waiters: Array<() => void> = []
  private tags = 0

  private constructor(
    private readonly server: Server,
    private readonly hopUrl: string
  ) {}

  static async start(): Promise<OtherPoolScscf> {
    const e = endpoints()
    const hopUrl = localOtherPoolHopUrl(Number(new URL(e.control).port))
    const server = createServer()
    const pool = new OtherPoolScscf(server, hopUrl)
    server.on('request', (req, res) => {
      pool.onHttp(req).then(
        (status) => res.writeHead(status).end(),
        () => res.writeHead(500).end()
      )
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(Number(new URL(hopUrl).port), '127.0.0.1', () => resolve())
    })
    return pool
  }

  /** Tells the HSS this pool's S-CSCF serves `impu` (a SAR as that S-CSCF would make). */
  async assign(impu: string, impi: string): Promise<void> {
    const r = await dime(
      'PUT',
      `/impu/${enc(impu)}/reg-data?private_id=${enc(impi)}`,
      JSON.stringify({ reqtype: 'reg', server_name: LOCAL_OTHER_POOL_SCSCF })
    )
    if (r.status !== 200) throw new Error(`SAR for ${impu}: ${r.status} ${await r.text()}`)
  }

  /** The first request of `method` received after the `from`-th one. */
  async waitFor(method: string, from = 0, timeoutMs = 10_000): Promise<SipRequest> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const hit = this.requests.slice(from).find((r) => r.method === method)
      if (hit) return hit
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`pool2 received no ${method} within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  /**
   * Hangs up a call this pool answered, as its callee would: a BYE to the caller's Contact along
   * the Record-Route of the 200 below this pool's own entry (RFC 3261 §12.1.1, §12.2.1.1).
   */
  async hangUp(invite: SipRequest, toTag: string): Promise<void> {
    const routes = invite.getAllRaw('record-route')
    const contact = invite.contacts.find((c) => c !== '*')
    if (!contact || routes.length === 0) throw new Error('the INVITE has no Contact or route set')
    const bye = [
      `BYE ${serializeUri(contact.uri)} SIP/2.0`,
      `Via: SIP/2.0/HTTP ${HOST};branch=z9hG4bKpool2bye${++this.tags}`,
      'Max-Forwards: 70',
      ...routes.map((r) => `Route: ${r}`),
      `From: ${invite.getRaw('to')};tag=${toTag}`,
      `To: ${invite.getRaw('from')}`,
      `Call-ID: ${invite.callId}`,
      'CSeq: 1 BYE',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n')
    const first = parseMessage(bye) as SipRequest
    const top = first.get('route')!.uri
    const url = top.kind === 'sip' ? this.resolver().resolve(top.host, top.user)?.url : undefined
    if (!url) throw new Error(`no hop for ${routes[0]}`)
    const r = await postSip(url, bye, { secret: endpoints().hopSecret })
    if (!r.ok) throw new Error(`pool2 → core: ${r.reason}`)
  }

  /** The first response with status `status` to a `method` request of its own. */
  async waitForResponse(method: string, status: number, timeoutMs = 10_000): Promise<SipResponse> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const hit = this.responses.find((r) => r.cseq.method === method && r.status === status)
      if (hit) return hit
      if (Date.now() > deadline) throw new Error(`pool2 got no ${status} to ${method}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()))
  }

  private resolver() {
    const e = endpoints()
    return createResolver({ functionUrls: e.functions, edgeUrl: e.edges.a })
  }

  private async onHttp(req: IncomingMessage): Promise<number> {
    if (req.method !== 'POST') return 404
    const body = await bodyOf(req)
    const headers = new Headers()
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === 'string') headers.set(k, v)
      else if (Array.isArray(v)) headers.set(k, v.join(', '))
    const keys = { secret: endpoints().hopSecret, self: [this.hopUrl] }
    const v = await verifySignature(keys, 'POST', this.hopUrl, headers, body)
    if (!v.ok) return 401
    const msg = parseMessage(new TextDecoder().decode(body))
    if (msg.kind !== 'request') {
      this.responses.push(msg)
      return 202
    }
    this.requests.push(msg)
    for (const w of this.waiters.splice(0)) w()
    // Answer after the hop's 202, as a proxy does.
    setTimeout(() => void this.answer(msg).catch(() => undefined), 0)
    return 202
  }

  private async answer(req: SipRequest): Promise<void> {
    if (req.method === 'ACK') return
    const toTag = req.toTag ?? `pool2-${++this.tags}`
    const respond = async (
      status: number,
      headers: Array<[string, string]> = [],
      recordRoute?: string
    ) => {
      const res = buildResponse(req, status, { toTag, headers })
      // The S-CSCF's own Record-Route above those the request brought (RFC 3261 §16.6 step 4).
      if (recordRoute) res.prepend('record-route', recordRoute)
      const via = res.topVia
      const url = this.resolver().resolve(via.host)?.url
      if (url) await postSip(url, res.toString(), { secret: endpoints().hopSecret })
    }
    if (req.method === 'REGISTER') {
      const expires = req.getRaw('expires') ?? '300'
      const contacts = req
        .getAllRaw('contact')
        .map((c) => (/;expires=/i.test(c) ? c : `${c};expires=${expires}`))
      await respond(200, [
        ...contacts.map((c): [string, string] => ['Contact', c]),
        ['Service-Route', OTHER_POOL_SERVICE_ROUTE],
        ['P-Associated-URI', `<${serializeUri(req.to.uri)}>`],
      ])
      return
    }
    if (req.method === 'INVITE' && !req.toTag) {
      await respond(180)
      await respond(200, [['Contact', `<sip:callee@${HOST}>`]], `<sip:${HOST};lr>`)
      return
    }
    await respond(200)
  }
}
