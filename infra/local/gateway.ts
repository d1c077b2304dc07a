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
 */
import http from 'node:http'
import { CLOCK_OFFSET_HEADER } from '../../shared/config/clock'
import type { FunctionName } from '../../shared/config/regions'
import { routeKey, Tally, view } from './counters'
import type { LocalClock } from './emulators/local-clock'
import { readBody, SwitchableServer } from './emulators/switchable-server'

export class RegionGateway {
  readonly servers: Partial<Record<FunctionName, SwitchableServer>> = {}
  /** The same functions as the other region reaches them. */
  readonly peerServers: Partial<Record<FunctionName, SwitchableServer>> = {}
  private peerCut = false
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256, scheduling: 'lifo' })
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
    const server = new SwitchableServer(`${fn}-${this.region}`, (req, res) => {
      this.invocations.add(fn)
      this.routes.add(`${fn} ${routeKey(req.method ?? 'GET', req.url ?? '/')}`)
      this.forward(target, req, res, true)
    })
    this.servers[fn] = server
    return server.listen(port)
  }

  /** Starts the cross-region ingress of `fn` on `port`, forwarding to the same worker. */
  async exposePeer(fn: FunctionName, target: URL, port: number): Promise<number> {
    const server = new SwitchableServer(`${fn}-${this.region}-peer`, (req, res) => {
      this.invocations.add(fn)
      this.routes.add(`${fn} ${routeKey(req.method ?? 'GET', req.url ?? '/')}`)
      this.forward(target, req, res, true)
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
    this.edgeHop = new SwitchableServer(`edge-hop-${this.region}`, (req, res) => {
      this.edgeRequests.add(routeKey(req.method ?? 'GET', req.url ?? '/'))
      this.forward(target, req, res, false)
    })
    return this.edgeHop.listen(0)
  }
  private edgeHop: SwitchableServer | undefined

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

  private forward(
    target: URL,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    clockHeader: boolean
  ): void {
    const headers: http.OutgoingHttpHeaders = {}
    const raw = req.rawHeaders
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase()
      // Hop-by-hop headers are not forwarded (RFC 9110 §7.6.1): the caller's `Connection: close`
      // must not close the gateway's pooled connection to the worker.
      if (name === 'connection' || name === 'keep-alive' || name === 'host') continue
      headers[name] = raw[i + 1]
    }
    headers.host = target.host
    if (clockHeader) headers[CLOCK_OFFSET_HEADER] = String(this.clock.offset)
    // Bodies go out as latin1 strings (byte for byte): Node then writes the head and the body in
    // one write instead of gathering two buffers.
    // The whole request is read first, as a function URL does before invoking the function, so
    // it can be sent again: a pooled keep-alive connection that workerd closed meanwhile fails
    // at once, and Node's advice for that race is to retry once on a new connection.
    void readBody(req).then(
      (body) => {
        const send = (retry: boolean) => {
          const upstream = http.request(
            {
              host: target.hostname,
              port: target.port,
              method: req.method,
              path: req.url,
              headers,
              agent: this.agent,
            },
            (up) => {
              // The answer is read whole and sent in one write (headers and body together).
              void readBody(up).then(
                (out) => {
                  const h = up.headers
                  delete h['transfer-encoding']
                  delete h.connection
                  delete h['keep-alive']
                  const status = up.statusCode ?? 502
                  // A 204 or 304 carries no body and no length (RFC 9110 §8.6); a HEAD keeps its own.
                  if (status !== 204 && status !== 304 && req.method !== 'HEAD')
                    h['content-length'] = String(out.length)
                  res.writeHead(status, h)
                  res.end(out.toString('latin1'), 'latin1')
                },
                () => res.destroy()
              )
            }
          )
          upstream.on('error', (err) => {
            if (retry && upstream.reusedSocket && !res.headersSent) return send(false)
            if (!res.headersSent) {
              res.writeHead(502, { 'content-type': 'application/json' })
              res.end(JSON.stringify({ error: `function unreachable: ${err.message}` }))
            } else res.destroy()
          })
          upstream.end(body.toString('latin1'), 'latin1')
        }
        send(true)
      },
      () => res.destroy()
    )
  }

  async close(): Promise<void> {
    this.agent.destroy()
    await Promise.all(
      [...Object.values(this.servers), ...Object.values(this.peerServers)].map((s) => s.close())
    )
    await this.edgeHop?.close()
  }
}
