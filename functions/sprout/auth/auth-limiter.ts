/**
 * @module sprout/auth/auth-limiter
 * Throttles password guessing (architecture §8: every limit explicit): failed authentications are
 * counted per private identity and per edge flow in fixed windows in the regional KV. While either
 * count is at its limit, Sprout refuses to issue new challenges (403 with Retry-After), and since
 * a failed answer retires its nonce, each guess needs a new challenge. A window ends by itself
 * (the counter's TTL), so a locked-out user needs no administrator.
 */
import type { RegionalKv } from '../../../shared/vellum'

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
    const [a, b] = await Promise.all([
      this.kv.get<number>(impiKey(impi)),
      flow ? this.kv.get<number>(flowKey(flow)) : Promise.resolve(undefined),
    ])
    return (
      Number(a ?? 0) >= this.limits.maxImpiFailures || Number(b ?? 0) >= this.limits.maxFlowFailures
    )
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
