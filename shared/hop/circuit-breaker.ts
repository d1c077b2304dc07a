/**
 * @module circuit-breaker
 * Per-target circuit breaker for failover between regions: after a transport failure the target
 * is skipped for `openMs`, so a dead region costs one timeout, not one per message. After that
 * one request is let through (half-open); success closes the breaker again.
 * Each change of state (closed to open, open to closed) is counted (docs/operations.md#metrics).
 */
import { metrics } from '../metrics/isolate'

export interface BreakerOptions {
  openMs: number
  now: () => number
}

export class CircuitBreakers {
  private readonly openUntil = new Map<string, number>()

  constructor(private readonly opts: BreakerOptions) {}

  isOpen(target: string): boolean {
    const until = this.openUntil.get(target)
    return until !== undefined && until > this.opts.now()
  }

  failure(target: string): void {
    if (!this.openUntil.has(target)) metrics.breakerChanges.inc({ state: 'open' })
    this.openUntil.set(target, this.opts.now() + this.opts.openMs)
  }

  success(target: string): void {
    if (this.openUntil.delete(target)) metrics.breakerChanges.inc({ state: 'closed' })
  }

  /** Orders targets: closed breakers first (in the given order), then open ones as a last resort. */
  order<T extends string>(targets: readonly T[]): T[] {
    return [...targets.filter((t) => !this.isOpen(t)), ...targets.filter((t) => this.isOpen(t))]
  }
}
