import { describe, expect, it } from 'vitest'
import { acceptedUse, judgeNonceUse, precheckNonceUse } from './nonce-uses'

const T = 1_796_000_000_000

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
