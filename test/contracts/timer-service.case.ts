/**
 * The TimerService contract (Chronos semantics, clearwater-interfaces §4.1): one suite, run
 * against the in-memory adapter (unit) and the tiered production service on the local cloud
 * (integration: Scheduler tier with the driven clock, precise tier in real time). The harness
 * moves time and reports the pops its callback endpoint received.
 */
import { describe, expect, it } from 'vitest'
import { parseTimerId, StoreError, type TimerService } from '../../shared/vellum'

export interface ReceivedPop {
  opaque: string
  seq: number
}

export interface TimerHarness {
  timers: TimerService
  /** A callback URI whose pops `received` reports; `tag` makes it unique per test. */
  callbackUri(tag: string): string
  /** Lets `ms` of timer time pass (driven clock or real sleep) and delivers what is due. */
  pass(ms: number): Promise<void>
  received(tag: string): Promise<ReceivedPop[]>
  /** Interval unit of this harness: timers are set at multiples of it. */
  unitMs: number
}

let n = 0
const tag = () => `t${Date.now().toString(36)}${(n++).toString(36)}`

export function runTimerServiceContract(
  name: string,
  make: () => TimerHarness | Promise<TimerHarness>
) {
  describe(`TimerService contract: ${name}`, () => {
    it('a one-shot timer pops once with its opaque body and sequence number 0', async () => {
      const h = await make()
      const t = tag()
      const id = await h.timers.set({
        intervalMs: h.unitMs,
        callbackUri: h.callbackUri(t),
        opaque: `{"aor_id":"${t}"}`,
      })
      expect(parseTimerId(id)).toBe(id)
      expect(await h.received(t)).toEqual([])
      await h.pass(h.unitMs * 3)
      expect(await h.received(t)).toEqual([{ opaque: `{"aor_id":"${t}"}`, seq: 0 }])
      await h.pass(h.unitMs * 2)
      expect(await h.received(t)).toHaveLength(1)
    })

    it('repeats every interval while within repeat-for, with increasing sequence numbers', async () => {
      const h = await make()
      const t = tag()
      await h.timers.set({
        intervalMs: h.unitMs,
        repeatForMs: h.unitMs * 3,
        callbackUri: h.callbackUri(t),
        opaque: 'rep',
      })
      await h.pass(h.unitMs * 5)
      const got = await h.received(t)
      // Delivery is at least once (docs/timers.md): a pop may come twice, and its consumer drops
      // the copy by its sequence number. The contract is which pops come, in order.
      expect([...new Set(got.map((p) => p.seq))]).toEqual([0, 1, 2])
      expect(got.every((p) => p.opaque === 'rep')).toBe(true)
    })

    it('repeat-for shorter than the interval never pops', async () => {
      const h = await make()
      const t = tag()
      await h.timers.set({
        intervalMs: h.unitMs,
        repeatForMs: h.unitMs / 2,
        callbackUri: h.callbackUri(t),
        opaque: 'never',
      })
      await h.pass(h.unitMs * 3)
      expect(await h.received(t)).toEqual([])
    })

    it('update replaces the timer (PUT), delete cancels it and is idempotent', async () => {
      const h = await make()
      const t1 = tag()
      const t2 = tag()
      const id = await h.timers.set({
        intervalMs: h.unitMs,
        callbackUri: h.callbackUri(t1),
        opaque: 'old',
      })
      expect(
        await h.timers.update(id, {
          intervalMs: h.unitMs * 2,
          callbackUri: h.callbackUri(t2),
          opaque: 'new',
        })
      ).toBe(id)
      await h.pass(h.unitMs * 4)
      expect(await h.received(t1)).toEqual([])
      expect(await h.received(t2)).toEqual([{ opaque: 'new', seq: 0 }])
      const t3 = tag()
      const gone = await h.timers.set({
        intervalMs: h.unitMs,
        callbackUri: h.callbackUri(t3),
        opaque: 'x',
      })
      await h.timers.delete(gone)
      await h.timers.delete(gone)
      await h.pass(h.unitMs * 3)
      expect(await h.received(t3)).toEqual([])
    })

    it('PUT with an unknown id creates the timer under that id', async () => {
      const h = await make()
      const t = tag()
      const id = '0123456789abcdef-2'.replace(
        '0123',
        Math.floor(Math.random() * 0xffff)
          .toString(16)
          .padStart(4, '0')
      )
      expect(
        await h.timers.update(`${id}extra-ignored`, {
          intervalMs: h.unitMs,
          callbackUri: h.callbackUri(t),
          opaque: 'put',
        })
      ).toBe(id)
      await h.pass(h.unitMs * 3)
      expect(await h.received(t)).toEqual([{ opaque: 'put', seq: 0 }])
    })

    it('refuses bad ids and bad specs with a store error naming the field', async () => {
      const h = await make()
      await expect(
        h.timers.update('not-an-id', { intervalMs: 1000, callbackUri: 'http://x/', opaque: '' })
      ).rejects.toBeInstanceOf(StoreError)
      await expect(
        h.timers.set({ intervalMs: 0, callbackUri: 'http://x/', opaque: '' })
      ).rejects.toThrow(/interval/)
      await expect(
        h.timers.set({ intervalMs: 1000, callbackUri: 'nope', opaque: '' })
      ).rejects.toThrow(/callback\.http\.uri/)
    })
  })
}
