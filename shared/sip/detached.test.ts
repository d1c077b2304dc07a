import { describe, expect, it } from 'vitest'
import { detached } from './detached'

describe('detached', () => {
  it('is the same text as the value it copies', () => {
    const text = `INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: a84b4c76e66710@pc33.example.com\r\n${'X'.repeat(2000)}`
    const callId = text.slice(text.indexOf('Call-ID: ') + 9, text.indexOf('\r\n', 40))
    expect(detached(callId)).toBe('a84b4c76e66710@pc33.example.com')
    expect(detached('')).toBe('')
    expect(detached('é✓')).toBe('é✓')
  })
})
