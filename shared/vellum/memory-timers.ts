/**
 * @module vellum/memory-timers
 * An in-memory {@link TimerService} for unit tests of timer consumers: it keeps the timers and,
 * when asked, hands out the pops that are due on the injected clock (Chronos timing: pop `seq`
 * at `start + (seq+1)·interval` while within repeat-for). Nothing fires by itself; a test calls
 * {@link MemoryTimerService.takeDue} (or `deliverDue`) after moving its clock.
 */
import type { Clock } from '../config/clock'
import { systemClock } from '../config/clock'
import { StoreError } from './errors'
import {
  newTimerId,
  parseTimerId,
  popCount,
  specProblem,
  type TimerService,
  type TimerSpec,
} from './timer-service'

export interface TimerPop {
  id: string
  seq: number
  callbackUri: string
  opaque: string
  /** When the pop was due (ms on the clock). */
  dueAt: number
}

interface Held {
  spec: TimerSpec
  startMs: number
  nextSeq: number
}

export class MemoryTimerService implements TimerService {
  readonly timers = new Map<string, Held>()

  constructor(
    private readonly clock: Clock = systemClock,
    private readonly random: () => number = Math.random
  ) {}

  async set(spec: TimerSpec): Promise<string> {
    return this.update(newTimerId(this.random), spec)
  }

  async update(id: string, spec: TimerSpec): Promise<string> {
    const canonical = parseTimerId(id)
    if (!canonical) throw new StoreError(`${id} is not a timer id`, 'timers')
    const problem = specProblem(spec)
    if (problem) throw new StoreError(problem, 'timers')
    this.timers.set(canonical, { spec: { ...spec }, startMs: this.clock.now(), nextSeq: 0 })
    return canonical
  }

  async delete(id: string): Promise<void> {
    const canonical = parseTimerId(id)
    if (canonical) this.timers.delete(canonical)
  }

  /** Pops due now, in due order; each is handed out once. */
  takeDue(): TimerPop[] {
    const now = this.clock.now()
    const out: TimerPop[] = []
    for (const [id, t] of this.timers) {
      const count = popCount(t.spec)
      while (t.nextSeq < count) {
        const dueAt = t.startMs + (t.nextSeq + 1) * t.spec.intervalMs
        if (dueAt > now) break
        out.push({
          id,
          seq: t.nextSeq,
          callbackUri: t.spec.callbackUri,
          opaque: t.spec.opaque,
          dueAt,
        })
        t.nextSeq++
      }
      if (t.nextSeq >= count) this.timers.delete(id)
    }
    return out.sort((a, b) => a.dueAt - b.dueAt)
  }

  /** Hands each due pop to `deliver` (the consumer's handler) in due order. */
  async deliverDue(deliver: (pop: TimerPop) => Promise<unknown>): Promise<TimerPop[]> {
    const pops = this.takeDue()
    for (const p of pops) await deliver(p)
    return pops
  }
}
