import { describe, expect, it } from 'vitest'
import { DEFAULT_WORKERD_V8_FLAGS, settingsFromEnv } from './contract'

describe('local cloud settings: workerd V8 flags', () => {
  it('default to a single-threaded garbage collector', () => {
    expect(settingsFromEnv({}).workerdV8Flags).toEqual(DEFAULT_WORKERD_V8_FLAGS)
    expect(DEFAULT_WORKERD_V8_FLAGS).toContain('--single-threaded-gc')
  })

  it('take a space-separated list, and an empty one for none', () => {
    expect(
      settingsFromEnv({ LOCAL_WORKERD_V8_FLAGS: ' --trace-gc  --max-old-space-size=512 ' })
        .workerdV8Flags
    ).toEqual(['--trace-gc', '--max-old-space-size=512'])
    expect(settingsFromEnv({ LOCAL_WORKERD_V8_FLAGS: '' }).workerdV8Flags).toEqual([])
  })

  it('refuse a word that is not a flag, naming it', () => {
    expect(() => settingsFromEnv({ LOCAL_WORKERD_V8_FLAGS: '--trace-gc single' })).toThrow(
      /"single"/
    )
  })
})
