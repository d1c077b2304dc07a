import { describe, expect, it } from 'vitest'
import { withTimeout } from './kv-dual'

describe('withTimeout', () => {
  it('settles as the promise does, or rejects once the time has passed first', async () => {
    expect(await withTimeout(Promise.resolve(7), 1_000, 'x')).toBe(7)
    await expect(withTimeout(Promise.reject(new Error('no')), 1_000, 'x')).rejects.toThrow('no')
    const never = new Promise<number>(() => undefined)
    await expect(withTimeout(never, 5, 'local KV get')).rejects.toThrow(
      'local KV get timed out after 5 ms'
    )
  })
})
