/**
 * The RegionalKv contract: one suite, run against the in-memory adapter (unit) and the
 * dual-writing Upstash adapter on the local cloud's two Redis databases (integration). `make`
 * returns the KV as seen from region a and from region b (the memory adapter is one region, so
 * both are the same object) and the clock the adapters read.
 */
import { describe, expect, it } from 'vitest'
import { defineScript, type RegionalKv, type VersionedRecord } from '../../shared/vellum'

export interface KvHarness {
  a: RegionalKv
  b: RegionalKv
  advance(ms: number): void
  now(): number
  /** Registers a JS stand-in for a Lua script (memory adapter only). */
  registerScript?(
    source: string,
    impl: (keys: string[], args: (string | number)[]) => unknown
  ): void
}

let run = 0
const prefix = () =>
  `ck${Date.now().toString(36)}${(run++).toString(36)}${Math.random().toString(36).slice(2, 6)}`

export function runRegionalKvContract(name: string, make: () => KvHarness | Promise<KvHarness>) {
  describe(`RegionalKv contract: ${name}`, () => {
    const rec = (
      h: KvHarness,
      cseq: number,
      inS: number,
      data: unknown = { uri: `sip:ue@10.0.0.1;cseq=${cseq}` }
    ): VersionedRecord => ({
      cseq,
      expires: Math.floor(h.now() / 1000) + inS,
      data,
    })

    it('a binding is a guarded hash field: newer CSeq wins, older is stale, equal is same', async () => {
      const h = await make()
      const aor = `${prefix()}:reg:sip:alice@example.com`
      expect(await h.a.hsetIfNewer(aor, 'inst1:1', rec(h, 2, 300))).toBe('written')
      expect(await h.a.hsetIfNewer(aor, 'inst1:1', rec(h, 1, 300))).toBe('stale')
      const r3 = rec(h, 3, 600)
      expect(await h.a.hsetIfNewer(aor, 'inst1:1', r3)).toBe('written')
      expect(await h.a.hsetIfNewer(aor, 'inst1:1', r3)).toBe('same')
      expect(await h.a.hsetIfNewer(aor, 'inst2:1', rec(h, 1, 300))).toBe('written')
      const live = await h.b.hgetLive(aor)
      expect(Object.keys(live).sort()).toEqual(['inst1:1', 'inst2:1'])
      expect(live['inst1:1']).toEqual(r3)
    })

    it('writes several fields in one call and filters expired ones and tombstones on read', async () => {
      const h = await make()
      const aor = `${prefix()}:reg`
      const out = await h.a.hsetManyIfNewer(aor, {
        x: rec(h, 1, 5),
        y: rec(h, 1, 100),
        z: rec(h, 1, 0),
      })
      expect(out).toEqual({ x: 'written', y: 'written', z: 'written' })
      expect(Object.keys(await h.a.hgetLive(aor)).sort()).toEqual(['x', 'y'])
      h.advance(6_000)
      expect(Object.keys(await h.a.hgetLive(aor))).toEqual(['y'])
      // A de-registration is a tombstone (expires now) with a higher CSeq: a delayed older write loses.
      expect(await h.a.hsetIfNewer(aor, 'y', rec(h, 5, 0))).toBe('written')
      expect(await h.b.hsetIfNewer(aor, 'y', rec(h, 4, 300))).toBe('stale')
      expect(await h.a.hgetLive(aor)).toEqual({})
    })

    it('race: two regions write the same binding concurrently; both converge on the newer CSeq', async () => {
      const h = await make()
      for (let i = 0; i < 5; i++) {
        const aor = `${prefix()}:race`
        const older = rec(h, 10 + i, 300, { from: 'a' })
        const newer = rec(h, 11 + i, 300, { from: 'b' })
        const writes =
          i % 2 === 0
            ? [h.a.hsetIfNewer(aor, 'b1', older), h.b.hsetIfNewer(aor, 'b1', newer)]
            : [h.b.hsetIfNewer(aor, 'b1', newer), h.a.hsetIfNewer(aor, 'b1', older)]
        await Promise.all(writes)
        expect((await h.a.hgetLive(aor)).b1).toEqual(newer)
        expect((await h.b.hgetLive(aor)).b1).toEqual(newer)
      }
      // Equal CSeq and expiry but different content: a deterministic winner everywhere.
      const aor = `${prefix()}:tie`
      const x = rec(h, 1, 300, { via: 'x' })
      const y = { ...x, data: { via: 'y' } }
      await Promise.all([h.a.hsetIfNewer(aor, 'b1', x), h.b.hsetIfNewer(aor, 'b1', y)])
      const fromA = (await h.a.hgetLive(aor)).b1
      expect(fromA).toEqual((await h.b.hgetLive(aor)).b1)
      expect(fromA).toEqual(y)
    })

    it('race: a re-REGISTER lands while the expiry timer pops; the guarded delete keeps it', async () => {
      const h = await make()
      for (const order of ['refresh-first', 'pop-first', 'together'] as const) {
        const aor = `${prefix()}:expiry-${order}`
        await h.a.hsetIfNewer(aor, 'b1', rec(h, 1, 2))
        h.advance(2_500) // the binding's expiry has passed; the timer for CSeq 1 pops
        const refresh = () => h.b.hsetIfNewer(aor, 'b1', rec(h, 2, 300))
        const pop = () => h.a.hdelIfCseq(aor, 'b1', 1, { onlyIfExpired: true })
        if (order === 'refresh-first') {
          expect(await refresh()).toBe('written')
          expect(await pop()).toBe('kept')
        } else if (order === 'pop-first') {
          expect(await pop()).toBe('deleted')
          expect(await refresh()).toBe('written')
        } else await Promise.all([refresh(), pop()])
        const live = await h.a.hgetLive(aor)
        expect(live.b1?.cseq).toBe(2)
        expect((await h.b.hgetLive(aor)).b1?.cseq).toBe(2)
      }
    })

    it('the guarded delete removes only the CSeq it was set for, and only once expired when asked', async () => {
      const h = await make()
      const aor = `${prefix()}:del`
      await h.a.hsetIfNewer(aor, 'b1', rec(h, 7, 300))
      expect(await h.a.hdelIfCseq(aor, 'b1', 6)).toBe('kept')
      expect(await h.a.hdelIfCseq(aor, 'b1', 7, { onlyIfExpired: true })).toBe('kept')
      expect(await h.a.hdelIfCseq(aor, 'nope', 7)).toBe('absent')
      expect(await h.a.hdelIfCseq(aor, 'b1', 7)).toBe('deleted')
      expect(await h.b.hgetLive(aor)).toEqual({})
      expect(await h.b.hdelIfCseq(aor, 'b1', 7)).toBe('absent')
    })

    it('a record map: newer record wins, older is stale, equal is same; one value in both regions', async () => {
      const h = await make()
      const k = `${prefix()}:map`
      expect(await h.a.mergeMap(k, { b1: rec(h, 2, 300) }, { base: {} })).toEqual({ b1: 'written' })
      const r1 = await h.b.readMap(k)
      expect(Object.keys(r1.records)).toEqual(['b1'])
      // One record written twice: made once, as its expiry is taken from the clock.
      const b2 = rec(h, 1, 300)
      expect(await h.a.mergeMap(k, { b1: rec(h, 1, 300), b2 }, { base: r1.records })).toEqual({
        b1: 'stale',
        b2: 'written',
      })
      const r2 = await h.a.readMap(k)
      expect(r2.records.b1?.cseq).toBe(2)
      expect(await h.b.mergeMap(k, { b2 }, { base: r2.records })).toEqual({ b2: 'same' })
      expect(Object.keys((await h.b.readMap(k)).records).sort()).toEqual(['b1', 'b2'])
    })

    it('record maps converge: writers with stale bases in parallel keep every record, both regions', async () => {
      const h = await make()
      const k = `${prefix()}:map-race`
      await h.a.mergeMap(k, { b0: rec(h, 1, 300) }, { base: {} })
      const { records: base } = await h.a.readMap(k)
      const outs = await Promise.all([
        h.a.mergeMap(k, { b1: rec(h, 1, 300) }, { base }),
        h.b.mergeMap(k, { b2: rec(h, 1, 300) }, { base }),
        h.a.mergeMap(k, { b0: rec(h, 5, 300) }, { base }),
        h.b.mergeMap(k, { b0: rec(h, 3, 300) }, { base }),
      ])
      expect(outs.slice(0, 3)).toEqual([{ b1: 'written' }, { b2: 'written' }, { b0: 'written' }])
      expect(outs[3]).toEqual({ b0: 'stale' })
      for (const side of [h.a, h.b]) {
        const { records } = await side.readMap(k)
        expect(Object.keys(records).sort()).toEqual(['b0', 'b1', 'b2'])
        expect(records.b0?.cseq).toBe(5)
      }
    })

    it('a record map tombstone hides a record, beats the older write, and the read joins other keys', async () => {
      const h = await make()
      const k = `${prefix()}:map-tomb`
      const c = `${prefix()}:counter`
      await h.a.mergeMap(k, { b1: rec(h, 1, 300), b2: rec(h, 1, 300) }, { base: {} })
      await h.a.incr(c, { ttlSeconds: 60 })
      const { records, values } = await h.a.readMap(k, { localKeys: [c, `${c}:none`] })
      expect(values.map(Number)).toEqual([1, Number.NaN])
      const tomb = { ...rec(h, 2, 0), data: { removed: true } }
      expect(await h.a.mergeMap(k, { b1: tomb }, { base: records })).toEqual({ b1: 'written' })
      // A delayed write of the older record, from a base read before the removal.
      expect(await h.b.mergeMap(k, { b2: rec(h, 2, 300) }, { base: records })).toEqual({
        b2: 'written',
      })
      for (const side of [h.a, h.b]) {
        const got = (await side.readMap(k)).records
        expect(got.b1?.cseq).toBe(2)
        expect(got.b1!.expires * 1000).toBeLessThanOrEqual(h.now())
        expect(got.b2?.cseq).toBe(2)
      }
    })

    it('plain values: get/set with TTL and NX, delete', async () => {
      const h = await make()
      const k = `${prefix()}:challenge`
      expect(await h.a.get(k)).toBeUndefined()
      expect(
        await h.a.set(k, { nonce: 'abc', realm: 'example.com' }, { ttlSeconds: 40, nx: true })
      ).toBe(true)
      expect(await h.a.set(k, { nonce: 'other' }, { ttlSeconds: 40, nx: true })).toBe(false)
      expect(await h.b.get(k)).toEqual({ nonce: 'abc', realm: 'example.com' })
      expect(await h.a.set(k, 'plain text', { ttlSeconds: 40 })).toBe(true)
      expect(await h.a.get(k)).toBe('plain text')
      await h.b.del(k)
      expect(await h.a.get(k)).toBeUndefined()
    })

    it('incr counts and keeps its TTL', async () => {
      const h = await make()
      const k = `${prefix()}:rate`
      expect(await h.a.incr(k, { ttlSeconds: 60 })).toBe(1)
      expect(await h.a.incr(k, { ttlSeconds: 60 })).toBe(2)
      expect(await h.a.incr(k)).toBe(3)
    })

    it('evalLocal runs a script atomically in the local region', async () => {
      const h = await make()
      const script = defineScript(
        "local v = redis.call('INCRBY', KEYS[1], ARGV[1]); redis.call('EXPIRE', KEYS[1], 30); return v"
      )
      h.registerScript?.(script.source, (keys, args) => {
        const store = ((h as unknown as { __n?: Record<string, number> }).__n ??= {})
        store[keys[0]!] = (store[keys[0]!] ?? 0) + Number(args[0])
        return store[keys[0]!]
      })
      const k = `${prefix()}:txn`
      const results = await Promise.all(
        [1, 2, 3, 4].map((n) => h.a.evalLocal<number>(script, [k], [n]))
      )
      expect(Math.max(...results)).toBe(10)
      expect(new Set(results).size).toBe(4)
    })
  })
}
