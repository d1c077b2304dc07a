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
import { unitTestEnv } from '../../../test/support/unit-env'
import { openChargingToken } from './charging-token'

const HOP_SECRET = unitTestEnv().HOP_SECRET!

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
  const inv = last(h.toFlow(TB, { method: 'INVITE' })) as SipRequest
  await h.answer(inv, 180, { toTag: 'b1' })
  await h.answer(inv, 200, { toTag: 'b1', body: 'v=0\r\n' })
  await h.settle()
  return inv
}

/** Sprout's Record-Route entry of the dialog, as the INVITE carried it (with its `chg`). */
const sproutRoute = (inv: SipRequest): string =>
  inv.getAllRaw('record-route').find((r) => r.includes('sprout.a.edgewater.internal'))!

/** A dialog from before the charging token: Sprout's Route entry without it. */
const PLAIN_ROUTE = '<sip:sprout.a.edgewater.internal;lr>'

/** The `chg` token of a Route entry. */
const tokenIn = (route: string) => /;chg=([^;>]+)/.exec(route)?.[1]

/**
 * A's in-dialog request along the dialog's route set (Sprout's entry as the INVITE recorded it,
 * unless `route` says otherwise), and B's 200 to it.
 */
async function inDialog(
  h: RoutingHarness,
  inv: SipRequest,
  method: string,
  cseq: number,
  route = sproutRoute(inv)
) {
  const text = buildRequest({
    method,
    uri: inv.uriText,
    via: [
      `SIP/2.0/HTTP edge.edgewater.internal;branch=z9hG4bKe${method}${cseq};flow=${TA}`,
      `SIP/2.0/WSS client.invalid;branch=z9hG4bK${method}${cseq}`,
    ],
    route: [route, `<sip:${TB}@edge.edgewater.internal;lr>`],
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

  it('START puts the call’s item; STOP puts a small item of its own without reading it; no ACR leaves Sprout', async () => {
    const put = vi.spyOn(h.vellum.table, 'put')
    const get = vi.spyOn(h.vellum.table, 'get')
    const update = vi.spyOn(h.vellum.table, 'update')
    const inv = await answered(h)
    const cdrGets = () => get.mock.calls.filter(([k]) => k.pk.startsWith('CDR#'))
    expect(put).toHaveBeenCalledTimes(1)
    expect(cdrGets()).toEqual([])
    expect((await records(h, inv.callId)).map((c) => c.record_type)).toEqual(['START', 'START'])
    await inDialog(h, inv, 'BYE', 2)
    expect(cdrGets()).toEqual([])
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

describe('a dialog without a charging token (from before it): the STOP reads the START', () => {
  it('deletes the timer the START names', async () => {
    const h = await setup()
    const inv = await answered(h)
    const get = vi.spyOn(h.vellum.table, 'get')
    await inDialog(h, inv, 'BYE', 2, PLAIN_ROUTE)
    expect(get.mock.calls).toEqual([[callRecordKey(inv.callId), { consistent: true }]])
    expect(h.vellum.timers.timers.size).toBe(0)
    expect((await records(h, inv.callId)).map((c) => c.record_type)).toEqual([
      'START',
      'STOP',
      'START',
      'STOP',
    ])
  })

  it('a STOP that overtakes its START is retried once after CHARGING_RETRY_MS, then recorded', async () => {
    const h = await setup({ CHARGING_RETRY_MS: '0' })
    const inv = await answered(h)
    const table = h.vellum.table
    const get = vi.spyOn(table, 'get').mockResolvedValueOnce(undefined)
    await inDialog(h, inv, 'BYE', 2, PLAIN_ROUTE)
    expect(get).toHaveBeenCalledTimes(2)
    expect((await records(h, inv.callId)).map((c) => c.record_type)).toEqual([
      'START',
      'STOP',
      'START',
      'STOP',
    ])
  })

  it('a STOP of a call with no record at all is ignored, without writing one', async () => {
    const h = await setup({ CHARGING_RETRY_MS: '0' })
    const inv = await answered(h)
    await h.vellum.table.delete(callRecordKey(inv.callId))
    const get = vi.spyOn(h.vellum.table, 'get')
    await inDialog(h, inv, 'BYE', 2, PLAIN_ROUTE)
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
    // The token names the timer the START could not set: the STOP deletes an unknown id
    // (harmless) and the record is right, without a read.
    const get = vi.spyOn(h.vellum.table, 'get')
    const del = vi.spyOn(h.vellum.timers, 'delete')
    await inDialog(h, inv, 'BYE', 2)
    expect(get).not.toHaveBeenCalled()
    expect(del).toHaveBeenCalledTimes(1)
    expect(h.vellum.timers.timers.size).toBe(0)
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
    // Ralf keeps its own sessions: the dialog carries no charging token.
    expect(tokenIn(sproutRoute(inv))).toBeUndefined()
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
    expect(tokenIn(sproutRoute(inv))).toBeUndefined()
    const get = vi.spyOn(h.vellum.table, 'get')
    await inDialog(h, inv, 'BYE', 2)
    expect(h.acrs).toEqual([])
    expect(get).not.toHaveBeenCalled()
    expect(await h.vellum.table.get(callRecordKey(inv.callId))).toBeUndefined()
  })
})

describe('the charging token in Sprout’s Record-Route (charging-token.ts)', () => {
  it('names the interim timer the START takes over from Timer C, signed for this call', async () => {
    const h = await setup()
    const inv = await answered(h)
    const token = tokenIn(sproutRoute(inv))!
    expect(token.length).toBeLessThanOrEqual(29)
    const held = [...h.vellum.timers.timers.keys()]
    expect(held).toHaveLength(1)
    expect(await openChargingToken(HOP_SECRET, inv.callId, token)).toEqual({
      charged: true,
      timers: held,
    })
    expect(await openChargingToken(HOP_SECRET, 'another-call', token)).toBeUndefined()
  })

  it('a STOP the BYE carries the token of: one PutItem, the timer deleted, no read', async () => {
    const h = await setup()
    const inv = await answered(h)
    const get = vi.spyOn(h.vellum.table, 'get')
    const put = vi.spyOn(h.vellum.table, 'put')
    await inDialog(h, inv, 'BYE', 2)
    expect(get).not.toHaveBeenCalled()
    expect(put).toHaveBeenCalledTimes(1)
    expect(put.mock.calls[0]![0]).toMatchObject({ ...stopRecordKey(inv.callId), solo: true })
    expect(h.vellum.timers.timers.size).toBe(0)
  })

  it('an INTERIM from an in-dialog request re-arms the timer from now, without a read', async () => {
    const h = await setup()
    const inv = await answered(h)
    const [id] = [...h.vellum.timers.timers.keys()]
    h.clock.advance(120_000)
    const get = vi.spyOn(h.vellum.table, 'get')
    await inDialog(h, inv, 'INFO', 2)
    expect(get).not.toHaveBeenCalled()
    const held = h.vellum.timers.timers.get(id!)
    expect(JSON.parse(held!.spec.opaque)).toMatchObject({
      which: 'interim',
      armed: h.clock.now(),
      timer: id,
    })
    expect(
      (await records(h, inv.callId)).filter((c) => c.role_of_node === 0).map((c) => c.record_type)
    ).toEqual(['START', 'INTERIM'])
  })

  it('a call answered without a CCF gets a token that says so: its BYE writes and reads nothing', async () => {
    const h = await setup({ CDF_IDENTITY: '' })
    const inv = await answered(h)
    expect(await openChargingToken(HOP_SECRET, inv.callId, tokenIn(sproutRoute(inv))!)).toEqual({
      charged: false,
      timers: [],
    })
    const get = vi.spyOn(h.vellum.table, 'get')
    const put = vi.spyOn(h.vellum.table, 'put')
    await inDialog(h, inv, 'BYE', 2)
    expect(get).not.toHaveBeenCalled()
    expect(put).not.toHaveBeenCalled()
    expect(h.vellum.timers.timers.size).toBe(0)
  })

  it('a call whose refresh time does not exceed the interim interval: a token without a timer', async () => {
    const h = await setup({ SESSION_EXPIRES_S: '300', INTERIM_INTERVAL_S: '300' })
    const inv = await answered(h)
    expect(h.vellum.timers.timers.size).toBe(0)
    expect(await openChargingToken(HOP_SECRET, inv.callId, tokenIn(sproutRoute(inv))!)).toEqual({
      charged: true,
      timers: [],
    })
    const del = vi.spyOn(h.vellum.timers, 'delete')
    await inDialog(h, inv, 'BYE', 2)
    expect(del).not.toHaveBeenCalled()
    expect((await records(h, inv.callId)).map((c) => c.record_type)).toEqual([
      'START',
      'STOP',
      'START',
      'STOP',
    ])
  })

  it('a forged token (another call’s, or edited) is refused: the STOP reads this call’s START, and no other call’s timer is touched', async () => {
    const h = await setup()
    const x = await answered(h)
    const y = await answered(h)
    expect(h.vellum.timers.timers.size).toBe(2)
    const [xTimer, yTimer] = [...h.vellum.timers.timers.keys()]
    const yToken = tokenIn(sproutRoute(y))!
    const get = vi.spyOn(h.vellum.table, 'get')
    // Y's token in X's BYE: signed for Y's Call-ID, so refused in X.
    await inDialog(h, x, 'BYE', 2, sproutRoute(x).replace(/;chg=[^;>]+/, `;chg=${yToken}`))
    expect(get.mock.calls).toEqual([[callRecordKey(x.callId), { consistent: true }]])
    expect([...h.vellum.timers.timers.keys()]).toEqual([yTimer])
    expect(xTimer).not.toEqual(yTimer)
    // Y's own token with its timer swapped for another id and the MAC kept: refused too.
    const [state, mac] = yToken.split('.')
    const edited = `${'0'.repeat(state!.length)}.${mac}`
    get.mockClear()
    const del = vi.spyOn(h.vellum.timers, 'delete')
    await inDialog(h, y, 'BYE', 2, sproutRoute(y).replace(/;chg=[^;>]+/, `;chg=${edited}`))
    expect(get.mock.calls).toEqual([[callRecordKey(y.callId), { consistent: true }]])
    expect(del.mock.calls).toEqual([[yTimer]])
    // A token saying "not charged", forged for a charged call, does not drop its STOP either.
    for (const c of [x, y])
      expect((await records(h, c.callId)).map((r) => r.record_type)).toEqual([
        'START',
        'STOP',
        'START',
        'STOP',
      ])
  })

  it('a BYE that overtook the START’s arming of the timer: the timer’s first pop finds the STOP, writes nothing and deletes it', async () => {
    const h = await setup()
    const inv = await answered(h)
    // The STOP's delete reached the timer service before the START's set.
    vi.spyOn(h.vellum.timers, 'delete').mockResolvedValueOnce(undefined)
    await inDialog(h, inv, 'BYE', 2)
    expect(h.vellum.timers.timers.size).toBe(1)
    h.clock.advance(300_000)
    expect(await h.popTimers()).toBe(1)
    await h.settle()
    expect(h.vellum.timers.timers.size).toBe(0)
    const items = (await h.vellum.table.query({ pk: callRecordKey(inv.callId).pk })).items
    expect(items.map((i) => i.sk)).toEqual(['CALL', 'CALL#STOP'])
  })
})
