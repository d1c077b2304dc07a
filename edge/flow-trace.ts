/**
 * @module edge/flow-trace
 * A flow's part in call traces (docs/operations.md#traces): every SIP message the flow takes
 * from its client or hands to it, and every one it sends into the core, is noted under its
 * call's trace (shared/trace/hop-tracer.ts) in the flow object's memory. A trace the flow knows
 * is kept (TRACE_ALL, the sampling rate, a sampled `traceparent` from Sprout, a failure) has its
 * notes sent, after the message's handling and off its path (`waitUntil`), in one signed
 * `POST /internal/traces` to Ellis of the flow's home region (the other region if that fails),
 * which writes them in one store operation. An unkept trace costs nothing but memory.
 */
import type { FunctionUrls, Region } from '../shared/config/regions'
import { peerOf } from '../shared/config/regions'
import type { HopSecret } from '../shared/hop/signature'
import { signedFetch } from '../shared/hop/signed-fetch'
import type { HopResult } from '../shared/hop/sip-over-http'
import { callIdOfText, HopTracer } from '../shared/trace/hop-tracer'
import { clientParty } from '../shared/trace/parties'
import { traceConfig } from '../shared/trace/trace-config'
import { TRACEPARENT_HEADER, TRACESTATE_HEADER } from '../shared/trace/traceparent'

/** Ellis's endpoint for the edge's trace records (functions/ellis/ops/trace-intake.ts). */
export const TRACE_INTAKE_PATH = '/internal/traces'
const INTAKE_TIMEOUT_MS = 4_000

export interface FlowTraceDeps {
  env: Record<string, unknown>
  functionUrls: FunctionUrls
  edgeUrl: string
  hopSecret: HopSecret
  home: () => Region
  flow: string
  /** The flow's registered identity, once known. */
  identity: () => string | undefined
  waitUntil(p: Promise<unknown>): void
  log(msg: string, fields?: Record<string, unknown>): void
}

export class FlowTrace {
  private readonly tracer: HopTracer

  constructor(private readonly d: FlowTraceDeps) {
    const cfg = traceConfig(d.env)
    // Each flow holds its own buffer, so its text is bounded per flow (TRACE_FLOW_BUFFER_BYTES).
    const perFlow = { ...cfg, buffer: { ...cfg.buffer, maxBytes: cfg.flowBufferBytes } }
    this.tracer = new HopTracer(perFlow, {
      component: 'edge',
      region: d.home(),
      party: 'edge',
      now: () => Date.now(),
      random: (b) => crypto.getRandomValues(b),
    })
  }

  private client(): string {
    return clientParty(this.d.identity(), this.d.flow)
  }

  private begin(
    text: string,
    headers?: { traceparent?: string | null; tracestate?: string | null }
  ) {
    const callId = callIdOfText(text)
    return callId ? this.tracer.begin(callId, headers) : undefined
  }

  private extra() {
    return { flow: this.d.flow.slice(0, 12) }
  }

  /** A message from the client. */
  fromClient(text: string): void {
    const t = this.begin(text)
    if (t) this.tracer.received(t, this.client(), text, this.extra())
  }

  /** A message to the client. */
  toClient(text: string): void {
    const t = this.begin(text)
    if (t) this.tracer.sent(t, this.client(), text, this.extra())
  }

  /** A message delivered by the core with its hop's trace headers. */
  fromCore(text: string, headers: Headers): void {
    const t = this.begin(text, {
      traceparent: headers.get(TRACEPARENT_HEADER),
      tracestate: headers.get(TRACESTATE_HEADER),
    })
    if (t) this.tracer.received(t, 'as:server', text, this.extra())
  }

  /**
   * A message sent into the core (`to`: `sprout-<region>`, or the URL it goes to): the headers
   * that carry its trace, and what to learn from the hop's answer.
   */
  toCore(
    to: string,
    text: string
  ): { headers: Record<string, string>; answered(r: HopResult): HopResult } {
    const t = this.begin(text)
    if (!t) return { headers: {}, answered: (r) => r }
    this.tracer.sent(t, to.includes('://') ? this.partyOfUrl(to) : to, text, this.extra())
    return {
      headers: this.tracer.headers(t),
      answered: (r) => {
        if (r.ok) this.tracer.learn(t, r.traceparent)
        return r
      },
    }
  }

  private partyOfUrl(url: string): string {
    if (url.startsWith(this.d.edgeUrl)) return 'edge'
    for (const region of ['a', 'b'] as const)
      for (const [fn, base] of Object.entries(this.d.functionUrls[region]))
        if (url.startsWith(base)) return `${fn}-${region}`
    try {
      return `as:${new URL(url).hostname}`
    } catch {
      return 'as:server'
    }
  }

  /** Sends what is kept, after the current message (one request; nothing when nothing is). */
  flush(): void {
    const records = this.tracer.take()
    if (records.length === 0) return
    const body = JSON.stringify({ records })
    this.d.waitUntil(
      (async () => {
        const home = this.d.home()
        for (const region of [home, peerOf(home)]) {
          const url = `${this.d.functionUrls[region].ellis}${TRACE_INTAKE_PATH}`
          try {
            const res = await signedFetch((u, i) => fetch(u, i), this.d.hopSecret, url, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body,
              signal: AbortSignal.timeout(INTAKE_TIMEOUT_MS),
            })
            await res.body?.cancel()
            if (res.ok) return
            this.d.log('trace records refused', { status: res.status, region })
            return
          } catch {
            // transport failure: the other region
          }
        }
        this.d.log('trace records not delivered', { count: records.length })
      })()
    )
  }
}
