import { describe, expect, it, vi } from 'vitest'
import { createLogger } from '../log/logger'
import { MemoryRegionalKv, Unavailable } from '../vellum'
import {
  type ApiKeyGuardDeps,
  apiKeyFailureKey,
  judgeApiKey,
  keysEqual,
  MAX_REFUSED_KEY_SOURCES,
} from './api-key-guard'

const KEY = 'the-deployment-api-key-0123456789'

function guard(failures = 2) {
  let t = Date.UTC(2026, 0, 1)
  const clock = { now: () => t }
  const deps: ApiKeyGuardDeps = {
    kv: new MemoryRegionalKv(clock),
    clock,
    log: createLogger({ component: 'api-key-guard-test' }, { level: 'error' }),
    limits: { failures, windowS: 3600 },
    refused: new Map(),
    apiKey: KEY,
  }
  return { deps, advance: (ms: number) => (t += ms) }
}

describe('the shared NGV-API-Key guard', () => {
  it('compares keys whatever their length', async () => {
    expect(await keysEqual(KEY, KEY)).toBe(true)
    expect(await keysEqual(KEY, `${KEY}x`)).toBe(false)
    expect(await keysEqual('', KEY)).toBe(false)
  })

  it('counts wrong keys per source and refuses the source from the budget on, right key too', async () => {
    const g = guard(2)
    expect(await judgeApiKey(g.deps, '203.0.113.1', 'a')).toEqual({ kind: 'wrong', failures: 1 })
    expect(await judgeApiKey(g.deps, '203.0.113.1', 'b')).toEqual({ kind: 'wrong', failures: 2 })
    expect(await judgeApiKey(g.deps, '203.0.113.1', KEY)).toEqual({
      kind: 'refused',
      retryAfterS: 3600,
    })
    expect(await judgeApiKey(g.deps, '198.51.100.1', KEY)).toEqual({ kind: 'right' })
    g.advance(1800 * 1000)
    expect(await judgeApiKey(g.deps, '203.0.113.1', KEY)).toEqual({
      kind: 'refused',
      retryAfterS: 1800,
    })
    g.advance(1800 * 1000)
    expect(await judgeApiKey(g.deps, '203.0.113.1', KEY)).toEqual({ kind: 'right' })
  })

  it('learns of a budget spent elsewhere at the next wrong key', async () => {
    const g = guard(2)
    await g.deps.kv.incr(apiKeyFailureKey('203.0.113.2'), { ttlSeconds: 3600 })
    await g.deps.kv.incr(apiKeyFailureKey('203.0.113.2'), { ttlSeconds: 3600 })
    expect(await judgeApiKey(g.deps, '203.0.113.2', 'c')).toEqual({
      kind: 'refused',
      retryAfterS: 3600,
    })
  })

  it('forgets the oldest refused source at its bound', async () => {
    const g = guard(1)
    for (let i = 0; i < MAX_REFUSED_KEY_SOURCES; i++) g.deps.refused.set(`s${i}`, Infinity)
    await judgeApiKey(g.deps, 'newest', 'wrong')
    expect(g.deps.refused.size).toBe(MAX_REFUSED_KEY_SOURCES)
    expect(g.deps.refused.has('s0')).toBe(false)
    expect(g.deps.refused.has('newest')).toBe(true)
  })

  it('with the KV down a wrong key is still wrong and nothing is refused', async () => {
    const g = guard(1)
    vi.spyOn(g.deps.kv, 'incr').mockRejectedValue(new Unavailable('down', 'kv'))
    for (let i = 0; i < 3; i++)
      expect(await judgeApiKey(g.deps, '203.0.113.3', 'x')).toEqual({ kind: 'wrong', failures: 0 })
    expect(await judgeApiKey(g.deps, '203.0.113.3', KEY)).toEqual({ kind: 'right' })
  })
})
