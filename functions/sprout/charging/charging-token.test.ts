import { describe, expect, it } from 'vitest'
import { parseMessage, type SipRequest } from '../../../shared/sip'
import type { RoutingDeps } from '../routing/routing-deps'
import { timerCId } from '../routing/routing-timers'
import { dialogChargingToken, markChargedDialog } from './charging-route'
import { mergeCharging, openChargingToken, sealChargingToken } from './charging-token'

const SECRET = 'unit-secret'
const HOST = 'sprout.a.edgewater.internal'
const T1 = timerCId('0123456789abcdef01234567')
const T2 = timerCId('76543210fedcba9876543210')

const deps = (over: Partial<RoutingDeps['routing']> = {}) =>
  ({
    hopSecret: SECRET,
    scscfHost: HOST,
    routing: {
      charging: 'on',
      sessionExpiresS: 600,
      interimIntervalS: 300,
      cdfIdentity: 'cdf.example.com',
      ...over,
    },
  }) as unknown as RoutingDeps

const invite = (rr: string) =>
  parseMessage(
    [
      'INVITE sip:b@example.com SIP/2.0',
      'Via: SIP/2.0/HTTP x.invalid;branch=z9hG4bK1',
      `Record-Route: ${rr}`,
      'From: <sip:a@example.com>;tag=1',
      'To: <sip:b@example.com>',
      'Call-ID: call-1',
      'CSeq: 1 INVITE',
      'Max-Forwards: 70',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n')
  ) as SipRequest

const chg = (req: SipRequest) => /;chg=([^;>]+)/.exec(req.getRaw('record-route')!)?.[1]
const charging = { calling: 'sip:a@example.com', called: 'sip:b@example.com' }

describe('the charging token (charging-token.ts)', () => {
  it('opens to what was sealed, in the call it was sealed for only', async () => {
    for (const c of [
      { charged: false, timers: [] },
      { charged: true, timers: [] },
      { charged: true, timers: [T1] },
      { charged: true, timers: [T1, T2] },
    ]) {
      const t = await sealChargingToken(SECRET, 'call-1', c)
      expect(await openChargingToken(SECRET, 'call-1', t)).toEqual(c)
      expect(await openChargingToken(SECRET, 'call-2', t)).toBeUndefined()
      expect(await openChargingToken('other-secret', 'call-1', t)).toBeUndefined()
    }
    // Short: one timer is 16 hex digits, a dot and 12 characters of MAC.
    expect(await sealChargingToken(SECRET, 'call-1', { charged: true, timers: [T1] })).toHaveLength(
      29
    )
  })

  it('refuses malformed tokens and edited states', async () => {
    const t = await sealChargingToken(SECRET, 'call-1', { charged: false, timers: [] })
    const mac = t.split('.')[1]
    for (const bad of ['', '1', `1.${mac}`, `2.${mac}`, `${t}.x`, `0.${mac}x`, `abc.${mac}`])
      expect(await openChargingToken(SECRET, 'call-1', bad)).toBeUndefined()
  })

  it('merges two passes: either one’s START, both timers once', () => {
    expect(mergeCharging({ charged: false, timers: [] }, { charged: true, timers: [T1] })).toEqual({
      charged: true,
      timers: [T1],
    })
    expect(
      mergeCharging({ charged: true, timers: [T1, T2] }, { charged: true, timers: [T2] })
    ).toEqual({ charged: true, timers: [T1, T2] })
  })
})

describe('the token on its way (charging-route.ts)', () => {
  it('goes into Sprout’s own top Record-Route of an INVITE, keeping its other parameters', async () => {
    const req = invite(`<sip:${HOST};lr;mem=m1>`)
    const orig = { user: 'sip:a@example.com', ccfs: [] }
    await markChargedDialog(deps(), { ...charging, orig }, '0123456789abcdef01234567', [req])
    expect(req.getRaw('record-route')).toMatch(new RegExp(`^<sip:${HOST};lr;mem=m1;chg=`))
    expect(await openChargingToken(SECRET, 'call-1', chg(req)!)).toEqual({
      charged: true,
      timers: [T1],
    })
  })

  it('leaves a Record-Route that is not Sprout’s, and does nothing unless CHARGING=on', async () => {
    const theirs = invite('<sip:as.example.com;lr>')
    await markChargedDialog(deps(), charging, '0123456789abcdef01234567', [theirs])
    expect(theirs.getRaw('record-route')).toBe('<sip:as.example.com;lr>')
    const ours = invite(`<sip:${HOST};lr>`)
    await markChargedDialog(deps({ charging: 'ralf' }), charging, '0123456789abcdef01234567', [
      ours,
    ])
    expect(ours.getRaw('record-route')).toBe(`<sip:${HOST};lr>`)
  })

  it('a second pass on the same entry merges the first pass’s token; a forged one is dropped', async () => {
    const orig = { user: 'sip:a@example.com', ccfs: [] }
    const term = { user: 'sip:b@example.com', ccfs: [] }
    const first = await sealChargingToken(SECRET, 'call-1', { charged: true, timers: [T1] })
    const req = invite(`<sip:${HOST};lr;chg=${first}>`)
    await markChargedDialog(deps(), { ...charging, term }, '76543210fedcba9876543210', [req])
    expect(await openChargingToken(SECRET, 'call-1', chg(req)!)).toEqual({
      charged: true,
      timers: [T1, T2],
    })
    const forged = invite(`<sip:${HOST};lr;chg=${first.replace(/^./, 'f')}>`)
    await markChargedDialog(deps(), { ...charging, orig }, '76543210fedcba9876543210', [forged])
    expect(await openChargingToken(SECRET, 'call-1', chg(forged)!)).toEqual({
      charged: true,
      timers: [T2],
    })
  })

  it('says "not charged" when no side has a CCF, and names no timer when the refresh time does not exceed the interim interval', async () => {
    const orig = { user: 'sip:a@example.com', ccfs: [] }
    const a = invite(`<sip:${HOST};lr>`)
    await markChargedDialog(deps({ cdfIdentity: undefined }), { ...charging, orig }, 'k', [a])
    expect(await openChargingToken(SECRET, 'call-1', chg(a)!)).toEqual({
      charged: false,
      timers: [],
    })
    const b = invite(`<sip:${HOST};lr>`)
    await markChargedDialog(deps({ sessionExpiresS: 300 }), { ...charging, orig }, 'k', [b])
    expect(await openChargingToken(SECRET, 'call-1', chg(b)!)).toEqual({
      charged: true,
      timers: [],
    })
  })

  it('an in-dialog request’s token: the one its Route carried, or two entries’ good tokens merged', async () => {
    const route = (t?: string) =>
      invite(`<sip:${HOST};lr${t ? `;chg=${t}` : ''}>`).get('record-route')!
    const t1 = await sealChargingToken(SECRET, 'call-1', { charged: true, timers: [T1] })
    const t2 = await sealChargingToken(SECRET, 'call-1', { charged: false, timers: [] })
    expect(await dialogChargingToken(deps(), 'call-1', [])).toBeUndefined()
    expect(await dialogChargingToken(deps(), 'call-1', [route()])).toBeUndefined()
    expect(await dialogChargingToken(deps(), 'call-1', [route(t1)])).toBe(t1)
    const both = await dialogChargingToken(deps(), 'call-1', [route(t2), route(t1)])
    expect(await openChargingToken(SECRET, 'call-1', both!)).toEqual({
      charged: true,
      timers: [T1],
    })
  })
})
