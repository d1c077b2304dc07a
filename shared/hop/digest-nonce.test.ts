import { describe, expect, it } from 'vitest'
import { deriveNonceKey, mintNonce, nonceKeyCache, openNonce } from './digest-nonce'

const alice = { impi: 'alice@example.com', impu: 'sip:alice@example.com', realm: 'example.com' }
const T = 1_796_000_000_000
const rnd = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])

describe('stateless nonces', () => {
  it('open for the subject they were minted for, with their issue time', async () => {
    const key = await deriveNonceKey('secret-1')
    const n = await mintNonce(key, alice, T, rnd)
    expect(n).toMatch(/^[A-Za-z0-9_-]{48}$/)
    expect(await openNonce(key, n, alice)).toEqual({ ok: true, issuedMs: T, forSubject: true })
  })

  it('name another IMPI or IMPU as not for the subject (issue 14 finding 2)', async () => {
    const key = await deriveNonceKey('secret-1')
    const n = await mintNonce(key, alice, T, rnd)
    expect(await openNonce(key, n, { ...alice, impu: 'sip:bob@example.com' })).toMatchObject({
      ok: true,
      forSubject: false,
    })
    expect(await openNonce(key, n, { ...alice, impi: 'bob@example.com' })).toMatchObject({
      ok: true,
      forSubject: false,
    })
  })

  it('refuse a changed character, another realm, another key and junk', async () => {
    const key = await deriveNonceKey('secret-1')
    const n = await mintNonce(key, alice, T, rnd)
    const flipped = n.slice(0, 10) + (n[10] === 'A' ? 'B' : 'A') + n.slice(11)
    expect(await openNonce(key, flipped, alice)).toEqual({ ok: false })
    expect(await openNonce(key, n, { ...alice, realm: 'other.example' })).toEqual({ ok: false })
    expect(await openNonce(await deriveNonceKey('secret-2'), n, alice)).toEqual({ ok: false })
    for (const junk of ['', 'deadbeef', 'x'.repeat(48), `${n}A`, '!'.repeat(48)])
      expect(await openNonce(key, junk, alice)).toEqual({ ok: false })
  })

  it('differ with the random part', async () => {
    const key = await deriveNonceKey('secret-1')
    const a = await mintNonce(key, alice, T, rnd)
    const b = await mintNonce(key, alice, T, new Uint8Array(8))
    expect(a).not.toBe(b)
  })

  it('come from one key per secret, cached by the holder of the cache', async () => {
    const cache = nonceKeyCache()
    const k1 = await cache('secret-1')
    expect(await cache('secret-1')).toBe(k1)
    const n = await mintNonce(k1, alice, T, rnd)
    // A key derived anew from the same secret opens it: the edge and Sprout derive it apart.
    expect(await openNonce(await deriveNonceKey('secret-1'), n, alice)).toMatchObject({ ok: true })
    expect(await cache('secret-2')).not.toBe(k1)
  })
})
