/**
 * @module timers/scheduler-route
 * `POST /scheduler/fire`: where EventBridge Scheduler (the fake one locally, signed for the
 * trusted zone) delivers a pop schedule's Input. The pop handler (shared/vellum/timer-pop.ts)
 * makes the pop happen once across both regions; 503 asks the Scheduler to retry later (the
 * other region is delivering that pop right now).
 */
import type { FunctionApp } from '../../shared/http/function-app'
import { createVellum } from '../../shared/vellum'
import { Unavailable } from '../../shared/vellum/errors'
import { popDepsFor } from '../../shared/vellum/factory'
import { handlePop, popHttpStatus } from '../../shared/vellum/timer-pop'
import { isPopInput } from '../../shared/vellum/timer-schedules'
import { parseTimerId } from '../../shared/vellum/timer-service'
import { timerOptions } from './timers-config'

export const SCHEDULER_FIRE_PATH = '/scheduler/fire'

export function registerSchedulerRoute(app: FunctionApp): void {
  app.post(SCHEDULER_FIRE_PATH, async (c) => {
    const s = c.get('services')
    const input = await c.req.json().catch(() => undefined)
    if (!isPopInput(input)) return c.json({ error: 'body is not a timer pop input' }, 400)
    // Only ids and counters this service issued: anything else names no timer (and a long id
    // would be a table key the store refuses).
    if (
      parseTimerId(input.id) !== input.id ||
      !Number.isSafeInteger(input.generation) ||
      input.generation < 0 ||
      !Number.isSafeInteger(input.seq) ||
      input.seq < 0
    )
      return c.json({ error: 'id, generation or seq is not one of a timer pop' }, 400)
    const opts = timerOptions(c.env)
    const v = createVellum(s, opts)
    try {
      const outcome = await handlePop(popDepsFor(s.env, s.stores, s.clock, s.log, v, opts), input)
      return c.json(
        { ...outcome, roundTrips: v.roundTrips.snapshot().depth },
        popHttpStatus(outcome) as 200 | 503
      )
    } catch (err) {
      if (err instanceof Unavailable) return c.json({ error: err.message }, 503)
      throw err
    }
  })
}
