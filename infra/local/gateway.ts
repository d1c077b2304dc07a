/**
 * @module gateway
 * A region's front door for its functions, standing for the AWS region's function URLs: each
 * function of the region has its own loopback port, forwarded to that function's worker in
 * miniflare (paths unchanged, so trusted-zone signatures verify end to end). Taking the region
 * down resets every connection, as a failed region would look to a caller. It also passes the
 * local cloud's clock offset to the functions (see local-clock).
 *
 * Each function also has a cross-region ingress port: the address the other region's functions
 * reach it by (their `FUNCTION_URLS` name it; the function accepts signatures addressed to it
 * through `FUNCTION_URL_ALIASES`). A partition cuts those ports only (connections reset), so the
 * region keeps serving its own edge and functions while nothing crosses between the regions.
 *
 * It counts what it forwards (see counters): invocations per function and per route, and the
 * region's requests to the edge, which pass through its edge hop (`EDGE_URL` of the region's
 * functions points there) so they can be counted from outside the edge.
 *
 * Every hop passes a gateway, so it is lean: its ports are served by lean-http.ts and its
 * forwards go out over lean-forward.ts's persistent connections, each request and each answer
 * read whole and written in one piece (docs/performance.md).
 */
import { CLOCK_OFFSET_HEADER } from '../../shared/config/clock'
import type { FunctionName } from '../../shared/config/regions'
import { routeKey, Tally, view } from './counters'
import { LeanHttpServer, type LeanRequest, type LeanResponse } from './emulators/lean-http'
import type { LocalClock } from './emulators/local-clock'
import { HOP_BY_HOP_REQUEST, LeanForwarder } from './lean-forward'

/** Answer fields not passed back: hop-by-hop, or stated by the gateway's own server. */
const HOP_BY_HOP_ANSWER = new Set(['connection', 'keep-alive', 'transfer-encoding'])

export class RegionGateway {
  readonly servers: Partial<Record<FunctionName, LeanHttpServer>> = {}
  /** The same functions as the other region reaches them. */
  readonly peerServers: Partial<Record<FunctionName, LeanHttpServer>> = {}
  private peerCut = false
  /** One pool of persistent connections per upstream (`host:port`). */
  private readonly upstreams = new Map<string, LeanForwarder>()
  private up = true
  /** Invocations per function, and per function route (`sprout POST /sip`). */
  readonly invocations = new Tally()
  readonly routes = new Tally()
  /** Requests from this region's functions to the edge, per route. */
  readonly edgeRequests = new Tally()

  constructor(
    private readonly region: string,
    private readonly clock: LocalClock
  ) {}

  /** Starts forwarding `port` to the worker at `target`. */
  async expose(fn: FunctionName, target: URL, port: number): Promise<number> {
    const server = new LeanHttpServer(`${fn}-${this.region}`, (req) => {
      this.invocations.add(fn)
      this.routes.add(`${fn} ${routeKey(req.method, req.url)}`)
      return this.forward(target, req, true)
    })
    this.servers[fn] = server
    return server.listen(port)
  }

  /** Starts the cross-region ingress of `fn` on `port`, forwarding to the same worker. */
  async exposePeer(fn: FunctionName, target: URL, port: number): Promise<number> {
    const server = new LeanHttpServer(`${fn}-${this.region}-peer`, (req) => {
      this.invocations.add(fn)
      this.routes.add(`${fn} ${routeKey(req.method, req.url)}`)
      return this.forward(target, req, true)
    })
    server.setUp(this.up && !this.peerCut)
    this.peerServers[fn] = server
    return server.listen(port)
  }

  /** Cuts (or restores) the other region's path to this region's functions. */
  setPeerCut(cut: boolean): void {
    this.peerCut = cut
    for (const s of Object.values(this.peerServers)) s.setUp(this.up && !cut)
  }

  /**
   * Starts the edge hop: a free loopback port forwarding to the region's edge entry at `target`,
   * counting each request. It stays up when the region is taken down (the edge is Cloudflare's,
   * not the AWS region's). Returns the port.
   */
  async exposeEdge(target: URL): Promise<number> {
    this.edgeHop = new LeanHttpServer(`edge-hop-${this.region}`, (req) => {
      this.edgeRequests.add(routeKey(req.method, req.url))
      return this.forward(target, req, false)
    })
    return this.edgeHop.listen(0)
  }
  private edgeHop: LeanHttpServer | undefined

  resetCounters(): void {
    this.invocations.reset()
    this.routes.reset()
    this.edgeRequests.reset()
  }

  counters() {
    return {
      functions: { invocations: view(this.invocations), routes: view(this.routes) },
      edge: { requests: view(this.edgeRequests) },
    }
  }

  get isUp(): boolean {
    return this.up
  }

  setUp(up: boolean): void {
    this.up = up
    for (const s of Object.values(this.servers)) s.setUp(up)
    for (const s of Object.values(this.peerServers)) s.setUp(up && !this.peerCut)
  }

  /**
   * Forwards one request whole (as a function URL reads it before invoking the function) and
   * answers with the upstream's answer whole: its status, reason and fields, less the hop-by-hop
   * ones (RFC 9110 §7.6.1), with its length. An upstream that cannot be reached is a 502.
   */
  private async forward(
    target: URL,
    req: LeanRequest,
    clockHeader: boolean
  ): Promise<LeanResponse> {
    const headers: Array<[string, string]> = []
    for (const [name, value] of req.headers) {
      // The caller's `Connection: close` must not close the gateway's pooled connection to the
      // worker; the length is the gateway's to state, the body having been read whole.
      if (HOP_BY_HOP_REQUEST.has(name)) continue
      if (clockHeader && name === CLOCK_OFFSET_HEADER) continue
      headers.push([name, value])
    }
    if (clockHeader) headers.push([CLOCK_OFFSET_HEADER, String(this.clock.offset)])
    let answer: Awaited<ReturnType<LeanForwarder['send']>>
    try {
      answer = await this.upstream(target).send({
        method: req.method,
        path: req.url,
        headers,
        body: req.body,
      })
    } catch (err) {
      return {
        status: 502,
        body: JSON.stringify({
          error: `function unreachable: ${err instanceof Error ? err.message : String(err)}`,
        }),
      }
    }
    let contentType: string | null = null
    let length: string | undefined
    const out: Array<[string, string]> = []
    for (const h of answer.headers) {
      const name = h[0]
      if (name === 'content-type' && contentType === null) contentType = h[1]
      else if (name === 'content-length') length = h[1]
      else if (!HOP_BY_HOP_ANSWER.has(name)) out.push(h)
    }
    const status = answer.status
    // A 204 or 304 carries no body and no length (RFC 9110 §8.6); a HEAD keeps its own.
    const bodiless =
      status === 204 || status === 304
        ? {}
        : req.method === 'HEAD'
          ? length === undefined
            ? {}
            : { contentLength: length }
          : undefined
    return {
      status,
      ...(answer.reason ? { reason: answer.reason } : {}),
      contentType,
      headers: out,
      body: answer.body,
      ...(bodiless ? { bodiless } : {}),
    }
  }

  private upstream(target: URL): LeanForwarder {
    let u = this.upstreams.get(target.host)
    if (!u) {
      u = new LeanForwarder(target.hostname, Number(target.port))
      this.upstreams.set(target.host, u)
    }
    return u
  }

  async close(): Promise<void> {
    for (const u of this.upstreams.values()) u.close()
    await Promise.all(
      [...Object.values(this.servers), ...Object.values(this.peerServers)].map((s) => s.close())
    )
    await this.edgeHop?.close()
  }
}
