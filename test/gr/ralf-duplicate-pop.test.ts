/**
 * Ralf's interim timer pop delivered in both regions while they are partitioned (each region's
 * KV claim passes, docs/geo-redundancy.md "Ralf: INTERIM records"): both regions charge it with
 * the same Accounting-Record-Number and write the same CDR item, so after the heal both replicas
 * hold one record of the pop. Signed requests to each region's Dime over the cloud's real ports;
 * needs `LOCAL_TABLE_MODE=mrec`.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { timerInterimBody } from '../../functions/dime/ralf/ralf-acr'
import type { Region } from '../../shared/config/regions'
import { redis } from '../contracts/cloud-harness'
import { dime, enc } from '../integration/dime-helpers'
import { endpoints } from '../support/cloud'
import { drained, heal, partition, requireMrec } from './support/replication'

type Cdr = Record<string, unknown>

beforeAll(requireMrec)
afterEach(async () => {
  await heal()
  await drained()
})

const start = JSON.stringify({
  peers: { ccf: ['ccf1.example.com'] },
  event: {
    'Accounting-Record-Type': 2,
    'Acct-Interim-Interval': 900,
    'Service-Information': {
      'IMS-Information': {
        'Role-Of-Node': 0,
        'Node-Functionality': 0,
        'Event-Type': { 'SIP-Method': 'INVITE' },
        'Calling-Party-Address': ['<sip:6505550111@example.com>'],
        'Called-Party-Address': 'sip:6505550112@example.com',
      },
    },
  },
})

const trail = async (callId: string, region: Region) =>
  (
    (await (await dime('GET', `/cdrs?call-id=${enc(callId)}`, undefined, { region })).json()) as {
      cdrs: Cdr[]
    }
  ).cdrs

describe('Ralf interim pops under a partition', () => {
  it('a pop delivered in both regions is one CDR with one Accounting-Record-Number', async () => {
    const callId = `gr-ralf-${Date.now()}-${Math.floor(Math.random() * 1e9)}@ue.example.com`
    expect((await dime('POST', `/call-id/${enc(callId)}`, start)).status).toBe(200)
    await drained()
    // The pop's body, as the timer service delivers it: the arming stamp is in the session.
    const session = (await redis(endpoints(), 'b').get<{ armed_at: number }>(
      `ralf:session:${callId}:0:0`
    ))!
    expect(session.armed_at).toBeGreaterThan(0)
    const body = timerInterimBody(0, 0, session.armed_at, 1)
    await partition()
    const answers = await Promise.all(
      (['a', 'b'] as const).map(async (region) => {
        const r = await dime('POST', `/call-id/${enc(callId)}?timer-interim=true`, body, {
          region,
          headers: { 'x-sequence-number': '0' },
        })
        expect(r.status).toBe(200)
        return (await r.json()) as { result: string; accounting_record_number?: number }
      })
    )
    // Each region charged it (its own claim passed), with the same number.
    expect(answers).toEqual([
      { result: 'timer interim charged', accounting_record_number: 2 },
      { result: 'timer interim charged', accounting_record_number: 2 },
    ])
    await heal()
    await drained()
    for (const region of ['a', 'b'] as const) {
      const cdrs = await trail(callId, region)
      expect(cdrs.map((c) => [c.record_type, c.accounting_record_number, c.timer_interim])).toEqual(
        [
          ['START', 1, false],
          ['INTERIM', 2, true],
        ]
      )
    }
  })
})
