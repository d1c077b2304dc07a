/**
 * @module edge/flow-wiring
 * The per-attachment helpers a flow object builds once while it is awake: its {@link FlowIo}
 * (how the pure flow logic reaches the client, the core and the clock), its call traces
 * (edge/flow-trace.ts) and its transaction log (edge/flow-transactions.ts). Kept in weak maps
 * keyed by the live attachment, so nothing outlives the attachment (hibernation).
 */
import { isRegion } from '../shared/config/regions'
import { createResolver } from '../shared/hop/resolver'
import { postSip } from '../shared/hop/sip-over-http'
import type { Logger } from '../shared/log/logger'
import { edgeConfig } from './edge-config'
import type { EdgeEnv } from './env'
import type { Attachment } from './flow-attachment'
import type { FlowIo } from './flow-io'
import { FlowTrace } from './flow-trace'
import { FlowTransactions } from './flow-transactions'
import { coreClockNow } from './local-clock'
import { sendUpstream, slowHopPolicy } from './upstream'

function randomHex(bytes: number): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes))
  let s = ''
  for (const x of b) s += x.toString(16).padStart(2, '0')
  return s
}

export interface FlowWiringDeps {
  env: EdgeEnv
  log: Logger
  waitUntil: (p: Promise<unknown>) => void
  /** Whether this flow keeps its bindings' expiry with its alarm (edge/flow-expiry.ts). */
  keepsExpiry: () => boolean
}

export class FlowWiring {
  private readonly ios = new WeakMap<Attachment, FlowIo>()
  private readonly traces = new WeakMap<Attachment, FlowTrace>()
  private readonly transactions = new WeakMap<Attachment, FlowTransactions>()

  constructor(private readonly deps: FlowWiringDeps) {}

  /** Each live attachment's FlowIo, made once while the object is awake. */
  io(ws: WebSocket, att: Attachment): FlowIo {
    let io = this.ios.get(att)
    if (!io) {
      io = this.makeIo(ws, att)
      this.ios.set(att, io)
    }
    return io
  }

  /** Each live attachment's call traces (edge/flow-trace.ts). */
  trace(att: Attachment): FlowTrace {
    let t = this.traces.get(att)
    if (!t) {
      const cfg = edgeConfig(this.deps.env)
      t = new FlowTrace({
        env: this.deps.env as unknown as Record<string, unknown>,
        functionUrls: cfg.functionUrls,
        edgeUrl: att.edgeUrl,
        hopSecret: cfg.hopSecret,
        home: () => att.state.home,
        flow: att.state.token,
        identity: () => att.state.aor,
        waitUntil: this.deps.waitUntil,
        log: (msg, fields) =>
          this.deps.log.info(msg, { flow: att.state.token.slice(0, 12), ...fields }),
      })
      this.traces.set(att, t)
    }
    return t
  }

  private transactionsOf(att: Attachment): FlowTransactions {
    let t = this.transactions.get(att)
    if (!t) {
      t = new FlowTransactions(this.deps.log, att.state.token.slice(0, 12))
      this.transactions.set(att, t)
    }
    return t
  }

  private makeIo(ws: WebSocket, att: Attachment): FlowIo {
    const cfg = edgeConfig(this.deps.env)
    const resolver = createResolver({ functionUrls: cfg.functionUrls, edgeUrl: att.edgeUrl })
    const trace = this.trace(att)
    return {
      cfg,
      now: () => Date.now(),
      coreNow: coreClockNow,
      randomHex,
      publicHost: att.publicHost,
      state: att.state,
      toClient: (text) => {
        trace.toClient(text)
        ws.send(text)
      },
      // The client's address goes to Sprout with each request (its REGISTER failure limits count
      // per source, docs/registrar.md).
      // Sprout answers the flow's own requests inline (docs/internal-hop.md): the flow hands
      // them to the client itself, with no request of their own to the edge.
      toCore: async (region, text) => {
        const to = isRegion(region) ? region : att.state.home
        const t = trace.toCore(`sprout-${to}`, text)
        const headers = att.address
          ? { ...t.headers, 'x-edgewater-client-ip': att.address }
          : t.headers
        return t.answered(
          (await sendUpstream(cfg, to, text, 'sprout', '/sip', headers, true)).result
        )
      },
      // A response relayed to a running Sprout that is slow is waited for, not doubled in the
      // other region (edge/upstream.ts slowHopPolicy).
      toUrl: async (url, text) => {
        const t = trace.toCore(url, text)
        const slow = slowHopPolicy(cfg, url)
        return t.answered(
          await postSip(url, text, {
            secret: cfg.hopSecret,
            timeoutMs: cfg.upstreamTimeoutMs,
            headers: t.headers,
            ...(slow ? { slow } : {}),
          })
        )
      },
      resolve: (host, user) => resolver.resolve(host, user)?.url,
      log: (msg, fields) =>
        this.deps.log.info(msg, { flow: att.state.token.slice(0, 12), ...fields }),
      transactions: this.transactionsOf(att),
      keepsExpiry: this.deps.keepsExpiry(),
    }
  }
}
