/**
 * Emergency registration (live test 9; TS 24.229 §5.4.1.2.2F; clearwater-interfaces §5.3) over
 * the local cloud, with a scripted WebSocket client for the `sos` Contacts and a real sip.js
 * watcher for reg-event: an emergency binding of its own (id prefixed `sos`, `emergency_reg`),
 * no third-party REGISTER, absent from reg-event, kept by `Contact: *`, a de-REGISTER of it
 * challenged and then answered 501, and its end at its (short) expiry.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { endpoints, eventually } from '../support/cloud'
import { RawSipSocket, TestUa } from '../support/sip-ua'
import {
  answerChallenge,
  asReceived,
  bindingsOf,
  rawRegister,
  rawRegisterFlow,
  registerIfc,
  statusOf,
  subscriber,
} from './registrar-helpers'

const sockets: RawSipSocket[] = []
const uas: TestUa[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close()
  await Promise.all(uas.splice(0).map((u) => u.stop()))
})

async function socket(): Promise<RawSipSocket> {
  const ws = await RawSipSocket.open(endpoints().sip.a)
  sockets.push(ws)
  return ws
}

const SOS = '<sip:sos@sos.invalid;transport=ws>;sos'
const NORMAL = '<sip:normal@normal.invalid;transport=ws>'
const contactsOf = (m: string) =>
  [...m.matchAll(/\r\nContact:\s*([^\r\n]*)/gi)].map((x) => x[1]!).filter((c) => c !== '')

describe('emergency registration (live test 9)', () => {
  it('binds apart from the ordinary registration and cannot be removed by the client', async () => {
    const sub = await subscriber('sos', registerIfc('sip:test.as.edgewater.internal'))
    const ws = await socket()
    const sosCall = `sos-${crypto.randomUUID()}`
    const emergency = await rawRegisterFlow(ws, {
      sub,
      callId: sosCall,
      cseq: 1,
      contact: SOS,
      expires: 60,
    })
    expect(statusOf(emergency.ok)).toBe(200)
    const [granted] = contactsOf(emergency.ok)
    expect(granted).toMatch(/;sos/)
    expect(Number(/;expires=(\d+)/.exec(granted!)?.[1])).toBeLessThanOrEqual(60)

    const normalCall = `normal-${crypto.randomUUID()}`
    const normal = await rawRegisterFlow(ws, {
      sub,
      callId: normalCall,
      cseq: 1,
      contact: NORMAL,
      expires: 300,
    })
    expect(statusOf(normal.ok)).toBe(200)
    expect(contactsOf(normal.ok)).toHaveLength(2)

    // One third-party REGISTER, for the ordinary registration only (§5.3 step 7).
    const received = await eventually(async () => {
      const r = await asReceived(sub.impu)
      return r.length >= 1 ? r : undefined
    })
    expect(received.map((r) => r.expires)).toEqual([300])

    const bindings = await bindingsOf(sub.impu)
    const ids = Object.keys(bindings)
    expect(ids).toHaveLength(2)
    const sosId = ids.find((id) => id.startsWith('sos'))!
    expect(bindings[sosId]!.uri).toBe('sip:sos@sos.invalid;transport=ws')
    expect(
      Object.values(bindings)
        .map((b) => (b as { emergency_reg?: boolean }).emergency_reg)
        .sort()
    ).toEqual([false, true])

    // reg-event shows the ordinary bindings only.
    const watcher = await TestUa.start({
      server: endpoints().sip.a,
      impu: sub.impu,
      impi: sub.impi,
      password: sub.password,
      expires: 300,
    })
    uas.push(watcher)
    expect((await watcher.register()).status).toBe(200)
    const watch = await watcher.watch(sub.impu)
    const first = await watch.next((n) => n.body.includes('<contact'))
    expect(first.body).toContain('normal.invalid')
    expect(first.body).not.toContain('sos.invalid')

    // De-REGISTER of the emergency binding: challenged, then 501 (live test 9).
    const ch = await ws.request(
      rawRegister({ sub, callId: sosCall, cseq: 3, contact: SOS, expires: 0 })
    )
    expect(statusOf(ch)).toBe(401)
    const refused = await ws.request(
      rawRegister({
        sub,
        callId: sosCall,
        cseq: 4,
        contact: SOS,
        expires: 0,
        authorization: answerChallenge(ch, sub),
      })
    )
    expect(statusOf(refused)).toBe(501)
    expect(Object.keys(await bindingsOf(sub.impu))).toContain(sosId)

    // Contact: * removes every ordinary binding and keeps the emergency one.
    const wipeCh = await ws.request(
      rawRegister({ sub, callId: normalCall, cseq: 3, contact: '*', expires: 0 })
    )
    const wiped = await ws.request(
      rawRegister({
        sub,
        callId: normalCall,
        cseq: 4,
        contact: '*',
        expires: 0,
        authorization: answerChallenge(wipeCh, sub),
      })
    )
    expect(statusOf(wiped)).toBe(200)
    expect(Object.keys(await bindingsOf(sub.impu))).toEqual([sosId])
  })

  it('takes the short expiry asked for and ends at it', async () => {
    const sub = await subscriber('sosx')
    const ws = await socket()
    const { ok } = await rawRegisterFlow(ws, {
      sub,
      callId: `sosx-${crypto.randomUUID()}`,
      cseq: 1,
      contact: SOS,
      expires: 3,
    })
    expect(statusOf(ok)).toBe(200)
    expect(Number(/;expires=(\d+)/.exec(contactsOf(ok)[0]!)?.[1])).toBeLessThanOrEqual(3)
    expect(Object.keys(await bindingsOf(sub.impu)).length).toBeLessThanOrEqual(1)
    await eventually(async () => Object.keys(await bindingsOf(sub.impu)).length === 0, 30_000, 500)
  })
})
