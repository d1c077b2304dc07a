/**
 * Ralf and a failing timer service or table (ralf-service.ts): a timer request that fails never
 * costs a CDR, and an ACR is answered 200 only once its CDR is in the table.
 */
import { describe, expect, it, vi } from 'vitest'
import { Unavailable } from '../../../shared/vellum/errors'
import { testDime } from '../../../test/support/kits/dime-kit'

const CALL = 'timer-faults@pc33.example.com'
const enc = encodeURIComponent

function acr(type: number, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    ...(type === 2 ? { peers: { ccf: ['cdf1.example.com'] } } : {}),
    event: {
      'Accounting-Record-Type': type,
      'Service-Information': {
        'IMS-Information': {
          'Role-Of-Node': 0,
          'Node-Functionality': 0,
          'Calling-Party-Address': ['sip:6505550001@example.com'],
          'Called-Party-Address': 'sip:6505550002@example.com',
        },
      },
      ...extra,
    },
  })
}

type Kit = ReturnType<typeof testDime>
const post = (kit: Kit, body: string) => kit.request('POST', `/call-id/${enc(CALL)}`, body)
const trail = async (kit: Kit) =>
  (
    (await (await kit.request('GET', `/cdrs?call-id=${enc(CALL)}`)).json()) as {
      cdrs: Array<{ record_type: string; accounting_record_number: number }>
    }
  ).cdrs.map((c) => [c.record_type, c.accounting_record_number])
const start = (kit: Kit) => post(kit, acr(2, { 'Acct-Interim-Interval': 600 }))

describe('Ralf with a failing timer service', () => {
  it('answers a START 200 with its CDR written when the interim timer cannot be set, and charges the rest of the call', async () => {
    const kit = testDime()
    const set = vi.spyOn(kit.vellum.timers, 'set').mockRejectedValue(new Error('down'))
    expect((await start(kit)).status).toBe(200)
    // Tried once more, then the session goes on without its timer.
    expect(set).toHaveBeenCalledTimes(2)
    expect(kit.vellum.timers.timers.size).toBe(0)
    kit.clock.advance(1_000)
    expect((await post(kit, acr(3))).status).toBe(200)
    kit.clock.advance(1_000)
    expect((await post(kit, acr(4))).status).toBe(200)
    expect(await trail(kit)).toEqual([
      ['START', 1],
      ['INTERIM', 2],
      ['STOP', 3],
    ])
  })

  it('arms the timer when the second attempt succeeds', async () => {
    const kit = testDime()
    const set = vi.spyOn(kit.vellum.timers, 'set').mockRejectedValueOnce(new Error('blip'))
    expect((await start(kit)).status).toBe(200)
    expect(set).toHaveBeenCalledTimes(2)
    expect(kit.vellum.timers.timers.size).toBe(1)
  })

  it('records the STOP when the timer cannot be deleted, and ends the session', async () => {
    const kit = testDime()
    expect((await start(kit)).status).toBe(200)
    const del = vi.spyOn(kit.vellum.timers, 'delete').mockRejectedValue(new Error('down'))
    kit.clock.advance(1_000)
    expect((await post(kit, acr(4))).status).toBe(200)
    expect(del).toHaveBeenCalledTimes(2)
    expect(await trail(kit)).toEqual([
      ['START', 1],
      ['STOP', 2],
    ])
    // The session is gone: the timer's remaining pops find none and are ignored.
    const late = await post(kit, acr(3))
    expect(((await late.json()) as { result: string }).result).toMatch(/no session/)
  })
})

describe('Ralf with a failing table', () => {
  it('answers a STOP whose CDR could not be written with an error and keeps the session, so the retry is recorded', async () => {
    const kit = testDime()
    expect((await start(kit)).status).toBe(200)
    kit.clock.advance(1_000)
    const put = vi
      .spyOn(kit.vellum.table, 'put')
      .mockRejectedValueOnce(new Unavailable('table unreachable', 'table'))
    expect((await post(kit, acr(4))).status).toBeGreaterThanOrEqual(500)
    put.mockRestore()
    expect(kit.vellum.timers.timers.size).toBe(1)
    expect((await post(kit, acr(4))).status).toBe(200)
    expect((await trail(kit)).map(([type]) => type)).toEqual(['START', 'STOP'])
    expect(kit.vellum.timers.timers.size).toBe(0)
  })
})
