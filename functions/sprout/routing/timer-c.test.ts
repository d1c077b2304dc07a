import { describe, expect, it, vi } from 'vitest'
import type { SipRequest, SipResponse } from '../../../shared/sip'
import {
  DOMAIN,
  fromEdge,
  type RoutingHarness,
  routingHarness,
  tokenOf,
} from '../../../test/support/kits/routing-kit'

const A = `sip:6505550001@${DOMAIN}`
const B = `sip:6505550002@${DOMAIN}`
const TA = tokenOf(1)
const TB = tokenOf(2)

async function ringing(): Promise<{ h: RoutingHarness; inv: SipRequest }> {
  const h = routingHarness()
  await h.provision(A)
  await h.provision(B)
  await h.register(A, TA)
  await h.register(B, TB)
  await h.post(fromEdge({ from: A, to: B, token: TA }))
  const inv = h.toFlow(TB, { method: 'INVITE' })[0] as SipRequest
  return { h, inv }
}

/** The timer-c timers held, with when each fires. */
const timerC = (h: RoutingHarness) =>
  [...h.vellum.timers.timers.values()]
    .filter((t) => JSON.parse(t.spec.opaque).which === 'timer-c')
    .map((t) => t.startMs + t.spec.intervalMs)

const finals = (h: RoutingHarness) =>
  h
    .toFlow(TA)
    .filter((m): m is SipResponse => 'status' in m && m.status >= 200)
    .map((m) => m.status)

describe('Timer C and provisional responses (RFC 3261 §16.6 step 11, §16.7 step 2)', () => {
  it('is armed for TIMER_C_MS plus the margin, and its deadline rides in the INVITE’s Via', async () => {
    const { h, inv } = await ringing()
    const t0 = h.clock.now()
    expect(timerC(h)).toEqual([t0 + 181_000 + 60_000])
    expect(inv.getAllRaw('via')[0]).toContain(`;tc=${Math.floor((t0 + 241_000) / 1000)}`)
  })

  it('a 180 within the margin costs no timer request and no record append; without later ones Timer C fires after the margin too', async () => {
    const { h, inv } = await ringing()
    const set = vi.spyOn(h.vellum.timers, 'update')
    const script = vi.spyOn(h.vellum.kv, 'evalLocal')
    await h.answer(inv, 180, { toTag: 'b1' })
    await h.settle()
    expect(set).not.toHaveBeenCalled()
    expect(script).not.toHaveBeenCalled()
    h.clock.advance(240_000)
    expect(await h.popTimers()).toBe(0)
    h.clock.advance(1_000)
    expect(await h.popTimers()).toBe(1)
    await h.settle()
    expect(finals(h)).toEqual([408])
  })

  it('a call ringing over 3 minutes, with a 180 each minute, is not cancelled; one reset per margin', async () => {
    const { h, inv } = await ringing()
    const t0 = h.clock.now()
    const set = vi.spyOn(h.vellum.timers, 'update')
    const script = vi.spyOn(h.vellum.kv, 'evalLocal')
    for (let minute = 0; minute <= 5; minute++) {
      await h.answer(inv, 180, { toTag: 'b1' })
      await h.settle()
      // Timer C never fires within TIMER_C_MS (over 3 minutes) of the latest 180.
      expect(Math.min(...timerC(h))).toBeGreaterThanOrEqual(h.clock.now() + 181_000)
      h.clock.advance(60_000)
      expect(await h.popTimers()).toBe(0)
    }
    // 180s at 0, 1, …, 5 minutes: resets at 2 and 4 minutes only.
    expect(set.mock.calls.map(([, spec]) => spec.intervalMs)).toEqual([241_000, 241_000])
    expect(timerC(h)).toEqual([t0 + 240_000 + 241_000])
    // The 180s past the margin went to the record, each starting its TTL again (tx-log.ts), so
    // the record outlives the reset Timer C: those at 2 to 5 minutes at least.
    const extends_ = script.mock.calls.filter(([, , args]) => args[0] === 'extend')
    expect(extends_.length).toBeGreaterThanOrEqual(4)
    expect(script.mock.calls.every(([, , args]) => args[0] !== 'append')).toBe(true)
    await h.answer(inv, 200, { toTag: 'b1', body: 'v=0\r\n' })
    await h.settle()
    expect(finals(h)).toEqual([200])
  })
})
