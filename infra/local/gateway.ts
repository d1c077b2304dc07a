/**
 * @module gateway
 * A region's front door for its functions, standing for the AWS region's function URLs: each
 * function of the region has its own loopback port, forwarded to that function's worker in
 * miniflare (paths unchanged, so trusted-zone signatures verify end to end). Taking the region
 * down resets every connection, as a failed region would look to a caller. It also passes the
 * local cloud's clock offset to the functions (see local-clock).
 */
import http from 'node:http'
import { CLOCK_OFFSET_HEADER } from '../../shared/config/clock'
import type { FunctionName } from '../../shared/config/regions'
import type { LocalClock } from './emulators/local-clock'
import { SwitchableServer } from './emulators/switchable-server'

export class RegionGateway {
  readonly servers: Partial<Record<FunctionName, SwitchableServer>> = {}
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 })
  private up = true

  constructor(
    private readonly region: string,
    private readonly clock: LocalClock
  ) {}

  /** Starts forwarding `port` to the worker at `target`. */
  async expose(fn: FunctionName, target: URL, port: number): Promise<number> {
    const server = new SwitchableServer(`${fn}-${this.region}`, (req, res) =>
      this.forward(target, req, res)
    )
    this.servers[fn] = server
    return server.listen(port)
  }

  get isUp(): boolean {
    return this.up
  }

  setUp(up: boolean): void {
    this.up = up
    for (const s of Object.values(this.servers)) s.setUp(up)
  }

  private forward(target: URL, req: http.IncomingMessage, res: http.ServerResponse): void {
    const headers = {
      ...req.headers,
      [CLOCK_OFFSET_HEADER]: String(this.clock.offset),
      host: target.host,
    }
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
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      }
    )
    upstream.on('error', (err) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: `function unreachable: ${err.message}` }))
      } else res.destroy()
    })
    req.pipe(upstream)
  }

  async close(): Promise<void> {
    this.agent.destroy()
    await Promise.all(Object.values(this.servers).map((s) => s.close()))
  }
}
