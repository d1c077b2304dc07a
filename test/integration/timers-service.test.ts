/**
 * The TimerService contract against the production tiered service on the local cloud:
 * - the Scheduler tier (intervals ≥ 60 s), on the cloud's driven clock: the fake Schedulers
 *   fire the timers functions, whose pop handler posts to a loopback callback server;
 * - the precise tier (intervals < 60 s), Durable Object alarms at the edge, in real time.
 * Every pop the callback server sees must carry a valid trusted-zone signature.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newTimerId, RoundTrips } from '../../shared/vellum'
import { PreciseTierClient } from '../../shared/vellum/timer-precise-client'
import { CallbackServer, CloudClock, timerService } from '../contracts/cloud-harness'
import { type ReceivedPop, runTimerServiceContract } from '../contracts/timer-service.case'
import { endpoints } from '../support/cloud'
import { waitForReplication } from '../support/replication'

let server: CallbackServer
beforeAll(async () => {
  server = await new CallbackServer(endpoints().hopSecret).start()
})
afterAll(() => server.close())

const received = async (tag: string): Promise<ReceivedPop[]> => {
  const got = server.for(tag)
  expect(got.every((r) => r.signed)).toBe(true)
  return got.map(({ opaque, seq }) => ({ opaque, seq })).sort((a, b) => a.seq - b.seq)
}

runTimerServiceContract('Scheduler tier on the driven clock', async () => {
  const clock = await new CloudClock(endpoints().control).sync()
  return {
    timers: timerService(endpoints(), 'a', clock),
    unitMs: 60_000,
    callbackUri: (tag) => server.uri(tag),
    pass: async (ms) => {
      // One interval at a time, so each pop (and the next one it schedules) lands in order.
      // The driven clock jumps a minute at once, while pops and the global table's replication
      // take real time: each step waits until the Schedulers' invocations have been answered,
      // then lets replication catch up, as both do long before a minute has passed in a
      // deployment. Otherwise a slow primary pop would still be running when the next minute's
      // backup fires in the other region, and both would deliver it.
      for (let left = ms; left > 0; left -= 60_000) {
        await waitForReplication()
        await clock.advance(Math.min(60_000, left), { settle: true })
        await server.settle(200, 8_000)
      }
    },
    received,
  }
})

runTimerServiceContract('precise tier (Durable Object alarms, real time)', async () => ({
  timers: timerService(endpoints(), 'a', { now: Date.now }),
  unitMs: 400,
  callbackUri: (tag) => server.uri(tag),
  pass: async (ms) => {
    await new Promise((r) => setTimeout(r, ms))
    await server.settle(150, 3_000)
  },
  received,
}))

describe('tiered timer service costs', () => {
  it('setting a timer is one sequential round trip in either tier', async () => {
    const clock = await new CloudClock(endpoints().control).sync()
    for (const intervalMs of [120_000, 5_000]) {
      const rt = new RoundTrips()
      const timers = timerService(endpoints(), 'a', clock, rt)
      const id = await timers.set({ intervalMs, callbackUri: server.uri('cost'), opaque: '' })
      expect(rt.snapshot().depth).toBe(1)
      await timers.delete(id)
    }
  })

  it('a precise timer fires within a few tens of milliseconds of its due time', async () => {
    const timers = timerService(endpoints(), 'b', { now: Date.now })
    const t0 = Date.now()
    await timers.set({ intervalMs: 1_000, callbackUri: server.uri('precise-1s'), opaque: 'p' })
    await new Promise((r) => setTimeout(r, 1_400))
    const got = server.for('precise-1s')
    expect(got).toHaveLength(1)
    const error = got[0]!.at - (t0 + 1_000)
    expect(error).toBeGreaterThanOrEqual(-5)
    expect(error).toBeLessThan(150)
  })

  it('precise-tier commands of an older generation never undo a newer one', async () => {
    const client = new PreciseTierClient(
      endpoints().edges.a,
      endpoints().hopSecret,
      new RoundTrips()
    )
    const id = newTimerId()
    const set = (generation: number, opaque: string) =>
      client.send({
        op: 'set',
        id,
        generation,
        intervalMs: 600,
        repeatForMs: 600,
        callbackUri: server.uri('gen'),
        opaque,
      })
    await set(200, 'g200')
    await set(100, 'g100') // late, older: ignored
    await client.send({ op: 'delete', id, generation: 200 }) // same generation: kept
    await new Promise((r) => setTimeout(r, 900))
    await server.settle(200, 2_000)
    expect(server.for('gen').map((g) => g.opaque)).toEqual(['g200'])
    await set(300, 'g300')
    await client.send({ op: 'delete', id, generation: 301 }) // newer: removes it
    await new Promise((r) => setTimeout(r, 900))
    expect(server.for('gen')).toHaveLength(1)
    await set(400, 'g400')
    await client.send({ op: 'delete', id }) // unconditional (TimerService.delete)
    await new Promise((r) => setTimeout(r, 900))
    expect(server.for('gen')).toHaveLength(1)
  })
})
