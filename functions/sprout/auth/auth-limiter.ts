/**
 * @module sprout/auth/auth-limiter
 * Throttles password guessing (architecture §8: every limit explicit): failed authentications are
 * counted per private identity and per edge flow in fixed windows in the regional KV. While either
 * count is at its limit, Sprout refuses to issue new challenges (403 with Retry-After), and since
 * a failed answer retires its nonce, each guess needs a new challenge. A window ends by itself
 * (the counter's TTL), so a locked-out user needs no administrator.
 */
import { defineScript, type RegionalKv } from '../../../shared/vellum'

/**
 * Reads counters in the local region only. Counters are written to both regions, and a missing
 * one (no failures: the usual case) must not cost the other region's fallback read on every
 * REGISTER's critical path.
 */
export const LOCAL_COUNTERS = defineScript(`
local out = {}
for i = 1, #KEYS do out[i] = redis.call('GET', KEYS[i]) or false end
return out
`)

export interface AuthLimits {
  maxImpiFailures: number
  maxFlowFailures: number
  windowSeconds: number
}

const impiKey = (impi: string) => `authfail:impi:${impi}`
const flowKey = (flow: string) => `authfail:flow:${flow}`

export class AuthLimiter {
  constructor(
    private readonly kv: RegionalKv,
    private readonly limits: AuthLimits
  ) {}

  /** True when challenges for this IMPI (or from this flow) are currently refused. */
  async blocked(impi: string, flow: string | undefined): Promise<boolean> {
    const keys = flow ? [impiKey(impi), flowKey(flow)] : [impiKey(impi)]
    const [a, b] = await this.kv.evalLocal<unknown[]>(LOCAL_COUNTERS, keys, [])
    const n = (v: unknown) => (typeof v === 'number' || typeof v === 'string' ? Number(v) || 0 : 0)
    return n(a) >= this.limits.maxImpiFailures || n(b) >= this.limits.maxFlowFailures
  }

  async recordFailure(impi: string, flow: string | undefined): Promise<void> {
    const ttlSeconds = this.limits.windowSeconds
    await Promise.all([
      this.kv.incr(impiKey(impi), { ttlSeconds }),
      flow ? this.kv.incr(flowKey(flow), { ttlSeconds }) : Promise.resolve(0),
    ])
  }

  get retryAfterSeconds(): number {
    return this.limits.windowSeconds
  }
}
