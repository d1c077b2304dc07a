import { describe, expect, it } from 'vitest'
import { mintNonce, nonceKey, openNonce } from './nonce'
import { acceptedUse, judgeNonceUse, precheckNonceUse } from './nonce-uses'

const alice = { impi: 'alice@example.com', impu: 'sip:alice@example.com', realm: 'example.com' }
const T = 1_796_000_000_000
const rnd = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])

describe('stateless nonces', () => {
  it('open for the subject they were minted for, with their issue time', async () => {
    const key = await nonceKey('secret-1')
    const n = await mintNonce(key, alice, T, rnd)
    expect(n).toMatch(/^[A-Za-z0-9_-]{48}$/)
    expect(await openNonce(key, n, alice)).toEqual({ ok: true, issuedMs: T, forSubject: true })
  })

  it('name another IMPI or IMPU as not for the subject (issue 14 finding 2)', async () => {
    const key = await nonceKey('secret-1')
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
    const key = await nonceKey('secret-1')
    const n = await mintNonce(key, alice, T, rnd)
    const flipped = n.slice(0, 10) + (n[10] === 'A' ? 'B' : 'A') + n.slice(11)
    expect(await openNonce(key, flipped, alice)).toEqual({ ok: false })
    expect(await openNonce(key, n, { ...alice, realm: 'other.example' })).toEqual({ ok: false })
    expect(await openNonce(await nonceKey('secret-2'), n, alice)).toEqual({ ok: false })
    for (const junk of ['', 'deadbeef', 'x'.repeat(48), `${n}A`, '!'.repeat(48)])
      expect(await openNonce(key, junk, alice)).toEqual({ ok: false })
  })

  it('differ with the random part', async () => {
    const key = await nonceKey('secret-1')
    const a = await mintNonce(key, alice, T, rnd)
    const b = await mintNonce(key, alice, T, new Uint8Array(8))
    expect(a).not.toBe(b)
  })
})

describe('nonce uses (RFC 7616 §3.4)', () => {
  const life = 40_000
  const judge = (
    nonce: string,
    issuedMs: number,
    nc: number,
    stored?: ReturnType<typeof acceptedUse>
  ) => judgeNonceUse({ nonce, issuedMs, nc, stored, nowMs: T + 10_000, lifeMs: life })

  it('accepts a fresh nonce, refuses its replay, accepts its next count', () => {
    expect(judge('n1', T, 1)).toEqual({ ok: true })
    const used = acceptedUse('n1', T, 1, T / 1000 + 300)
    expect(judge('n1', T, 1, used)).toEqual({ ok: false, why: 'replay' })
    expect(judge('n1', T, 2, used)).toEqual({ ok: true })
  })

  it('refuses a nonce issued before the last accepted one, not one issued with it', () => {
    const used = acceptedUse('n2', T, 1, T / 1000 + 300)
    expect(judge('n1', T - 1, 1, used)).toEqual({ ok: false, why: 'superseded' })
    expect(judge('n3', T, 1, used)).toEqual({ ok: true })
  })

  it('lets only an answered nonce outlive its challenge life', () => {
    const old = T - 60_000
    expect(judge('n1', old, 1)).toEqual({ ok: false, why: 'expired' })
    expect(judge('n1', old, 2, acceptedUse('n1', old, 1, T / 1000 + 300))).toEqual({ ok: true })
  })

  it('answers without I/O what no record could make valid', () => {
    const pre = (issuedMs: number, nc: number) =>
      precheckNonceUse({ issuedMs, nc, nowMs: T, lifeMs: life })
    expect(pre(T - 60_000, 1)).toEqual({ ok: false, why: 'expired' })
    expect(pre(T - 60_000, 2)).toEqual({ ok: true })
    expect(pre(T, 0)).toEqual({ ok: false, why: 'count' })
    expect(pre(T, 1024)).toEqual({ ok: false, why: 'count' })
    expect(pre(T + 60_000, 1)).toEqual({ ok: false, why: 'expired' })
  })
})
