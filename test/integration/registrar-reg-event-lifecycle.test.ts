/**
 * reg-event over a subscription's life (RFC 3680; clearwater-interfaces §5.4, live tests 90, 92
 * and 94), with sip.js subscribers over the edge of the local cloud:
 * - 90: a refresh of the same binding (a re-REGISTER) produces a NOTIFY, with a higher CSeq;
 * - 92: a subscription left to expire ends with `terminated;reason=timeout` when its timer pops
 *   (the Scheduler tier, driven by the cloud's clock as the timer tests drive it);
 * - 94: after one of two subscribers un-SUBSCRIBEs, the other still gets NOTIFYs.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { advanceClock, endpoints, eventually } from '../support/cloud'
import { parseReginfoXml } from '../support/ims/reginfo-parse'
import { type ReceivedNotify, TestUa } from '../support/sip-ua'
import { subscriber } from './registrar-helpers'

const uas: TestUa[] = []
afterEach(async () => {
  await Promise.all(uas.splice(0).map((u) => u.stop()))
})
async function ua(sub: { impu: string; impi: string; password: string }) {
  const u = await TestUa.start({
    server: endpoints().sip.a,
    impu: sub.impu,
    impi: sub.impi,
    password: sub.password,
    instanceId: crypto.randomUUID(),
  })
  uas.push(u)
  return u
}

function contacts(n: ReceivedNotify) {
  const r = parseReginfoXml(n.body)
  if (!r.ok) throw new Error(`reginfo invalid at ${r.error.path}: ${r.error.message}`)
  return r.value.registrations[0]?.contacts ?? []
}

const terminatedNotifies = (u: TestUa) =>
  u.received.filter((m) => m.startsWith('NOTIFY') && /\r\nSubscription-State: terminated/i.test(m))

describe('reg-event subscriptions over time', () => {
  it('90: a refresh of the same binding produces a NOTIFY', async () => {
    const sub = await subscriber('regev90')
    const phone = await ua(sub)
    expect((await phone.register()).status).toBe(200)
    const w = await phone.watch(sub.impu, 300)
    const first = await w.next(() => true)
    const [binding] = contacts(first)
    expect(binding).toMatchObject({ state: 'active' })
    expect((await phone.register()).status).toBe(200)
    const after = await w.next((n) => n.cseq > first.cseq)
    const same = contacts(after).filter((c) => c.id === binding!.id)
    expect(same).toHaveLength(1)
    expect(same[0]!.state).toBe('active')
    expect(contacts(after)).toHaveLength(1)
  })

  it('92: a subscription left to expire ends with terminated;reason=timeout', async () => {
    const sub = await subscriber('regev92')
    const phone = await ua(sub)
    expect((await phone.register()).status).toBe(200)
    const w = await phone.watch(sub.impu, 120)
    const first = await w.next(() => true)
    expect(first.subscriptionState).toMatch(/^active;expires=(120|119)$/)
    expect(terminatedNotifies(phone)).toHaveLength(0)
    await advanceClock(125_000)
    const end = await eventually(async () => terminatedNotifies(phone)[0], 20_000, 250)
    expect(/\r\nSubscription-State: ([^\r]*)/i.exec(end)?.[1]).toBe('terminated;reason=timeout')
    expect(Number(/\r\nCSeq: (\d+) NOTIFY/i.exec(end)?.[1])).toBeGreaterThan(first.cseq)
  })

  it('94: the other subscription stays live after one un-SUBSCRIBE', async () => {
    const sub = await subscriber('regev94')
    const phone = await ua(sub)
    expect((await phone.register()).status).toBe(200)
    const w1 = await phone.watch(sub.impu, 300)
    await w1.next(() => true)
    const tab = await ua(sub)
    expect((await tab.register()).status).toBe(200)
    const w2 = await tab.watch(sub.impu, 300)
    await w2.next(() => true)
    await w1.unsubscribe()
    await eventually(async () => terminatedNotifies(phone)[0], 10_000, 100)
    const w1Count = w1.notifies.length
    const w2Count = w2.notifies.length
    // A change after the un-SUBSCRIBE: a third device registers.
    const other = await ua(sub)
    expect((await other.register()).status).toBe(200)
    const n = await w2.next((x) => w2.notifies.indexOf(x) >= w2Count && contacts(x).length === 3)
    expect(n.subscriptionState).toMatch(/^active;expires=\d+$/)
    expect(terminatedNotifies(tab)).toHaveLength(0)
    // The un-SUBSCRIBEd watcher hears nothing more.
    await new Promise((r) => setTimeout(r, 500))
    expect(w1.notifies).toHaveLength(w1Count)
  })
})
