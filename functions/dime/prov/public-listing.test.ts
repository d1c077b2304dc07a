import { describe, expect, it } from 'vitest'
import type { SubscriberStore } from '../../../shared/homestead/subscriber-store'
import { chunkRange, listingStream, parseListingQuery } from './public-listing'

describe('listing chunks', () => {
  it.each([1, 2, 3, 7, 16, 256, 1000])(
    '%i chunks tile the whole ring without gaps or overlap',
    (n) => {
      let expected = 0
      for (let m = 0; m < n; m++) {
        const [start, end] = chunkRange(m, n)
        expect(start).toBe(expected)
        expect(end).toBeGreaterThanOrEqual(start)
        expected = end
      }
      expect(expected).toBe(2 ** 32)
    }
  )

  it('reads the query like Homestead-prov, naming a bad parameter', () => {
    expect(parseListingQuery({})).toEqual({ ok: true, value: { chunks: 256, excludeUuids: false } })
    expect(
      parseListingQuery({ 'chunk-proportion': '4', chunk: '3', excludeuuids: 'true' })
    ).toEqual({
      ok: true,
      value: { chunks: 4, chunk: 3, excludeUuids: true },
    })
    for (const [q, field] of [
      [{ 'chunk-proportion': 'x' }, 'chunk-proportion'],
      [{ 'chunk-proportion': '4', chunk: '4' }, 'chunk'],
      [{ chunk: '-1' }, 'chunk'],
      [{ excludeuuids: 'yes' }, 'excludeuuids'],
    ] as const) {
      const r = parseListingQuery(q)
      expect(r.ok).toBe(false)
      if (!r.ok) expect(r.reason.startsWith(`${field}:`)).toBe(true)
    }
  })

  it('streams a listing of as many chunks as the ring has, one chunk at a time', async () => {
    const ranges: string[] = []
    const store = {
      listingRange: async (_p: number, from: string, to: string) => {
        ranges.push(`${from}-${to}`)
        return []
      },
    } as unknown as SubscriberStore
    const errors: unknown[] = []
    const stream = listingStream(
      store,
      { chunks: 2 ** 32, excludeUuids: true, pauseMs: 0 },
      async () => {},
      (e) => errors.push(e)
    )
    const reader = stream.getReader()
    const first = await reader.read()
    expect(new TextDecoder().decode(first.value)).toBe('{"public_ids": [')
    await reader.read()
    await reader.cancel()
    expect(ranges[0]).toBe('00000000-00000000')
  })
})
