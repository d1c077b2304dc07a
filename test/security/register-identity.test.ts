/**
 * Issue 14 finding 2: REGISTER authentication is bound to the identity in To. Subscriber X asks
 * for a challenge for its own AoR and answers it, with its own password, inside a REGISTER whose
 * To is the victim's AoR: a fetch (no Contact) must not reveal the victim's Contacts, and
 * `Contact: *` must not remove the victim's bindings. Both are refused with 403, and the
 * victim's bindings are exactly as they were. Drives the real local cloud over WebSocket SIP.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { bindingsOf, type Subscriber, subscriber } from '../integration/registrar-helpers'
import {
  answerAs,
  headerOf,
  register,
  registerSelf,
  SourceSocket,
  statusOf,
} from './register-helpers'

const sockets: SourceSocket[] = []
afterEach(() => {
  for (const s of sockets.splice(0)) s.close()
})
async function socket() {
  const s = await SourceSocket.open()
  sockets.push(s)
  return s
}

/** The victim, registered from its own connection with an instance id. */
async function registeredVictim(): Promise<{ victim: Subscriber; instance: string }> {
  const victim = await subscriber('victim')
  const instance = `urn:uuid:${crypto.randomUUID()}`
  const ok = await registerSelf(await socket(), victim, {
    callId: `victim-${Date.now()}`,
    cseq: 1,
    contact: `<sip:victim@victim.invalid;transport=ws;ob>;+sip.instance="<${instance}>";reg-id=1`,
  })
  expect(statusOf(ok)).toBe(200)
  return { victim, instance }
}

/** X's own challenge (To = X), then a REGISTER to the victim's AoR answered with X's password. */
async function crossAnswer(
  attacker: Subscriber,
  victimImpu: string,
  o: { contact?: string; expires?: number }
): Promise<string> {
  const ws = await socket()
  const callId = `x-${Date.now()}-${Math.random().toString(36).slice(2)}`
  const ch = await ws.request(
    register({ to: attacker.impu, callId, cseq: 1, contact: '<sip:x@attack.invalid>' })
  )
  expect(statusOf(ch)).toBe(401)
  return ws.request(
    register({ to: victimImpu, callId, cseq: 2, ...o, authorization: answerAs(ch, attacker) })
  )
}

describe('REGISTER credentials are bound to the To identity (finding 2)', () => {
  it("refuses X's credentials in a fetch of the victim's bindings, revealing nothing", async () => {
    const { victim, instance } = await registeredVictim()
    const attacker = await subscriber('xfetch')
    const before = await bindingsOf(victim.impu)

    const res = await crossAnswer(attacker, victim.impu, {})

    expect(statusOf(res)).toBe(403)
    expect(res).not.toContain('victim.invalid')
    expect(res).not.toContain(instance)
    expect(headerOf(res, 'Contact')).toBeUndefined()
    expect(headerOf(res, 'P-Associated-URI')).toBeUndefined()
    expect(await bindingsOf(victim.impu)).toEqual(before)

    // The victim, with its own credentials, still fetches its bindings.
    const ws = await socket()
    const callId = `vf-${Date.now()}`
    const ch = await ws.request(register({ to: victim.impu, callId, cseq: 1 }))
    expect(statusOf(ch)).toBe(401)
    const ok = await ws.request(
      register({ to: victim.impu, callId, cseq: 2, authorization: answerAs(ch, victim) })
    )
    expect(statusOf(ok)).toBe(200)
    expect(ok).toContain(instance)
  })

  it("refuses X's credentials in a Contact: * removal of the victim's bindings", async () => {
    const { victim, instance } = await registeredVictim()
    const attacker = await subscriber('xstar')
    const before = await bindingsOf(victim.impu)
    expect(Object.keys(before)).toHaveLength(1)

    const res = await crossAnswer(attacker, victim.impu, { contact: '*', expires: 0 })

    expect(statusOf(res)).toBe(403)
    expect(res).not.toContain(instance)
    const after = await bindingsOf(victim.impu)
    expect(after).toEqual(before)
    expect(Object.values(after)[0]?.uri).toContain('victim.invalid')
  })
})
