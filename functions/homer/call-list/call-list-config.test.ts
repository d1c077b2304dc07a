import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../shared/config/cached-config'
import { callListLimits, DEFAULT_CALL_LIST_LIMITS } from './call-list-config'

describe('call-list API limits', () => {
  it('default to no list limit, 5000 fragments per read and 10 wrong API keys per hour', () => {
    expect(callListLimits({})).toEqual(DEFAULT_CALL_LIST_LIMITS)
    expect(DEFAULT_CALL_LIST_LIMITS).toEqual({
      maxCalls: undefined,
      maxFragments: 5000,
      apiKeyFailures: 10,
    })
  })

  it('take overrides and refuse bad values, naming them', () => {
    expect(
      callListLimits({
        MEMENTO_MAX_CALLS: '50',
        MEMENTO_READ_FRAGMENTS: '200',
        HOMER_API_KEY_FAILURES: '3',
      })
    ).toEqual({ maxCalls: 50, maxFragments: 200, apiKeyFailures: 3 })
    expect(() => callListLimits({ MEMENTO_MAX_CALLS: '0' })).toThrow(ConfigError)
    expect(() => callListLimits({ MEMENTO_MAX_CALLS: 'lots' })).toThrow(/MEMENTO_MAX_CALLS/)
    expect(() => callListLimits({ HOMER_API_KEY_FAILURES: '0' })).toThrow(/HOMER_API_KEY_FAILURES/)
  })
})
