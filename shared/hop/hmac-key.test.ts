import { describe, expect, it } from 'vitest'
import { hmacSha256, hmacSha256Key } from './hmac-key'

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')

describe('hmacSha256', () => {
  it('matches RFC 4231 test case 2 (key "Jefe")', async () => {
    expect(hex(await hmacSha256('Jefe', 'what do ya want for nothing?'))).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'
    )
  })

  it('imports a key material once and keeps different materials apart', async () => {
    expect(hmacSha256Key('one')).toBe(hmacSha256Key('one'))
    expect(hmacSha256Key('one')).not.toBe(hmacSha256Key('two'))
    expect(hex(await hmacSha256('one', 'x'))).not.toBe(hex(await hmacSha256('two', 'x')))
  })
})
