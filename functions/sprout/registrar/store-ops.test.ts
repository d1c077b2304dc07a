import { describe, expect, it } from 'vitest'
import type { MemoryVellum } from '../../../shared/vellum'
import {
  DOMAIN,
  flowToken,
  provisionLikeEllis,
  registerWithAuth,
  testSprout,
} from '../../../test/support/kits/sprout-kit'
import { aorKey, flowIndexKey } from './binding-model'

const impu = `sip:6505550003@${DOMAIN}`
const impi = `6505550003@${DOMAIN}`

/** Records the registrar's store operations (KV calls with their key, timer calls). */
function recordOps(v: MemoryVellum) {
  const ops: string[] = []
  const kv = v.kv as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>
  for (const m of ['readMap', 'mergeMap', 'get', 'set', 'del', 'incr', 'evalLocal']) {
    const orig = kv[m]!.bind(v.kv)
    kv[m] = (...a: unknown[]) => {
      const extra =
        m === 'readMap' ? `+${(a[1] as { localKeys?: string[] }).localKeys?.length}` : ''
      ops.push(`kv.${m} ${String(a[0])}${extra}`)
      return orig(...a)
    }
  }
  const timers = v.timers as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>
  for (const m of ['set', 'update', 'delete']) {
    const orig = timers[m]!.bind(v.timers)
    timers[m] = (...a: unknown[]) => {
      ops.push(`timers.${m}`)
      return orig(...a)
    }
  }
  return ops
}

/**
 * The registrar's store operations per REGISTER → 401 → REGISTER → 200 (the AoR's, the
 * failure counters', the flow index's and the timers'; Homestead's own reads are not counted
 * here). On the production KV a `readMap` is one command (`MGET`) and a `mergeMap` one
 * `SET … GET` per region (shared/vellum/record-map.test.ts).
 */
describe('registrar store operations per registration', () => {
  it('a steady-state re-registration: one read with the counters, one write, no timer', async () => {
    const t = testSprout()
    await provisionLikeEllis(t.dime, impu, { password: 'pw' })
    const ops = recordOps(t.vellum)
    const token = flowToken(31)
    const contacts = ['<sip:so@h.invalid;transport=ws>;+sip.instance="<urn:uuid:so>";reg-id=1']
    const mine = () => ops.filter((o) => !o.startsWith('kv.') || /aor:|authfail|regflow/.test(o))

    const reg = (callId: string, cseq: number) =>
      registerWithAuth(t, { impu, impi, password: 'pw' }, { token, callId, cseq, contacts })
    expect((await reg('so-1', 1)).status).toBe(200)
    // The first registration: the read, the write, the binding's timer, the flow index.
    expect(mine()[0]).toBe(`kv.readMap ${aorKey(impu)}+3`)
    expect(mine().slice(1).sort()).toEqual([
      `kv.mergeMap ${aorKey(impu)}`,
      `kv.set ${flowIndexKey(token)}`,
      'timers.update',
    ])
    for (let i = 0; i < 3; i++) {
      ops.length = 0
      t.clock.advance(60_000)
      expect((await reg(`so-${i + 2}`, 1)).status).toBe(200)
      expect(mine()).toEqual([`kv.readMap ${aorKey(impu)}+3`, `kv.mergeMap ${aorKey(impu)}`])
    }
    const b = (await (
      await t.request('GET', `/impu/${encodeURIComponent(impu)}/bindings`)
    ).json()) as { bindings: Record<string, { expires: number }> }
    expect(Object.values(b.bindings)[0]?.expires).toBe(Math.round(t.clock.now() / 1000) + 300)
  })

  it('a wrong password writes the failure counters; the challenge touches nothing', async () => {
    const t = testSprout()
    await provisionLikeEllis(t.dime, impu, { password: 'pw' })
    const ops = recordOps(t.vellum)
    const r = await registerWithAuth(
      t,
      { impu, impi, password: 'wrong' },
      { token: flowToken(32), callId: 'so-bad', cseq: 1, contacts: ['<sip:x@h.invalid>'] }
    )
    expect(r.status).toBe(403)
    await t.deps().defer(async () => undefined)
    const mine = ops.filter((o) => /aor:|authfail|regflow|timers/.test(o))
    expect(mine[0]).toBe(`kv.readMap ${aorKey(impu)}+3`)
    expect(mine.filter((o) => o.startsWith('kv.incr')).sort()).toEqual([
      `kv.incr authfail:impi:${impi}`,
      expect.stringMatching(/^kv\.incr authfail:pair:/),
      expect.stringMatching(/^kv\.incr authfail:src:/),
    ])
    expect(mine.filter((o) => /mergeMap|timers/.test(o))).toEqual([])
  })
})
