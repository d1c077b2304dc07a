/**
 * @module edge/upstream
 * Sends a flow's messages to its home region's Sprout over the signed internal hop and fails
 * over to the other region when the home region does not answer (architecture §2). A circuit
 * breaker per region, shared by every flow in the isolate, makes a dead region cost one timeout
 * rather than one per message. Only transport failures (refused, reset, timed out) fail over:
 * an HTTP answer from Sprout is final. A hop with no answer at UPSTREAM_TIMEOUT_MS fails over
 * only when Sprout's region does not answer a liveness probe either ({@link slowHopPolicy}): a
 * running Sprout may already have carried the message out (forwarded the INVITE), so it is
 * waited for, up to UPSTREAM_ANSWER_LIMIT_MS, rather than doubled in the other region.
 */
import { peerOf, type Region } from '../shared/config/regions'
import { CircuitBreakers } from '../shared/hop/circuit-breaker'
import { probeOrigin, type SlowHop } from '../shared/hop/hop-liveness'
import { type HopResult, postSip } from '../shared/hop/sip-over-http'
import type { EdgeConfig } from './edge-config'

/**
 * What a hop to `url` does at UPSTREAM_TIMEOUT_MS with no answer (shared/hop/hop-liveness.ts):
 * probe the receiver's origin, then wait for a running one. Undefined (give up at once) when
 * the configuration sets no probe.
 */
export function slowHopPolicy(
  cfg: Pick<EdgeConfig, 'upstreamProbeMs' | 'upstreamAnswerLimitMs' | 'upstreamTimeoutMs'>,
  url: string,
  doFetch?: typeof fetch
): SlowHop | undefined {
  if (cfg.upstreamProbeMs === undefined) return undefined
  const limit = Math.max(cfg.upstreamAnswerLimitMs ?? cfg.upstreamTimeoutMs, cfg.upstreamTimeoutMs)
  return probeOrigin(url, cfg.upstreamProbeMs, limit, doFetch)
}

let breakers: CircuitBreakers | undefined

function breakersFor(cfg: EdgeConfig): CircuitBreakers {
  breakers ??= new CircuitBreakers({ openMs: cfg.breakerOpenMs, now: () => Date.now() })
  return breakers
}

export interface UpstreamResult {
  result: HopResult
  region?: Region
}

/**
 * POSTs `message` to `path` on Sprout (or another function) of `home`, failing over to the peer.
 * `headers` go along, signed (the client's address, `x-edgewater-client-ip`); `inline` asks for
 * the receiver's SIP answers in the HTTP answer (shared/hop/sip-over-http.ts).
 */
export async function sendUpstream(
  cfg: EdgeConfig,
  home: Region,
  message: string,
  fn: 'sprout' | 'ellis' = 'sprout',
  path = '/sip',
  headers?: Record<string, string>,
  inline = false
): Promise<UpstreamResult> {
  const b = breakersFor(cfg)
  let last: HopResult = {
    ok: false,
    sipStatus: 503,
    reason: 'no region reachable',
    transport: true,
  }
  for (const region of b.order([home, peerOf(home)])) {
    const url = `${cfg.functionUrls[region][fn]}${path}`
    const slow = slowHopPolicy(cfg, url)
    const result = await postSip(url, message, {
      secret: cfg.hopSecret,
      timeoutMs: cfg.upstreamTimeoutMs,
      ...(headers ? { headers } : {}),
      inline,
      ...(slow ? { slow } : {}),
    })
    if (result.ok || !result.transport) {
      b.success(region)
      return { result, region }
    }
    b.failure(region)
    last = result
  }
  return { result: last }
}

/** Test hook: forget breaker state (a new isolate). */
export function resetBreakers(): void {
  breakers = undefined
}
