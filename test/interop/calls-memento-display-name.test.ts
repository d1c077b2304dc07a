/**
 * Live test 79, "Memento - Basic Call" (clearwater-interfaces §8, §10), the part about names: a
 * caller whose From carries a display name is listed under that name in the callee's call list
 * (and in its own, as the `from` party), with real sip.js phones through the local cloud.
 */
import { Inviter, SessionState, UserAgent } from 'sip.js'
import { describe, expect, it } from 'vitest'
import { newLine, until } from './calls-support'
import { listOf, mementoIfcs } from './memento-support'
import { phonesForEachTest } from './phone-pool'

const phone = phonesForEachTest()

describe('Memento and display names (test 79)', () => {
  it("79: the callee's list shows the caller's display name", async () => {
    const [la, lb] = await Promise.all([
      newLine({ ifcs: mementoIfcs() }),
      newLine({ ifcs: mementoIfcs() }),
    ])
    const [a, b] = await Promise.all([phone(la), phone(lb)])
    const target = UserAgent.makeURI(lb.impu)
    if (!target) throw new Error('bad target')
    const inviter = new Inviter(a.ua, target, { params: { fromDisplayName: 'Alice Example' } })
    void inviter.invite().catch(() => undefined)
    const inc = await b.nextCall()
    expect(inc.header('From')).toMatch(/^"Alice Example" </)
    await inc.answer()
    await until(() => inviter.state === SessionState.Established, 10_000, 'established')
    await inviter.bye()
    await until(() => inviter.state === SessionState.Terminated, 10_000, 'terminated')

    const ended = (calls: Array<{ 'end-time'?: string }>) => calls[0]?.['end-time'] !== undefined
    const [theirs] = await listOf(lb, ended)
    expect(theirs).toMatchObject({
      from: { URI: la.impu, name: 'Alice Example' },
      to: { URI: lb.impu },
      answered: '1',
      outgoing: '0',
    })
    const [mine] = await listOf(la, ended)
    expect(mine!.from).toMatchObject({ URI: la.impu, name: 'Alice Example' })
  })
})
