/**
 * @module homer/ut-throttle
 * Slows password guessing on the Ut interface (issue 14 finding 7), the way Sprout and Ellis
 * do: failed digest answers are counted per private identity in a fixed window in the regional
 * KV. Below the mark nothing changes. At the mark the identity is slowed down, not locked out:
 * one answer per interval is checked (the first to take the interval's slot with `SET NX`),
 * the others get 429 with `Retry-After` before their password is looked at, so a throttled
 * guess learns nothing. Intervals are counted on the deployment clock. A success clears the
 * count, so the owner is fast again at once. Homer sees no client address it can trust on Ut
 * (the edge forwards XCAP unsigned), so the count is per identity only.
 *
 * If the KV cannot be reached the check lets the request through and logs it.
 */
import type { Clock } from '../../shared/config/clock'
import type { Logger } from '../../shared/log/logger'
import { type RegionalKv, Unavailable } from '../../shared/vellum'
import type { UtLimits } from './homer-config'

export type Admission = { ok: true; failures: number } | { ok: false; retryAfterS: number }

const failKey = (impi: string) => `homer:ut-fail:${impi}`
const slotKey = (impi: string, slot: number) => `homer:ut-slot:${impi}:${slot}`

export class UtThrottle {
  constructor(
    private readonly kv: RegionalKv,
    private readonly clock: Clock,
    private readonly limits: UtLimits,
    private readonly log: Logger
  ) {}

  private async quietly<T>(fallback: T, what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (err) {
      if (!(err instanceof Unavailable)) throw err
      this.log.warn(what, { error: err })
      return fallback
    }
  }

  /** Whether an answer for `impi` may be checked now. */
  async admit(impi: string): Promise<Admission> {
    const failures = await this.quietly(0, 'Ut throttle counter unreadable; allowing', async () =>
      Number((await this.kv.get<number>(failKey(impi))) ?? 0)
    )
    if (failures < this.limits.failuresBeforeSlowdown) return { ok: true, failures }
    const now = this.clock.now()
    const intervalMs = this.limits.slowdownIntervalS * 1000
    const slot = Math.floor(now / intervalMs)
    const took = await this.quietly(true, 'Ut slow-lane slot not taken; allowing', () =>
      this.kv.set(slotKey(impi, slot), 1, {
        nx: true,
        ttlSeconds: this.limits.slowdownIntervalS + 1,
      })
    )
    if (took) return { ok: true, failures }
    return {
      ok: false,
      retryAfterS: Math.max(1, Math.ceil(((slot + 1) * intervalMs - now) / 1000)),
    }
  }

  async recordFailure(impi: string): Promise<void> {
    await this.quietly(0, 'Ut throttle counter not written', () =>
      this.kv.incr(failKey(impi), { ttlSeconds: this.limits.windowS })
    )
  }

  /** After a correct answer: forget the failures, if there were any (no write otherwise). */
  async recordSuccess(impi: string, admitted: Admission): Promise<void> {
    if (!admitted.ok || admitted.failures === 0) return
    await this.quietly(undefined, 'Ut throttle counter not cleared', () =>
      this.kv.del(failKey(impi))
    )
  }
}
