import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ConfigError, parseCachedConfig } from './cached-config'

const schema = z.object({ N: z.coerce.number().int().min(1).optional() })

describe('parseCachedConfig', () => {
  it('builds once per raw bindings object', () => {
    let builds = 0
    const read = parseCachedConfig(schema, 'test', (d, _raw, scale: number) => {
      builds++
      return { n: (d.N ?? 2) * scale }
    })
    const raw = { N: '3' }
    const first = read(raw, 10)
    expect(first).toEqual({ n: 30 })
    expect(read(raw, 10)).toBe(first)
    expect(read({}, 10)).toEqual({ n: 20 })
    expect(builds).toBe(2)
  })

  it('names every bad setting in a ConfigError, after the precheck', () => {
    const read = parseCachedConfig(schema, 'test', (d) => d, {
      precheck: (raw) => (raw.SECRET === 'weak' ? 'SECRET is weak' : undefined),
    })
    expect(() => read({ N: '0' })).toThrow(ConfigError)
    expect(() => read({ N: '0' })).toThrow(/^invalid test configuration: N: /)
    expect(() => read({ N: '0', SECRET: 'weak' })).toThrow('SECRET is weak')
  })
})
