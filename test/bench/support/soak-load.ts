/**
 * @module soak-load
 * The soak bench's mixed open-loop load: registrations at a rate, each on the next idle
 * registrant (one registration at a time per subscriber), a registrant moving to a new
 * connection every `reconnectEvery` registrations; and calls at a rate, each on the next idle
 * caller/callee pair. A start that finds no idle registrant or pair counts as failed (the rate is
 * over capacity). Counts are kept per minute ({@link SoakLoad.takeMinute}) and in total.
 */
import type { UserAgent } from 'sip.js'
import { call } from './call-load'
import { Registrant, type SipConn } from './register-load'
import { sleep } from './stats'

export interface MinuteTally {
  registrations: number
  registrationErrors: number
  calls: number
  callErrors: number
  reconnects: number
}

const zero = (): MinuteTally => ({
  registrations: 0,
  registrationErrors: 0,
  calls: 0,
  callErrors: 0,
  reconnects: 0,
})

export interface SoakLoadOptions {
  registrants: Registrant[]
  /** Every this many registrations of a subscriber, it opens a new connection first. */
  reconnectEvery: number
  reopen: () => Promise<SipConn>
  pairs: ReadonlyArray<{ caller: UserAgent; callee: string }>
  talkMs: number
}

export class SoakLoad {
  private minute = zero()
  private readonly total = zero()

  constructor(private readonly opts: SoakLoadOptions) {}

  /** Counts since the previous call. */
  takeMinute(): MinuteTally {
    const m = this.minute
    this.minute = zero()
    return m
  }

  private count(k: keyof MinuteTally): void {
    this.minute[k]++
    this.total[k]++
  }

  /** Runs both loads for `seconds`; resolves with the totals once every operation has ended. */
  async run(registrationRate: number, callRate: number, seconds: number): Promise<MinuteTally> {
    await Promise.all([
      this.ticks(registrationRate, seconds, this.registrationStarter()),
      callRate > 0 ? this.ticks(callRate, seconds, this.callStarter()) : Promise.resolve(),
    ])
    return { ...this.total }
  }

  /** Calls `start` `rate` times a second on a fixed schedule, then waits for what it started. */
  private async ticks(
    rate: number,
    seconds: number,
    start: () => Promise<void> | undefined
  ): Promise<void> {
    const jobs = new Set<Promise<void>>()
    const t0 = performance.now()
    const total = Math.floor(rate * seconds)
    for (let i = 0; i < total; i++) {
      const wait = t0 + (i * 1000) / rate - performance.now()
      if (wait > 0) await sleep(wait)
      const job = start()
      if (!job) continue
      jobs.add(job)
      void job.finally(() => jobs.delete(job))
    }
    await Promise.all(jobs)
  }

  private registrationStarter(): () => Promise<void> | undefined {
    const idle = this.opts.registrants.map((r) => ({ r, n: 0 }))
    return () => {
      const slot = idle.shift()
      if (!slot) {
        this.count('registrationErrors')
        return undefined
      }
      return (async () => {
        try {
          if (++slot.n % this.opts.reconnectEvery === 0) {
            slot.r.conn.close()
            slot.r = new Registrant(await this.opts.reopen(), slot.r.account, slot.r.tag)
            this.count('reconnects')
          }
          await slot.r.registerOnce()
          this.count('registrations')
        } catch {
          this.count('registrationErrors')
        } finally {
          idle.push(slot)
        }
      })()
    }
  }

  private callStarter(): () => Promise<void> | undefined {
    const idle = [...this.opts.pairs]
    return () => {
      const p = idle.shift()
      if (!p) {
        this.count('callErrors')
        return undefined
      }
      return call(p.caller, p.callee, this.opts.talkMs)
        .then((r) => this.count(r.ok ? 'calls' : 'callErrors'))
        .finally(() => idle.push(p))
    }
  }
}
