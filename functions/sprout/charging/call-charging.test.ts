import { beforeEach, describe, expect, it, vi } from 'vitest'
import { callRecordKey, cdrsOfCallItems, stopRecordKey } from '../../../shared/ralf/call-record'
import type { SipRequest, SipResponse } from '../../../shared/sip'
import { buildRequest } from '../../../shared/sip/builders'
import {
  DOMAIN,
  fromEdge,
  type RoutingHarness,
  routingHarness,
  tokenOf,
} from '../../../test/support/kits/routing-kit'

const A = `sip:6505550001@${DOMAIN}`
const B = `sip:6505550002@${DOMAIN}`
const TA = tokenOf(1)
const TB = tokenOf(2)

async function setup(extra: Record<string, string> = {}): Promise<RoutingHarness> {
  const h = routingHarness(extra)
  await h.provision(A)
  await h.provision(B)
  await h.register(A, TA)
  await h.register(B, TB)
  return h
}

const last = <T>(xs: T[]): T => xs[xs.length - 1]!

/** An answered call from A to B; returns the INVITE as B got it. */
async function answered(h: RoutingHarness): Promise<SipRequest> {
  await h.post(fromEdge({ from: A, to: B, token: TA }))
  const inv = h.toFlow(TB, { method: 'INVITE' })[0] as SipRequest
  await h.answer(inv, 180, { toTag: 'b1' })
  await h.answer(inv, 200, { toTag: 'b1', body: 'v=0\r\n' })
  await h.settle()
  return inv
}

/** A's in-dialog request along the dialog's route set, and B's 200 to it. */
async function inDialog(h: RoutingHarness, inv: SipRequest, method: string, cseq: number) {
  const text = buildRequest({
    method,
    uri: inv.uriText,
    via: [
      `SIP/2.0/HTTP edge.edgewater.internal;branch=z9hG4bKe${method}${cseq};flow=${TA}`,
      `SIP/2.0/WSS client.invalid;branch=z9hG4bK${method}${cseq}`,
    ],
    route: ['<sip:sprout.a.edgewater.internal;lr>', `<sip:${TB}@edge.edgewater.internal;lr>`],
    from: inv.getRaw('from')!,
    to: `${inv.getRaw('to')!};tag=b1`,
    callId: inv.callId,
    cseq,
  }).toString()
  await h.post(text)
  const got = last(h.toFlow(TB, { method })) as SipRequest
  await h.answer(got, 200, { toTag: 'b1' })
  await h.settle()
}

/** The call's CDRs, as Dime reads them: every item of its partition. */
const records = async (h: RoutingHarness, callId: string) =>
  cdrsOfCallItems((await h.vellum.table.query({ pk: callRecordKey(callId).pk })).items)

describe('Sprout writes its call records itself (CHARGING=on)', () => {
  let h: RoutingHarness
  beforeEach(async () => {
    h = await setup()
  })

  it('START puts the call’s item; STOP reads it and puts a small item of its own; no ACR leaves Sprout', async () => {
    const put = vi.spyOn(h.vellum.table, 'put')
    const get = vi.spyOn(h.vellum.table, 'get')
    const update = vi.spyOn(h.vellum.table, 'update')
    const inv = await answered(h)
    const cdrGets = () => get.mock.calls.filter(([k]) => k.pk.startsWith('CDR#'))
    expect(put).toHaveBeenCalledTimes(1)
    expect(cdrGets()).toEqual([])
    expect((await records(h, inv.callId)).map((c) => c.record_type)).toEqual(['START', 'START'])
    await inDialog(h, inv, 'BYE', 2)
    expect(cdrGets()).toEqual([[callRecordKey(inv.callId), { consistent: true }]])
    expect(put).toHaveBeenCalledTimes(2)
    expect(put.mock.calls[1]![0]).toMatchObject(stopRecordKey(inv.callId))
    // Only the START item is listed per served user.
    expect(Object.keys(put.mock.calls[1]![0]).filter((k) => k.startsWith('gsi'))).toEqual([])
    expect(update).not.toHaveBeenCalled()
    const cdrs = await records(h, inv.callId)
    expect(cdrs.map((c) => [c.role_of_node, c.record_type, c.accounting_record_number])).toEqual([
      [0, 'START', 1],
      [0, 'STOP', 2],
      [1, 'START', 1],
      [1, 'STOP', 2],
    ])
    expect(cdrs[0]).toMatchObject({ served_user: A, ccfs: ['cdf.example.com'], region: 'a' })
    expect(cdrs[2]).toMatchObject({ served_user: B })
    expect(cdrs[1]?.acr).toMatchObject({
      'Accounting-Record-Type': 4,
      'Service-Information': { 'IMS-Information': { 'Event-Type': { 'SIP-Method': 'BYE' } } },
    })
    expect(h.acrs).toEqual([])
  })

  it('the interim timer takes over Timer C when the call is answered, pops without re-arming, and STOP deletes it', async () => {
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    const inv = h.toFlow(TB, { method: 'INVITE' })[0] as SipRequest
    // Timer C is the only timer while the INVITE is pending.
    expect(
      [...h.vellum.timers.timers.values()].map((t) => JSON.parse(t.spec.opaque).which)
    ).toEqual(['timer-c'])
    await h.answer(inv, 200, { toTag: 'b1', body: 'v=0\r\n' })
    await h.settle()
    const held = [...h.vellum.timers.timers.values()]
    expect(held).toHaveLength(1)
    expect(held[0]!.spec).toMatchObject({
      intervalMs: 300_000,
      repeatForMs: 600_000,
      callbackUri: 'http://127.0.0.1:9800/routing/timer',
    })
    expect(JSON.parse(held[0]!.spec.opaque)).toMatchObject({ which: 'interim', call: inv.callId })

    h.clock.advance(300_000)
    expect(await h.popTimers()).toBe(1)
    await inDialog(h, inv, 'BYE', 2)
    expect(h.vellum.timers.timers.size).toBe(0)
    expect(
      (await records(h, inv.callId))
        .filter((c) => c.role_of_node === 1)
        .map((c) => [c.record_type, c.accounting_record_number, c.timer_interim])
    ).toEqual([
      ['START', 1, false],
      ['INTERIM', 2, true],
      ['STOP', 3, false],
    ])
  })

  it('an in-dialog request makes an INTERIM; a late one after the STOP is not charged', async () => {
    const inv = await answered(h)
    await inDialog(h, inv, 'INFO', 2)
    await inDialog(h, inv, 'BYE', 3)
    h.clock.advance(1)
    await inDialog(h, inv, 'INFO', 4)
    expect(
      (await records(h, inv.callId))
        .filter((c) => c.role_of_node === 0)
        .map((c) => [c.record_type, c.accounting_record_number])
    ).toEqual([
      ['START', 1],
      ['INTERIM', 2],
      ['STOP', 3],
    ])
  })

  it('a failed call leaves an EVENT per side and no timer', async () => {
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    const inv = h.toFlow(TB, { method: 'INVITE' })[0] as SipRequest
    await h.answer(inv, 486)
    await h.settle()
    expect((last(h.toFlow(TA)) as SipResponse).status).toBe(486)
    expect(h.vellum.timers.timers.size).toBe(0)
    expect(await h.vellum.table.get(callRecordKey(inv.callId))).toBeUndefined()
    const page = await h.vellum.table.query({ pk: callRecordKey(inv.callId).pk })
    expect(cdrsOfCallItems(page.items).map((c) => c.record_type)).toEqual(['EVENT', 'EVENT'])
  })
})

