import { describe, expect, it } from 'vitest'
import type { SipResponse } from '../../../shared/sip'
import {
  answer401,
  DOMAIN,
  edgeRegister,
  flowToken,
  provisionLikeEllis,
  testSprout,
} from '../../../test/support/kits/sprout-kit'
import { findTransactions } from '../transaction-stats'

const impu = `sip:6505550002@${DOMAIN}`
const impi = `6505550002@${DOMAIN}`

/**
 * Architecture §8: a re-REGISTER costs at most two sequential store round trips, an initial
 * authenticated registration at most two per transaction, and a challenge none at all (a
 * stateless nonce, auth/nonce.ts). Counted by Vellum's round-trip counters (the in-memory
 * adapters count like the production ones; they have no second region, so the remote read that
 * an AoR's first registration makes on the real KV does not show here).
 */
describe('store round trips per REGISTER transaction', () => {
  it('stay within two sequential round trips, reads in parallel', async () => {
    const t = testSprout()
    await provisionLikeEllis(t.dime, impu, { password: 'pw' })
    const token = flowToken(1)
    const contacts = ['<sip:rt@h.invalid;transport=ws>;+sip.instance="<urn:uuid:rt>";reg-id=1']
    const send = async (text: string) => {
      const before = t.toFlow(token).length
      await t.post(text)
      return t
        .toFlow(token)
        .slice(before)
        .find((p) => p.msg.kind === 'response')!.msg as SipResponse
    }
    const depth = (callId: string, cseq: number) =>
      findTransactions({ callId }).find((x) => x.cseq === cseq)!

    const ch = await send(edgeRegister({ impu, token, callId: 'rt-1', cseq: 1, contacts }))
    expect(ch.status).toBe(401)
    const initial = await send(
      edgeRegister({
        impu,
        token,
        callId: 'rt-1',
        cseq: 2,
        contacts,
        authorization: answer401(ch, { impi, password: 'pw' }),
      })
    )
    expect(initial.status).toBe(200)
    // A refresh that reuses the nonce with the next count (RFC 7616 §3.4).
    const refresh = await send(
      edgeRegister({
        impu,
        token,
        callId: 'rt-1',
        cseq: 3,
        contacts,
        authorization: answer401(ch, { impi, password: 'pw', nc: 2 }),
      })
    )
    expect(refresh.status).toBe(200)
    // A refresh with the old count (what sip.js sends) is re-challenged.
    const stale = await send(
      edgeRegister({
        impu,
        token,
        callId: 'rt-1',
        cseq: 4,
        contacts,
        authorization: answer401(ch, { impi, password: 'pw', nc: 2 }),
      })
    )
    expect(stale.status).toBe(401)

    const figures = [depth('rt-1', 1), depth('rt-1', 2), depth('rt-1', 3), depth('rt-1', 4)]
    for (const f of figures) expect(f.depth).toBeLessThanOrEqual(2)
    // The challenge: no store call (nor HSS lookup, nor timer).
    expect(figures[0]!.calls).toBe(0)
    // The AoR read (holding the nonce's last count) and the failure counters share the first
    // level of the authenticated REGISTERs; the writes, the second.
    expect(figures[1]!.depth).toBe(2)
    expect(figures[2]!.depth).toBe(2)
    console.log(
      'REGISTER transactions (status, sequential depth, calls):',
      figures.map((f) => `${f.cseq}:${f.status}/${f.depth}/${f.calls}`).join(' ')
    )
  })
})
