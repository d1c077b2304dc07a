/** Timer values of RFC 3261 §17 / Table 4, RFC 6026 and RFC 5626. */
import { describe, expect, it } from 'vitest'
import * as t from './timers'

describe('timers', () => {
  it('derive from T1, T2 and T4 as RFC 3261 Table 4 gives', () => {
    expect([t.T1, t.T2, t.T4]).toEqual([500, 4000, 5000])
    expect([t.TIMER_B, t.TIMER_F, t.TIMER_H, t.TIMER_M, t.TIMER_L]).toEqual([
      32000, 32000, 32000, 32000, 32000,
    ])
    expect(t.TIMER_C).toBeGreaterThan(180_000)
  })

  it('zero the absorb timers on reliable transports, WebSocket included (RFC 7118 §5)', () => {
    expect(t.transportTimers(true)).toEqual({ D: 0, I: 0, J: 0, K: 0 })
    expect(t.transportTimers(false)).toEqual({ D: 32000, I: 5000, J: 32000, K: 5000 })
    expect(['WSS', 'ws', 'TCP', 'TLS'].every(t.isReliableTransport)).toBe(true)
    expect(t.isReliableTransport('UDP')).toBe(false)
  })

  it('refresh registrations before they lapse', () => {
    expect(t.registrationRefreshDelay(60)).toBe(30_000)
    expect(t.registrationRefreshDelay(300)).toBe(240_000)
  })
})
