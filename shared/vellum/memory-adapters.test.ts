/**
 * The three Vellum contracts run against the in-memory adapters, on a manual clock.
 */
import { runGlobalTableContract } from '../../test/contracts/global-table.case'
import { runRegionalKvContract } from '../../test/contracts/regional-kv.case'
import { type ReceivedPop, runTimerServiceContract } from '../../test/contracts/timer-service.case'
import { MemoryRegionalKv } from './memory-kv'
import { MemoryGlobalTable } from './memory-table'
import { MemoryTimerService } from './memory-timers'
import { defineScript } from './regional-kv'

function manualClock(start = Date.UTC(2026, 10, 21, 12)) {
  let t = start
  return { now: () => t, advance: (ms: number) => void (t += ms) }
}

runGlobalTableContract('memory', () => {
  const clock = manualClock()
  return { table: new MemoryGlobalTable(clock), advance: clock.advance, now: clock.now }
})

runRegionalKvContract('memory', () => {
  const clock = manualClock()
  const kv = new MemoryRegionalKv(clock)
  return {
    a: kv,
    b: kv,
    advance: clock.advance,
    now: clock.now,
    registerScript: (source, impl) =>
      kv.registerScript(defineScript(source), (_kv, keys, args) => impl(keys, args)),
  }
})

runTimerServiceContract('memory', () => {
  const clock = manualClock()
  const timers = new MemoryTimerService(clock)
  const got = new Map<string, ReceivedPop[]>()
  return {
    timers,
    unitMs: 60_000,
    callbackUri: (tag) => `http://callback.test/${tag}`,
    pass: async (ms) => {
      clock.advance(ms)
      await timers.deliverDue(async (p) => {
        const tag = new URL(p.callbackUri).pathname.slice(1)
        got.set(tag, [...(got.get(tag) ?? []), { opaque: p.opaque, seq: p.seq }])
      })
    },
    received: async (tag) => got.get(tag) ?? [],
  }
})
