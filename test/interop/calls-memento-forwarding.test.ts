/**
 * Live test 85, "Memento - Busy Call Forwarding" (clearwater-interfaces §8, §10), with real sip.js
 * phones through the local cloud: three lines whose iFCs invoke the built-in Memento before MMTEL,
 * B forwarding on busy to C. A calls B, B answers 486, MMTEL diverts (181) and C answers. Each list
 * records the call: A's as an answered outgoing call, B's as an unanswered incoming one, C's as an
 * answered incoming one from A.
 */
import { describe, expect, it } from 'vitest'
import { established, newLine, terminated, until } from './calls-support'
import { listOf, mementoIfcs } from './memento-support'
import { phonesForEachTest } from './phone-pool'

const NS =
  'xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap" xmlns:cp="urn:ietf:params:xml:ns:common-policy"'
const forwardOnBusy = (target: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><simservs ${NS}><communication-diversion active="true"><cp:ruleset><cp:rule id="busy"><cp:conditions><busy/></cp:conditions><cp:actions><forward-to><target>${target}</target></forward-to></cp:actions></cp:rule></cp:ruleset></communication-diversion></simservs>`

const phone = phonesForEachTest()

describe('Memento and call forwarding (test 85)', () => {
  it('85: a call diverted on busy is in the caller’s, the busy callee’s and the target’s lists', async () => {
    const lc = await newLine({ ifcs: mementoIfcs() })
    const [la, lb] = await Promise.all([
      newLine({ ifcs: mementoIfcs() }),
      newLine({ ifcs: mementoIfcs(), simservs: forwardOnBusy(lc.impu) }),
    ])
    const [a, b, c] = await Promise.all([phone(la), phone(lb), phone(lc)])
    const call = a.call(lb.impu)
    await (await b.nextCall()).reject(486)
    const inc = await c.nextCall()
    await inc.ring()
    await until(() => call.statuses().includes(180), 10_000, "the target's 180 at the caller")
    await inc.answer()
    expect((await call.final).status).toBe(200)
    expect(call.statuses()).toContain(181)
    await established(call.inviter)
    await call.bye()
    await terminated(call.inviter)

    const ended = (calls: Array<{ 'end-time'?: string }>) => calls[0]?.['end-time'] !== undefined
    const [mine] = await listOf(la, ended)
    expect(mine).toMatchObject({
      from: { URI: la.impu },
      to: { URI: lb.impu },
      answered: '1',
      outgoing: '1',
    })
    const busy = await listOf(lb)
    expect(busy).toHaveLength(1)
    expect(busy[0]).toMatchObject({ from: { URI: la.impu }, answered: '0', outgoing: '0' })
    expect(busy[0]!['answer-time']).toBeUndefined()
    const [target] = await listOf(lc, ended)
    expect(target).toMatchObject({ from: { URI: la.impu }, answered: '1', outgoing: '0' })
    expect(target!['answer-time']! >= target!['start-time']).toBe(true)
  })
})
