import type { Redis } from '@upstash/redis/cloudflare'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../log/logger'
import { DEFAULT_RESYNC_SETTINGS, KvResyncTrigger } from './kv-resync-trigger'

const quiet = createLogger({ component: 'test' }, { level: 'error', sink: () => undefined })

/** A trigger on two stand-in databases (the quiet check touches neither) and two clocks. */
function trigger(quietCheckMs = 10_000) {
  const local = {} as Redis
  const remote = {} as Redis
  let now = 1_000_000
  let wall = 5_000
  const t = () =>
    new KvResyncTrigger(
      local,
      remote,
      { now: () => now },
      quiet,
      { ...DEFAULT_RESYNC_SETTINGS, quietCheckMs },
      () => wall
    )
  return {
    t,
    advanceWall: (ms: number) => {
      wall += ms
    },
    advanceClock: (ms: number) => {
      now += ms
    },
  }
}

describe('KvResyncTrigger quiet check', () => {
  it('is due at an isolate’s first read and after quietCheckMs without one, not in between', () => {
    const k = trigger(10_000)
    expect(k.t().quietCheckDue()).toBe(true)
    k.advanceWall(9_999)
    // Another request of the same isolate (the state is per pair of clients, not per object).
    expect(k.t().quietCheckDue()).toBe(false)
    k.advanceWall(9_999)
    expect(k.t().quietCheckDue()).toBe(false)
    k.advanceWall(10_000)
    expect(k.t().quietCheckDue()).toBe(true)
  })

  it('is not due after a jump of the shared clock alone (a test advancing time)', () => {
    const k = trigger(10_000)
    k.t().quietCheckDue()
    k.advanceClock(3_600_000)
    expect(k.t().quietCheckDue()).toBe(false)
  })

  it('is not due while the peer failed within retryMs', () => {
    const k = trigger(1_000)
    const a = k.t()
    a.quietCheckDue()
    a.remoteFailed()
    k.advanceWall(5_000)
    expect(a.quietCheckDue()).toBe(false)
    k.advanceClock(DEFAULT_RESYNC_SETTINGS.retryMs)
    k.advanceWall(5_000)
    expect(a.quietCheckDue()).toBe(true)
  })
})
