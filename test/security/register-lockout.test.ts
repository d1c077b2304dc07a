/**
 * Issue 14 finding 11 (SIP half): failed REGISTER authentications are limited per client source,
 * so nobody can lock a subscriber out of registration by answering its challenges badly. An
 * attacker connected from one address sends wrong answers for the victim's private identity
 * until Sprout refuses it; the victim, connected from another address, still registers, and the
 * attacker stays refused from its own address even over a new connection. Drives the real
 * local cloud over WebSocket SIP; each connection carries its client address as Cloudflare
 * gives it to the edge (`CF-Connecting-IP`).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { bindingsOf, subscriber } from '../integration/registrar-helpers'
import {
  answerAs,
  headerOf,
  register,
  registerSelf,
  SourceSocket,
  statusOf,
  testAddress,
} from './register-helpers'

const ATTACKER = `198.51.100.${1 + Math.floor(Math.random() * 254)}`

const sockets: SourceSocket[] = []
afterEach(() => {
  for (const s of sockets.splice(0)) s.close()
})
async function socket(from: string) {
  const s = await SourceSocket.open(from)
  sockets.push(s)
  return s
}

describe('REGISTER failure limits are per source (finding 11)', () => {
  it("an attacker's bad answers do not stop the victim registering from elsewhere", async () => {
    const victim = await subscriber('lockout')
    const attacker = await socket(ATTACKER)
    const callId = `bad-${Date.now()}`
    const statuses: number[] = []
    let lastRefusal = ''
    // More bad answers than any per-identity limit would allow.
    for (let i = 0; i < 8; i++) {
      const ch = await attacker.request(
        register({ to: victim.impu, callId, cseq: 2 * i + 1, contact: '<sip:a@attack.invalid>' })
      )
      if (statusOf(ch) !== 401) {
        statuses.push(statusOf(ch))
        lastRefusal = ch
        continue
      }
      const res = await attacker.request(
        register({
          to: victim.impu,
          callId,
          cseq: 2 * i + 2,
          contact: '<sip:a@attack.invalid>',
          authorization: answerAs(ch, victim, 'not-the-password'),
        })
      )
      statuses.push(statusOf(res))
      lastRefusal = res
    }
    expect(statuses.every((s) => s === 403)).toBe(true)
    // By the end the attacker's source is throttled: refused with a Retry-After.
    expect(Number(headerOf(lastRefusal, 'Retry-After'))).toBeGreaterThan(0)

    // The victim, from its own address, is unaffected.
    const contact = '<sip:v@victim.invalid;transport=ws>'
    const ok = await registerSelf(await socket(testAddress()), victim, {
      callId: `v-${Date.now()}`,
      cseq: 1,
      contact,
    })
    expect(statusOf(ok)).toBe(200)
    const bindings = Object.values(await bindingsOf(victim.impu))
    expect(bindings.map((b) => b.uri)).toEqual(['sip:v@victim.invalid;transport=ws'])

    // A new connection from the attacker's address is still refused, even with a right answer
    // (what a guess that happened to be right would look like).
    const again = await socket(ATTACKER)
    const ch = await again.request(
      register({
        to: victim.impu,
        callId: `bad2-${Date.now()}`,
        cseq: 1,
        contact: '<sip:a@x.invalid>',
      })
    )
    const refused =
      statusOf(ch) === 401
        ? await again.request(
            register({
              to: victim.impu,
              callId: `bad2-${Date.now()}`,
              cseq: 2,
              contact: '<sip:a@x.invalid>',
              authorization: answerAs(ch, victim),
            })
          )
        : ch
    expect(statusOf(refused)).toBe(403)
    expect(Number(headerOf(refused, 'Retry-After'))).toBeGreaterThan(0)
    expect(Object.values(await bindingsOf(victim.impu)).map((b) => b.uri)).toEqual([
      'sip:v@victim.invalid;transport=ws',
    ])
  })
})
