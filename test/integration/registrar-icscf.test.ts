/**
 * REGISTER through the I-CSCF on the local cloud (clearwater-interfaces §5.7 "REGISTER"; TS 24.229
 * §5.3.1): a flow that has no Service-Route yet sends its REGISTER to `service=icscf`. With one
 * S-CSCF pool, the REGISTER without credentials is challenged at once (no HSS lookup, and a user
 * Homestead does not know is challenged like any other: no enumeration); the REGISTER answering
 * the challenge asks Dime's UAR (`GET /impi/<impi>/registration-status`), and an unknown user's
 * credentials get 403. Once the 200 has taught the flow its Service-Route, re-registrations go
 * straight to the S-CSCF and ask no UAR (their counts are store-counts.test.ts's).
 */
import { describe, expect, it } from 'vitest'
import { endpoints } from '../support/cloud'
import { RawSipSocket } from '../support/sip-ua'
import { counted } from '../support/store-counting'
import {
  answerChallenge,
  rawRegister,
  rawRegisterFlow,
  statusOf,
  subscriber,
} from './registrar-helpers'

/** Invocations of one function's routes in region a, by route. */
function invocations(s: Awaited<ReturnType<typeof counted>>, fn: string): Record<string, number> {
  const all = (s.regions.a as { functions: { routes: { by: Record<string, number> } } }).functions
    .routes.by
  return Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith(`${fn} `)))
}

describe('REGISTER through the I-CSCF', () => {
  it('asks the UAR for a flow’s first registration, and none for its re-registration', async () => {
    const sub = await subscriber('icscf')
    const sockets: RawSipSocket[] = []
    let ws: RawSipSocket | undefined
    let callId = ''
    const contact = `<sip:icscf@icscf.invalid;transport=ws>;+sip.instance="<urn:uuid:${crypto.randomUUID()}>";reg-id=1`
    try {
      let first = ''
      // counted() measures again when a timer of an earlier file falls into the window: each
      // window is a new flow's first registration (a flow that has registered once skips the
      // I-CSCF), and the rest of the test uses the last one.
      const initial = await counted(async () => {
        ws = await RawSipSocket.open(endpoints().sip.a)
        sockets.push(ws)
        callId = `icscf-${crypto.randomUUID()}`
        first = (await rawRegisterFlow(ws, { sub, callId, cseq: 1, contact, expires: 300 })).ok
      })
      expect(statusOf(first)).toBe(200)
      expect(first).toMatch(/\r\nService-Route: <sip:sprout\.a\.edgewater\.internal;lr;orig>/i)
      // One UAR, for the REGISTER answering the challenge; the 401 cost none.
      expect(invocations(initial, 'dime')).toEqual({
        'dime GET /impi/*/registration-status': 1,
      })
      let again = ''
      let cseq = 1
      const refresh = await counted(async () => {
        cseq += 2
        again = (await rawRegisterFlow(ws!, { sub, callId, cseq, contact, expires: 300 })).ok
      })
      expect(statusOf(again)).toBe(200)
      expect(invocations(refresh, 'dime')).toEqual({})
    } finally {
      for (const w of sockets) w.close()
    }
  })

  it('challenges a user Homestead does not know like a known one, then refuses its credentials', async () => {
    const sub = await subscriber('icscf-unknown')
    const ws = await RawSipSocket.open(endpoints().sip.a)
    try {
      const stranger = {
        ...sub,
        impu: sub.impu.replace('sip:', 'sip:nobody-'),
        impi: `nobody-${sub.impi}`,
      }
      const callId = `icscf-x-${crypto.randomUUID()}`
      const contact = '<sip:x@icscf.invalid;transport=ws>'
      let challenge = ''
      const first = await counted(async () => {
        challenge = await ws.request(
          rawRegister({ sub: stranger, callId, cseq: 1, contact, expires: 300 })
        )
      })
      expect(statusOf(challenge)).toBe(401)
      expect(challenge).toMatch(/\r\nWWW-Authenticate: Digest /i)
      expect(invocations(first, 'dime')).toEqual({})
      const r = await ws.request(
        rawRegister({
          sub: stranger,
          callId,
          cseq: 2,
          contact,
          expires: 300,
          authorization: answerChallenge(challenge, stranger),
        })
      )
      expect(statusOf(r)).toBe(403)
    } finally {
      ws.close()
    }
  })
})