describe('a STOP that overtakes its START', () => {
  it('is retried once after CHARGING_RETRY_MS, then recorded', async () => {
    const h = await setup({ CHARGING_RETRY_MS: '0' })
    const inv = await answered(h)
    const table = h.vellum.table
    const get = vi.spyOn(table, 'get').mockResolvedValueOnce(undefined)
    await inDialog(h, inv, 'BYE', 2)
    expect(get).toHaveBeenCalledTimes(2)
    expect((await records(h, inv.callId)).map((c) => c.record_type)).toEqual([
      'START',
      'STOP',
      'START',
      'STOP',
    ])
  })

  it('is ignored when the call has no record at all, without writing one', async () => {
    const h = await setup({ CHARGING_RETRY_MS: '0' })
    const inv = await answered(h)
    await h.vellum.table.delete(callRecordKey(inv.callId))
    const get = vi.spyOn(h.vellum.table, 'get')
    await inDialog(h, inv, 'BYE', 2)
    expect(get).toHaveBeenCalledTimes(2)
    expect((await h.vellum.table.query({ pk: callRecordKey(inv.callId).pk })).items).toEqual([])
  })
})

describe('a timer service that fails', () => {
  it('costs no CDR: the interim timer is tried once more, and the START is written without it if that fails too', async () => {
    const h = await setup()
    const set = vi.spyOn(h.vellum.timers, 'update')
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    const inv = h.toFlow(TB, { method: 'INVITE' })[0] as SipRequest
    set.mockClear()
    set.mockRejectedValue(new Error('timer service down'))
    await h.answer(inv, 200, { toTag: 'b1', body: 'v=0\r\n' })
    await h.settle()
    expect(set).toHaveBeenCalledTimes(2)
    const start = await h.vellum.table.get(callRecordKey(inv.callId))
    expect(start).toBeDefined()
    expect(start?.timer_id).toBeUndefined()
    set.mockRestore()
    await inDialog(h, inv, 'BYE', 2)
    expect((await records(h, inv.callId)).map((c) => c.record_type)).toEqual([
      'START',
      'STOP',
      'START',
      'STOP',
    ])
  })

  it('keeps the timer when the second attempt succeeds', async () => {
    const h = await setup()
    const set = vi.spyOn(h.vellum.timers, 'update')
    await h.post(fromEdge({ from: A, to: B, token: TA }))
    const inv = h.toFlow(TB, { method: 'INVITE' })[0] as SipRequest
    set.mockClear()
    set.mockRejectedValueOnce(new Error('timer service blip'))
    await h.answer(inv, 200, { toTag: 'b1', body: 'v=0\r\n' })
    await h.settle()
    expect(set).toHaveBeenCalledTimes(2)
    expect((await h.vellum.table.get(callRecordKey(inv.callId)))?.timer_id).toEqual(
      expect.any(String)
    )
  })
})

describe('other charging modes', () => {
  it('CHARGING=ralf sends one ACR per side to Ralf and writes nothing itself', async () => {
    const h = await setup({ CHARGING: 'ralf' })
    const inv = await answered(h)
    const types = () =>
      h.acrs.map((a) => (a.body.event as Record<string, unknown>)['Accounting-Record-Type'])
    expect(types()).toEqual([2, 2])
    await inDialog(h, inv, 'BYE', 2)
    expect(types()).toEqual([2, 2, 4, 4])
    expect(await h.vellum.table.get(callRecordKey(inv.callId))).toBeUndefined()
    // Without a charging session in Sprout, Timer C is simply deleted.
    expect(h.vellum.timers.timers.size).toBe(0)
  })

  it('CHARGING=off charges nothing', async () => {
    const h = await setup({ CHARGING: 'off' })
    const inv = await answered(h)
    await inDialog(h, inv, 'BYE', 2)
    expect(h.acrs).toEqual([])
    expect(await h.vellum.table.get(callRecordKey(inv.callId))).toBeUndefined()
  })
})
