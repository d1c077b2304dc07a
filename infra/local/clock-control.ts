/**
 * @module local/clock-control
 * The control API's clock and Scheduler members (control-api.ts): the driven clock, which the
 * edges follow (edge-clock.ts), and the fake Schedulers that fire by it.
 */
import { REGIONS, type Region } from '../../shared/config/regions'
import type { ControlTarget } from './control-api'
import { tellEdgesClock } from './edge-clock'
import type { LocalClock } from './emulators/local-clock'
import type { SchedulerFake } from './emulators/scheduler-fake'

type ClockControls = Pick<
  ControlTarget,
  | 'clockNow'
  | 'clockOffset'
  | 'advanceClock'
  | 'schedulersIdle'
  | 'setSchedulerSpread'
  | 'invocations'
>

export function clockControls(
  clock: LocalClock,
  schedulers: Record<Region, SchedulerFake>,
  edges: () => Record<Region, string>,
  hopSecret: string
): ClockControls {
  return {
    clockNow: () => clock.now(),
    clockOffset: () => clock.offset,
    advanceClock: async (ms) => {
      clock.advance(ms)
      await tellEdgesClock(edges(), hopSecret, clock.offset)
    },
    schedulersIdle: async (maxMs) =>
      (await Promise.all(REGIONS.map((r) => schedulers[r].idle(maxMs)))).every(Boolean),
    setSchedulerSpread: (on) => {
      for (const r of REGIONS) schedulers[r].spread = on
    },
    invocations: (r) => schedulers[r].invocations,
  }
}
