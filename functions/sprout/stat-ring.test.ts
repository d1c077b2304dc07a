import { describe, expect, it } from 'vitest'
import { createStatRing } from './stat-ring'

describe('createStatRing', () => {
  it('keeps the newest records and finds them by Call-ID and method', () => {
    const ring = createStatRing<{ callId: string; method: string; n: number }>(3)
    for (let n = 0; n < 5; n++) ring.record({ callId: `c${n % 2}`, method: 'INVITE', n })
    ring.record({ callId: 'c0', method: 'BYE', n: 5 })
    expect(ring.find({}).map((s) => s.n)).toEqual([3, 4, 5])
    expect(ring.find({ callId: 'c0' }).map((s) => s.n)).toEqual([4, 5])
    expect(ring.find({ callId: 'c0', method: 'INVITE' }).map((s) => s.n)).toEqual([4])
    expect(ring.find({ limit: 1 }).map((s) => s.n)).toEqual([5])
  })
})
