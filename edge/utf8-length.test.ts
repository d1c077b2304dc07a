/**
 * The size limit of a client's message counts UTF-8 bytes (client-inbound.ts `utf8Length`), the
 * same as encoding the text would.
 */
import { describe, expect, it } from 'vitest'
import { utf8Length } from './client-inbound'

describe('utf8Length', () => {
  it('counts what TextEncoder would produce, lone surrogates as the replacement character', () => {
    for (const s of ['', 'INVITE', 'é', '€', '😀', 'a\ud800b', '\udc00', 'x😀é€\ud83d']) {
      expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length)
    }
  })
})
