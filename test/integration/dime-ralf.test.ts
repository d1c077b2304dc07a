/**
 * Dime's Ralf through the local cloud (clearwater-interfaces §7): ACR validation, the CDR trail
 * of a call across the originating and terminating S-CSCF and the I-CSCF, Accounting-Record-
 * Numbers, and the interim timer through the real timer service: armed on START, popping an
 * INTERIM that does not re-arm, deleted on STOP.
 */
import { describe, expect, it } from 'vitest'
import { advanceClock, clockNow, eventually } from '../support/cloud'
import { dime, enc } from './dime-helpers'

type Cdr = Record<string, unknown>
const ORIG = 'sip:6505550101@example.com'
const TERM = 'sip:6505550102@example.com'

function acr(type: number, role: number, fn: number, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    ...(type === 1 || type === 2 ? { peers: { ccf: ['ccf1.example.com'] } } : {}),
    event: {
      'Accounting-Record-Type': type,
      'Event-Timestamp': 1444118158,
      'Service-Information': {
        'IMS-Information': {
          'Role-Of-Node': role,
          'Node-Functionality': fn,
          'Event-Type': { 'SIP-Method': type === 4 ? 'BYE' : 'INVITE' },
          'Calling-Party-Address': [`<${ORIG}>`],
          'Called-Party-Address': TERM,
          'IMS-Charging-Identifier': 'icid-1',
        },
      },
      ...extra,
    },
  })
}
const post = (callId: string, body: string, q = '') =>
  dime('POST', `/call-id/${enc(callId)}${q}`, body)
const trail = async (callId: string) =>
  ((await (await dime('GET', `/cdrs?call-id=${enc(callId)}`)).json()) as { cdrs: Cdr[] }).cdrs
const freshCallId = () => `${Date.now()}-${Math.floor(Math.random() * 1e9)}@ue.example.com`

describe('validation', () => {
  it('400 naming the field; 200 and nothing charged without peers; 405 for GET', async () => {
    const callId = freshCallId()
    const bad = await post(callId, JSON.stringify({ event: { 'Accounting-Record-Type': 9 } }))
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { reason: string }).reason).toMatch(/event.Service-Information/)
    const noCcf = await post(
      callId,
      JSON.stringify({ ...JSON.parse(acr(2, 0, 0)), peers: { ccf: [] } })
    )
    expect(noCcf.status).toBe(400)
    const { peers: _p, ...noPeers } = JSON.parse(acr(2, 0, 0)) as Record<string, unknown>
    expect((await post(callId, JSON.stringify(noPeers))).status).toBe(200)
    expect(await trail(callId)).toEqual([])
    expect((await dime('GET', `/call-id/${enc(callId)}`)).status).toBe(405)
    expect((await dime('GET', '/cdrs')).status).toBe(400)
  })
})

describe('a call', () => {
  it('leaves a CDR trail per node, numbered per session, findable by Call-ID and by user', async () => {
    const callId = freshCallId()
    const from = await clockNow()
    const steps: Array<[number, number, number]> = [
      [1, 0, 2], // I-CSCF EVENT
      [2, 0, 0], // originating S-CSCF START
      [2, 1, 0], // terminating S-CSCF START
      [3, 0, 0], // re-INVITE: originating INTERIM
      [4, 1, 0], // BYE: terminating STOP
      [4, 0, 0], // BYE: originating STOP
    ]
    for (const [type, role, fn] of steps)
      expect((await post(callId, acr(type, role, fn))).status).toBe(200)
    const cdrs = await trail(callId)
    const rows = cdrs.map((c) => [
      c.node_functionality,
      c.role_of_node,
      c.record_type,
      c.accounting_record_number,
    ])
    expect(rows).toHaveLength(6)
    expect(rows).toEqual(
      expect.arrayContaining([
        [2, 0, 'EVENT', 1],
        [0, 0, 'START', 1],
        [0, 1, 'START', 1],
        [0, 0, 'INTERIM', 2],
        [0, 1, 'STOP', 2],
        [0, 0, 'STOP', 3],
      ])
    )
    const origSession = cdrs.filter((c) => c.role_of_node === 0 && c.node_functionality === 0)
    expect(new Set(origSession.map((c) => c.session_id)).size).toBe(1)
    expect(
      cdrs.every(
        (c) => c.call_id === callId && (c.cdf as { status: string }).status === 'not-configured'
      )
    ).toBe(true)
    const to = await clockNow()
    const byTerm = (
      (await (await dime('GET', `/cdrs?impu=${enc(TERM)}&from=${from}&to=${to}`)).json()) as {
        cdrs: Cdr[]
      }
    ).cdrs
    expect(byTerm.filter((c) => c.call_id === callId).map((c) => c.record_type)).toEqual([
      'START',
      'STOP',
    ])
    const byOrig = (
      (await (
        await dime('GET', `/cdrs?impu=${enc(ORIG)}&from=${new Date(from).toISOString()}&to=${to}`)
      ).json()) as { cdrs: Cdr[] }
    ).cdrs
    expect(byOrig.filter((c) => c.call_id === callId)).toHaveLength(4)
    // After STOP the session is gone: a late INTERIM is ignored.
    expect((await post(callId, acr(3, 0, 0))).status).toBe(200)
    expect(await trail(callId)).toHaveLength(6)
  })
})

describe('interim timer', () => {
  it('pops an INTERIM after the interim interval without re-arming, and STOP cancels it', async () => {
    const callId = freshCallId()
    // Refresh time 600 s > interim interval 300 s: Ralf arms a timer (300 s, repeat-for 600 s).
    expect((await post(callId, acr(2, 0, 0, { 'Acct-Interim-Interval': 600 }))).status).toBe(200)
    await advanceClock(301_000)
    const popped = await eventually(
      async () => {
        const t = await trail(callId)
        return t.some((c) => c.timer_interim === true) ? t : undefined
      },
      20_000,
      250
    )
    const timerInterim = popped.filter((c) => c.timer_interim === true)
    expect(timerInterim).toHaveLength(1)
    expect(timerInterim[0]).toMatchObject({
      record_type: 'INTERIM',
      accounting_record_number: 2,
      served_user: ORIG,
    })
    expect((await post(callId, acr(4, 0, 0))).status).toBe(200)
    // The timer would pop again at 600 s; after STOP it must not.
    await advanceClock(400_000)
    await new Promise((r) => setTimeout(r, 3_000))
    const final = await trail(callId)
    expect(final.map((c) => [c.record_type, c.accounting_record_number, c.timer_interim])).toEqual([
      ['START', 1, false],
      ['INTERIM', 2, true],
      ['STOP', 3, false],
    ])
  })

  it('without a STOP, pops stop after one refresh period (a lost BYE)', async () => {
    const callId = freshCallId()
    expect((await post(callId, acr(2, 1, 0, { 'Acct-Interim-Interval': 600 }))).status).toBe(200)
    const timerPops = async () => (await trail(callId)).filter((c) => c.timer_interim === true)
    await advanceClock(301_000)
    await eventually(async () => (await timerPops()).length === 1, 20_000, 250)
    await advanceClock(300_000)
    await eventually(async () => (await timerPops()).length === 2, 20_000, 250)
    // repeat-for (600 s) has elapsed and the pops did not re-arm the timer: no third INTERIM.
    await advanceClock(600_000)
    await new Promise((r) => setTimeout(r, 3_000))
    const pops = await timerPops()
    expect(pops.map((c) => c.accounting_record_number)).toEqual([2, 3])
  })
})
