/**
 * @module trunk/retransmissions
 * The trunk adapter's UDP retransmission timers (RFC 3261 §17.1.1.2, §17.1.2.2, §13.3.1.4), by
 * key: a message is sent again after T1, then at doubling intervals (capped at T2 where the rule
 * says so) until it is stopped or its deadline passes, when `onTimeout` runs. Timer functions
 * and the clock are injected, so tests drive them.
 */
import { T1, T2 } from '../../shared/sip/timers'

export interface TimerIo {
  now(): number
  setTimer(ms: number, fn: () => void): unknown
  clearTimer(handle: unknown): void
}

export interface RetransmitRule {
  /** Cap intervals at T2 (non-INVITE requests, 2xx responses); INVITEs keep doubling. */
  capAtT2: boolean
  /** How long after the first send to give up (Timer B/F: 64·T1). */
  deadlineMs: number
  onTimeout?: () => void
}

export class Retransmissions {
  private readonly live = new Map<string, unknown>()

  constructor(private readonly io: TimerIo) {}

  get size(): number {
    return this.live.size
  }

  has(key: string): boolean {
    return this.live.has(key)
  }

  /** Starts (or restarts) retransmitting under `key`. */
  start(key: string, send: () => void, rule: RetransmitRule): void {
    this.stop(key)
    const deadline = this.io.now() + rule.deadlineMs
    let interval = T1
    const fire = () => {
      if (this.io.now() >= deadline) {
        this.live.delete(key)
        rule.onTimeout?.()
        return
      }
      send()
      interval = rule.capAtT2 ? Math.min(interval * 2, T2) : interval * 2
      this.live.set(key, this.io.setTimer(Math.min(interval, deadline - this.io.now()), fire))
    }
    this.live.set(key, this.io.setTimer(interval, fire))
  }

  /** Stops retransmitting under `key`; true when something was running. */
  stop(key: string): boolean {
    const h = this.live.get(key)
    if (h === undefined) return false
    this.io.clearTimer(h)
    this.live.delete(key)
    return true
  }

  stopAll(): void {
    for (const h of this.live.values()) this.io.clearTimer(h)
    this.live.clear()
  }
}
