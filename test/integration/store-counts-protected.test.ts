/**
 * Store operations of a re-registration without a fresh challenge (docs/registrar.md,
 * "Re-registration without a fresh challenge"), counted by the local cloud (control API
 * `GET /counters`) and asserted exactly, beside the challenged shape that
 * store-counts.test.ts asserts: over an authenticated TLS flow (`/sip?tls=loopback`, which the
 * local cloud counts as `wss:`), one REGISTER → 200 costs one Sprout invocation, 3 KV commands
 * (region a: the `MGET` of the AoR and Homestead's cache entries, the AoR's `SET … GET`; region b:
 * the dual write) and no table operation or schedule.
 */
import { describe, expect, it } from 'vitest'
import { endpoints } from '../support/cloud'
import { RawSipSocket } from '../support/sip-ua'
import { counted, fired, shape } from '../support/store-counting'
import { rawRegister, rawRegisterFlow, statusOf, subscriber } from './registrar-helpers'

/** One protected re-registration: REGISTER → 200. */
const PROTECTED_REGISTRATION = {
  a: {
    kv: { MGET: 1, SET: 1 },
    table: {},
    scheduler: {},
    functions: { 'sprout POST /sip': 1 },
    edge: {},
  },
  b: { kv: { SET: 1 }, table: {}, scheduler: {}, functions: {}, edge: {} },
}

describe('store operations of a protected re-registration', () => {
  it('REGISTER → 200 on an authenticated TLS flow: 1 invocation, 3 KV commands, 0 table operations', async () => {
    const sub = await subscriber('pcounts')
    const ws = await RawSipSocket.open(`${endpoints().sip.a}?tls=loopback`)
    const callId = `pcounts-${crypto.randomUUID()}`
    const contact = `<sip:pcounts@pcounts.invalid;transport=ws>;+sip.instance="<urn:uuid:${crypto.randomUUID()}>";reg-id=1`
    try {
      const first = await rawRegisterFlow(ws, { sub, callId, cseq: 1, contact, expires: 300 })
      expect(statusOf(first.ok)).toBe(200)
      let cseq = 3
      const answers: number[] = []
      const s = await counted(async () => {
        // No Authorization: the edge makes one with the flow's IMPI, marked tls-yes.
        answers.push(
          statusOf(
            await ws.request(rawRegister({ sub, callId, cseq: cseq++, contact, expires: 300 }))
          )
        )
      })
      expect(answers.at(-1)).toBe(200)
      expect(fired(s)).toBe(0)
      expect(shape(s)).toEqual(PROTECTED_REGISTRATION)
    } finally {
      ws.close()
    }
  })
})
