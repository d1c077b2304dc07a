/**
 * @module sprout/routing/routing-timers
 * The timers of Sprout's proxy transactions and call charging: Timer C (RFC 3261 §16.6 step 11,
 * §16.8), the CDIV no-reply timer, AS liveness, and the call's interim-accounting timer. All of
 * them live on the precise tier (Durable Object alarms at the edge, outside both regions), sent
 * there directly: one request to the edge per set or delete, no timer definition in the global
 * table and no Scheduler schedules (those exist for the long registration timers). Each timer's
 * id is derived from its transaction, so the one that set it need not remember it: a completed
 * transaction deletes its Timer C by name, and the call's accounting timer replaces Timer C
 * under the same id when the INVITE is answered.
 *
 * Under unit tests the function's Vellum is in memory and there is no edge: the same calls go
 * to its timer service, whose pops the tests drive.
 */
import type { Clock } from '../../../shared/config/clock'
import { md5Hex } from '../../../shared/sip/md5'
import type { RoundTrips } from '../../../shared/vellum/round-trips'
import { PreciseTierClient } from '../../../shared/vellum/timer-precise-client'
import type { TimerService, TimerSpec } from '../../../shared/vellum/timer-service'
import { TieredTimerService } from '../../../shared/vellum/timers-tiered'

export interface RoutingTimers {
  /** Sets timer `id`, replacing any timer of that id. */
  set(id: string, spec: TimerSpec): Promise<void>
  /** Removes timer `id`; an unknown id is not an error. */
  delete(id: string): Promise<void>
}

/** The id of one of a transaction's timers (Chronos syntax: 16 hex digits, `-2`). */
export function routingTimerId(key: string, which: string, g = 0, i?: number): string {
  return `${md5Hex(`${key}|${which}|${g}|${i ?? ''}`).slice(0, 16)}-2`
}

/** Timer C's id: the call's accounting timer takes it over once the INVITE is answered. */
export const timerCId = (key: string): string => routingTimerId(key, 'timer-c')

export interface RoutingTimersDeps {
  timers: TimerService
  edgeUrl: string
  hopSecret: string
  roundTrips: RoundTrips
  clock: Clock
}

export function createRoutingTimers(d: RoutingTimersDeps): RoutingTimers {
  if (!(d.timers instanceof TieredTimerService)) {
    const timers = d.timers
    return {
      set: async (id, spec) => {
        await timers.update(id, spec)
      },
      delete: (id) => timers.delete(id),
    }
  }
  const precise = new PreciseTierClient(d.edgeUrl, d.hopSecret, d.roundTrips)
  return {
    set: (id, spec) =>
      precise.send({
        op: 'set',
        id,
        // Generations only grow at the edge: a later set of the same id replaces this one.
        generation: d.clock.now(),
        intervalMs: spec.intervalMs,
        repeatForMs: spec.repeatForMs ?? spec.intervalMs,
        callbackUri: spec.callbackUri,
        opaque: spec.opaque,
      }),
    delete: (id) => precise.send({ op: 'delete', id }),
  }
}
