/**
 * The RegionalKv contract against the dual-writing Upstash adapter on the local cloud's two
 * Redis databases (region a's view and region b's view), plus what dual-write means on the
 * wire: both databases hold each record, and one write costs one sequential round trip.
 */
import { describe, expect, it } from 'vitest'
import { RoundTrips } from '../../shared/vellum'
import { CloudClock, kvFrom, redis } from '../contracts/cloud-harness'
import { runRegionalKvContract } from '../contracts/regional-kv.case'
import { endpoints } from '../support/cloud'

runRegionalKvContract('Upstash dual-write (a ⇄ b)', async () => {
  const clock = await new CloudClock(endpoints().control).sync()
  return {
    a: kvFrom(endpoints(), 'a', clock).kv,
    b: kvFrom(endpoints(), 'b', clock).kv,
    advance: (ms) => clock.shift(ms),
    now: clock.now,
  }
})

describe('dual-write on the wire', () => {
  it('writes each binding to both regions in one sequential round trip, and reads locally', async () => {
    const rt = new RoundTrips()
    const { kv } = kvFrom(endpoints(), 'a', { now: Date.now }, { rt })
    const aor = `wire-${Date.now()}`
    const rec = { cseq: 1, expires: Math.floor(Date.now() / 1000) + 300, data: { uri: 'sip:u@h' } }
    expect(await kv.hsetIfNewer(aor, 'b1', rec)).toBe('written')
    expect(rt.snapshot()).toMatchObject({
      calls: 2,
      depth: 1,
      byStore: { 'kv-local': 1, 'kv-remote': 1 },
    })
    for (const r of ['a', 'b'] as const) {
      const raw = await redis(endpoints(), r).hgetall<Record<string, unknown>>(aor)
      expect(raw?.b1).toEqual(rec)
      const ttl = await redis(endpoints(), r).ttl(aor)
      expect(ttl).toBeGreaterThan(300)
      expect(ttl).toBeLessThanOrEqual(311)
    }
    rt.reset()
    expect(Object.keys(await kv.hgetLive(aor))).toEqual(['b1'])
    expect(rt.snapshot()).toMatchObject({ calls: 1, depth: 1, byStore: { 'kv-local': 1 } })
  })
})
