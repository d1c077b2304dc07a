/**
 * @module sprout/auth/auth-limiter
 * Throttles password guessing without letting anyone lock a subscriber out (architecture §8:
 * every limit explicit). Failed answers are counted in fixed windows in the regional KV, keyed
 * by the client's source (the address the edge reports, else the edge flow) and by private
 * identity:
 * - `authfail:src:<source>`: failures from one source, whatever the identity. At
 *   `maxSourceFailures` the source's answers are refused.
 * - `authfail:impi:<impi>` and `authfail:pair:<impi>|<source>`: failures of one identity, in all
 *   and from one source. Once the identity has `maxImpiFailures`, a source that has failed for
 *   it is refused for it; a source that has not (the subscriber's own device) is not.
 * A refused answer is 403 with Retry-After, checked before the password is: an attacker's source
 * is slowed to nothing while the subscriber, from elsewhere, registers as usual. A distributed
 * guesser gets at most one failure per source per window once the identity is under attack.
 * Windows end by themselves (the counters' TTL): nobody needs an administrator.
 */
import type { RegionalKv } from '../../../shared/vellum'

export interface AuthLimits {
  /** Failures of one identity before the sources that failed for it are refused. */
  maxImpiFailures: number
  /** Failures from one source (any identity) before it is refused. */
  maxSourceFailures: number
  windowSeconds: number
}

const sourceKey = (source: string) => `authfail:src:${source}`
const impiKey = (impi: string) => `authfail:impi:${impi}`
const pairKey = (impi: string, source: string) => `authfail:pair:${impi}|${source}`

export class AuthLimiter {
  constructor(
    private readonly kv: RegionalKv,
    private readonly limits: AuthLimits
  ) {}

  /**
   * The counters that decide whether answers for `impi` from `source` are refused, in the order
   * {@link isBlocked} takes their values. They are read in the local region only (the caller
   * folds them into the AoR read, one `MGET`): counters are written to both regions, and a
   * missing one (no failures, the usual case) must not cost a fallback read of the other region
   * on every answer's critical path.
   */
  counterKeys(impi: string, source: string): string[] {
    return [sourceKey(source), impiKey(impi), pairKey(impi, source)]
  }

  /** True when the values of {@link counterKeys} refuse the answer. */
  isBlocked(values: readonly unknown[]): boolean {
    const n = (v: unknown) => (typeof v === 'number' || typeof v === 'string' ? Number(v) || 0 : 0)
    const [src, id, pair] = values
    return (
      n(src) >= this.limits.maxSourceFailures ||
      (n(id) >= this.limits.maxImpiFailures && n(pair) >= 1)
    )
  }

  /** A wrong password for `impi` from `source`. */
  async recordFailure(impi: string, source: string): Promise<void> {
    const ttlSeconds = this.limits.windowSeconds
    await Promise.all([
      this.kv.incr(sourceKey(source), { ttlSeconds }),
      this.kv.incr(impiKey(impi), { ttlSeconds }),
      this.kv.incr(pairKey(impi, source), { ttlSeconds }),
    ])
  }

  /** An answer that was not a guess at `impi`'s password (credentials for another identity). */
  async recordMisuse(source: string): Promise<void> {
    await this.kv.incr(sourceKey(source), { ttlSeconds: this.limits.windowSeconds })
  }

  get retryAfterSeconds(): number {
    return this.limits.windowSeconds
  }
}
