import { describe, expect, it } from 'vitest'
import { chunkRange, parseListingQuery } from './public-listing'

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
})
