/**
 * @module local-clock
 * The local cloud's one adjustable clock: real time plus an offset that tests move forward.
 * The fake Schedulers fire by it, and the regional gateways pass its offset to the functions
 * (header `x-edgewater-clock-offset`) so that expiry checks in the functions agree with it.
 */
export class LocalClock {
  private offsetMs = 0
  private readonly listeners = new Set<() => void>()

  now(): number {
    return Date.now() + this.offsetMs
  }

  get offset(): number {
    return this.offsetMs
  }

  /** Moves the clock forward (never back: timers already fired stay fired). */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError('advance takes a non-negative number of ms')
    this.offsetMs += ms
    for (const l of this.listeners) l()
  }

  onAdvance(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}
