import { describe, expect, it } from 'vitest'
import { parseSproutConfig } from '../sprout-config'

describe('Memento settings in Sprout', () => {
  it('default to a one-week TTL, the memento.<domain> host and no notifications', () => {
    const s = parseSproutConfig({})
    expect(s.MEMENTO_TTL_S).toBe(604_800)
    expect(s.MEMENTO_NOTIFY_URL).toBeUndefined()
    expect(s.MEMENTO_HOST).toBeUndefined()
  })

  it('take overrides and refuse bad values, naming them', () => {
    const s = parseSproutConfig({
      MEMENTO_TTL_S: '86400',
      MEMENTO_NOTIFY_URL: 'https://n.example.net/',
      MEMENTO_HOST: 'calls.example.net',
    })
    expect([s.MEMENTO_TTL_S, s.MEMENTO_NOTIFY_URL, s.MEMENTO_HOST]).toEqual([
      86_400,
      'https://n.example.net/',
      'calls.example.net',
    ])
    expect(() => parseSproutConfig({ MEMENTO_TTL_S: '5' })).toThrow(/MEMENTO_TTL_S/)
    expect(() => parseSproutConfig({ MEMENTO_NOTIFY_URL: 'not a url' })).toThrow(
      /MEMENTO_NOTIFY_URL/
    )
  })
})
