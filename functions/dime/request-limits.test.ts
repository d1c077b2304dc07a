/**
 * Unit tests of Dime's request limits: path segments and query values (percent-decoded, the CDR
 * cursor excepted) against the identity limit, the body against the body limit, and the
 * settings' defaults and bounds.
 */
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../shared/config/function-env'
import {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_IDENTITY_BYTES,
  overLimit,
  requestLimits,
} from './request-limits'

const limits = { maxIdentityBytes: 16, maxBodyBytes: 100 }
const at = (path: string) => new URL(path, 'http://dime.internal')

describe('overLimit', () => {
  it('passes identities, query values and bodies within the limits', () => {
    expect(overLimit(at('/impi/a%40b.com/av?impu=sip%3Aa%40b.com'), 100, limits)).toBeUndefined()
  })

  it('measures decoded UTF-8 bytes of each path segment', () => {
    // 6 × "é" is 12 bytes decoded (fits); 9 × "é" is 18 bytes (does not), whatever the escaping.
    expect(
      overLimit(at(`/private/${encodeURIComponent('é'.repeat(6))}`), 0, limits)
    ).toBeUndefined()
    expect(overLimit(at(`/private/${encodeURIComponent('é'.repeat(9))}`), 0, limits)).toMatchObject(
      {
        status: 400,
        reason: expect.stringMatching(/^path segment "é+": longer than 16 bytes/),
      }
    )
  })

  it('names a query parameter over the limit, but leaves the opaque cursor alone', () => {
    expect(overLimit(at(`/cdrs?impu=${'x'.repeat(17)}`), 0, limits)).toEqual({
      status: 400,
      reason: 'impu: longer than 16 bytes',
    })
    expect(overLimit(at(`/cdrs?call-id=c&cursor=${'x'.repeat(500)}`), 0, limits)).toBeUndefined()
  })

  it('keeps a malformed escape as it is', () => {
    expect(overLimit(at('/private/%E0%A4%A'), 0, limits)).toBeUndefined()
  })

  it('answers 413 for a body over the limit', () => {
    expect(overLimit(at('/private/a'), 101, limits)).toEqual({
      status: 413,
      reason: '(body): larger than 100 bytes',
    })
  })
})

describe('requestLimits', () => {
  it('defaults to 512-byte identities and 64 KiB bodies, and takes the bindings', () => {
    expect(requestLimits({})).toEqual({
      maxIdentityBytes: DEFAULT_MAX_IDENTITY_BYTES,
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    })
    expect(DEFAULT_MAX_IDENTITY_BYTES).toBe(512)
    expect(DEFAULT_MAX_BODY_BYTES).toBe(65_536)
    expect(requestLimits({ DIME_MAX_IDENTITY_BYTES: '256', DIME_MAX_BODY_BYTES: '4096' })).toEqual({
      maxIdentityBytes: 256,
      maxBodyBytes: 4096,
    })
  })

  it('refuses an identity limit the table keys cannot hold', () => {
    expect(() => requestLimits({ DIME_MAX_IDENTITY_BYTES: '5000' })).toThrow(ConfigError)
  })
})
