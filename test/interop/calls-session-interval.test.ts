/**
 * Session timers at Sprout (RFC 4028 §8.1) with real sip.js phones through the local cloud: an
 * INVITE whose Session-Expires is below Min-SE (90 s by default) and whose caller supports timers
 * is answered 422 with `Min-SE: 90`, and the callee never rings; one at Min-SE connects.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { newLine, Phone, terminated } from './calls-support'

const phones: Phone[] = []
afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.stop()))
})
async function phone(...args: Parameters<typeof Phone.start>) {
  const p = await Phone.start(...args)
  phones.push(p)
  return p
}

describe('session interval too small (RFC 4028 §8.1)', () => {
  it('answers 422 with Min-SE: 90 below Min-SE, and connects a call at Min-SE', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const [a, b] = await Promise.all([phone(la), phone(lb)])
    const short = a.call(lb.impu, { headers: ['Session-Expires: 60', 'Supported: timer'] })
    const r = await short.final
    expect(r.status).toBe(422)
    expect(r.header('Min-SE')).toBe('90')
    expect(b.incoming).toHaveLength(0)

    const ok = a.call(lb.impu, { headers: ['Session-Expires: 90', 'Supported: timer'] })
    const inc = await b.nextCall()
    expect(inc.header('Session-Expires')).toMatch(/^90\b/)
    await inc.answer()
    expect((await ok.final).status).toBe(200)
    await ok.bye()
    await terminated(inc.invitation)
  })
})
