/**
 * reg-event end to end (RFC 3680 with RFC 5628 GRUUs; clearwater-interfaces §5.4, live tests
 * 90–94): sip.js subscribers over the edge, every NOTIFY body checked against the reginfo schema,
 * NOTIFY CSeqs strictly increasing, several subscribers to one AoR, un-SUBSCRIBE, and the NOTIFY
 * of a registration that expires.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Reginfo } from '../../shared/ims/reginfo-model'
import { endpoints, eventually } from '../support/cloud'
import { parseReginfoXml } from '../support/ims/reginfo-parse'
import { RawSipSocket, type ReceivedNotify, TestUa } from '../support/sip-ua'
import { rawRegisterFlow, statusOf, subscriber } from './registrar-helpers'

const uas: TestUa[] = []
const sockets: RawSipSocket[] = []
afterEach(async () => {
  await Promise.all(uas.splice(0).map((u) => u.stop()))
  for (const s of sockets.splice(0)) s.close()
})
async function ua(sub: { impu: string; impi: string; password: string }, instanceId?: string) {
  const u = await TestUa.start({
    server: endpoints().sip.a,
    impu: sub.impu,
    impi: sub.impi,
    password: sub.password,
    ...(instanceId ? { instanceId } : {}),
  })
  uas.push(u)
  return u
}

function body(n: ReceivedNotify): Reginfo {
  expect(n.contentType).toBe('application/reginfo+xml')
  const r = parseReginfoXml(n.body)
  if (!r.ok) throw new Error(`reginfo invalid at ${r.error.path}: ${r.error.message}`)
  return r.value
}

function increasing(ns: ReceivedNotify[]) {
  for (let i = 1; i < ns.length; i++) expect(ns[i]!.cseq).toBeGreaterThan(ns[i - 1]!.cseq)
}

describe('reg-event over the edge', () => {
  it('full-state NOTIFYs to two subscribers on every change, then terminated on un-SUBSCRIBE', async () => {
    const sub = await subscriber('regev')
    const phone = await ua(sub, '55555555-5555-4555-8555-555555555555')
    expect((await phone.register()).status).toBe(200)

    const w1 = await phone.watch(sub.impu, 300)
    const first = await w1.next(() => true)
    expect(first.subscriptionState).toMatch(/^active;expires=(300|299)$/)
    const info = body(first)
    expect(info.state).toBe('full')
    expect(info.registrations[0]).toMatchObject({ aor: sub.impu, state: 'active' })
    expect(info.registrations[0]!.contacts).toHaveLength(1)
    expect(info.registrations[0]!.contacts[0]).toMatchObject({
      state: 'active',
      pubGruu: `${sub.impu};gr=urn:uuid:55555555-5555-4555-8555-555555555555`,
    })

    // A second subscriber (another tab of the same user) watching the same AoR.
    const tab = await ua(sub, '66666666-6666-4666-8666-666666666666')
    expect((await tab.register()).status).toBe(200)
    const w2 = await tab.watch(sub.impu, 300)
    const w2first = await w2.next(() => true)
    expect(body(w2first).registrations[0]!.contacts).toHaveLength(2)
    // The tab's registration was a change for the first subscriber.
    const second = await w1.next((n) => body(n).registrations[0]!.contacts.length === 2)
    expect(
      body(second).registrations[0]!.contacts.find((c) => c.id.startsWith('urn:uuid:6666'))?.event
    ).toBe('registered')

    // The tab unregisters: both subscribers hear `unregistered`.
    expect((await tab.unregister()).status).toBe(200)
    for (const w of [w1, w2]) {
      const n = await w.next((x) =>
        body(x).registrations[0]!.contacts.some((c) => c.state === 'terminated')
      )
      expect(body(n).registrations[0]!.contacts[0]).toMatchObject({
        state: 'terminated',
        event: 'unregistered',
      })
    }

    // Un-SUBSCRIBE the first: its last NOTIFY says terminated;reason=timeout (sip.js has let the
    // subscription go by then, so the NOTIFY is read off the wire).
    await w1.unsubscribe()
    const end = await eventually(async () =>
      phone.received.find(
        (m) => m.startsWith('NOTIFY') && /\r\nSubscription-State: terminated/i.test(m)
      )
    )
    expect(/\r\nSubscription-State: ([^\r]*)/i.exec(end)?.[1]).toBe('terminated;reason=timeout')
    const endCseq = Number(/\r\nCSeq: (\d+) NOTIFY/i.exec(end)?.[1])
    expect(endCseq).toBeGreaterThan(w1.notifies.at(-1)!.cseq)
    increasing(w1.notifies)
    increasing(w2.notifies)
    for (const n of [...w1.notifies, ...w2.notifies]) body(n)
  })

  it('NOTIFYs event="expired" when a binding on a live flow lapses unrefreshed (the flow object’s alarm expires it)', async () => {
    const sub = await subscriber('regexp')
    const watcher = await ua(sub)
    expect((await watcher.register()).status).toBe(200)
    const w = await watcher.watch(sub.impu, 300)
    await w.next(() => true)
    // A device that registers for 3 s and never refreshes.
    const raw = await RawSipSocket.open(endpoints().sip.a)
    sockets.push(raw)
    const { ok } = await rawRegisterFlow(raw, {
      sub,
      callId: `short-${Date.now()}`,
      cseq: 1,
      contact: '<sip:short@raw.invalid;transport=ws>',
      expires: 3,
    })
    expect(statusOf(ok)).toBe(200)
    expect(ok).toMatch(/<sip:short@raw\.invalid;transport=ws>;expires=3/)
    const expired = await w.next(
      (n) =>
        body(n).registrations[0]!.contacts.some(
          (c) => c.uri === 'sip:short@raw.invalid;transport=ws' && c.event === 'expired'
        ),
      15_000
    )
    expect(body(expired).registrations[0]!.contacts[0]).toMatchObject({
      state: 'terminated',
      event: 'expired',
    })
    increasing(w.notifies)
  })
})
