import { describe, expect, it } from 'vitest'
import { EdgeConfigError, edgeConfig, homeRegionFor } from './edge-config'
import type { EdgeEnv } from './env'

const urls = (r: string) =>
  Object.fromEntries(
    ['sprout', 'dime', 'homer', 'ellis', 'timers'].map((f) => [f, `https://${f}-${r}.example.net`])
  )

const env = (over: Partial<EdgeEnv> = {}): EdgeEnv =>
  ({
    EDGEWATER_ENV: 'local',
    HOME_REGION: 'a',
    HOME_DOMAIN: 'example.com',
    FUNCTION_URLS: JSON.stringify({ a: urls('a'), b: urls('b') }),
    HOP_SECRET: 'dev-hop-secret-change-me-in-production',
    FLOW_TOKEN_SECRET: 'dev-flow-token-secret-change-me-in-production',
    FLOW: {},
    TIMERS: {},
    ...over,
  }) as unknown as EdgeEnv

describe('edgeConfig', () => {
  it('applies the documented defaults', () => {
    const c = edgeConfig(env())
    expect(c.homeRegion).toBe('a')
    expect(c.functionUrls.b.sprout).toBe('https://sprout-b.example.net')
    expect(c.maxMessageBytes).toBe(65_536)
    expect(c.identityGraceMs).toBe(30_000)
    expect(c.regionByContinent).toEqual({})
  })

  it('names every bad setting', () => {
    expect(() => edgeConfig(env({ HOME_REGION: 'c' }))).toThrow(EdgeConfigError)
    expect(() => edgeConfig(env({ HOME_REGION: 'c' }))).toThrow(/HOME_REGION must be a or b/)
    expect(() => edgeConfig(env({ MAX_MESSAGE_BYTES: '-1' }))).toThrow(
      /MAX_MESSAGE_BYTES must be a positive number, got "-1"/
    )
    expect(() => edgeConfig(env({ FUNCTION_URLS: '{"a":{}}' }))).toThrow(/FUNCTION_URLS/)
    expect(() => edgeConfig(env({ REGION_BY_CONTINENT: '{"EU":"c"}' }))).toThrow(
      /REGION_BY_CONTINENT/
    )
    expect(() => edgeConfig(env({ REGION_BY_COLO: '{"fra":"a"}' }))).toThrow(
      /REGION_BY_COLO\.fra: Invalid key/
    )
  })

  it('refuses dev secrets outside the local cloud', () => {
    expect(() => edgeConfig(env({ EDGEWATER_ENV: undefined }))).toThrow(
      /HOP_SECRET is a development default/
    )
  })
})

describe('homeRegionFor', () => {
  const cfg = edgeConfig(
    env({
      REGION_BY_CONTINENT: '{"EU":"a","NA":"b"}',
      REGION_BY_COLO: '{"LHR":"b"}',
      HOME_REGION: 'a',
    })
  )
  it('picks the region of the client’s data centre, then its continent, then HOME_REGION', () => {
    expect(homeRegionFor(cfg, { colo: 'LHR', continent: 'EU' })).toBe('b')
    expect(homeRegionFor(cfg, { colo: 'FRA', continent: 'EU' })).toBe('a')
    expect(homeRegionFor(cfg, { colo: 'ORD', continent: 'NA' })).toBe('b')
    expect(homeRegionFor(cfg, { continent: 'AS' })).toBe('a')
    expect(homeRegionFor(cfg, undefined)).toBe('a')
  })
})
