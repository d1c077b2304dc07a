/**
 * Calls through the loss of a region (docs/geo-redundancy.md "Calls through a region loss"),
 * with real sip.js phones on both edges of the local cloud:
 * - an established call survives losing either region: INFO, a re-INVITE and the BYE work;
 * - a call placed after the loss is detected connects;
 * - a call ringing when a region is lost completes or fails cleanly, and leaves no stuck state:
 *   both phones place and take a call afterwards. Losing region a loses the Sprout that handled
 *   the setup (the caller's home): the answer, whose Via names it, reaches the caller through
 *   the other region's Sprout;
 * - no phone re-registers because a region was lost: its flow lives at the edge.
 */
import type { Session } from 'sip.js'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Region } from '../../shared/config/regions'
import {
  established,
  type IncomingCall,
  newLine,
  type OutgoingCall,
  Phone,
  terminated,
  until,
} from '../interop/calls-support'
import { regionDown, regionUp } from '../support/cloud'
import { drained, heal, requireMrec } from './support/replication'

beforeAll(requireMrec)

const phones: Phone[] = []
afterEach(async () => {
  await regionUp('a')
  await regionUp('b')
  await heal()
  await Promise.all(phones.splice(0).map((p) => p.stop()))
})

/** A registered phone on `edge`, counting the REGISTERs it sends from now on. */
async function phone(edge: Region) {
  const line = await newLine({ region: edge })
  // Provisioned through region a: region b's replica has the subscriber once replicated.
  await drained()
  const p = await Phone.start(line, { region: edge })
  phones.push(p)
  const transport = p.ua.transport as unknown as { send(m: string): Promise<void> }
  const send = transport.send.bind(transport)
  const sent = { registers: 0 }
  transport.send = (m: string) => {
    if (m.startsWith('REGISTER ')) sent.registers++
    return send(m)
  }
  return { p, line, sent }
}

async function connect(from: Phone, to: Phone, impu: string) {
  const call = from.call(impu)
  const inc = await until(() => to.incoming.at(-1), 10_000, 'no INVITE at the callee')
  to.incoming.length = 0
  await inc.answer()
  expect((await call.final).status).toBe(200)
  await established(call.inviter)
  await established(inc.invitation)
  return { call, inc }
}

/** Sends INFO in the dialog; resolves with the final status. */
function info(s: Session): Promise<number> {
  return new Promise((resolve, reject) => {
    s.info({
      requestOptions: {
        body: {
          contentDisposition: 'render',
          contentType: 'application/dtmf-relay',
          content: 'Signal=5\r\nDuration=160\r\n',
        },
      },
      requestDelegate: {
        onAccept: (r) => resolve(r.message.statusCode ?? 0),
        onReject: (r) => resolve(r.message.statusCode ?? 0),
      },
    }).catch(reject)
  })
}

/** Sends a re-INVITE (session refresh) in the dialog; resolves with the final status. */
function reinvite(s: Session): Promise<number> {
  return new Promise((resolve, reject) => {
    s.invite({
      requestDelegate: {
        onAccept: (r) => resolve(r.message.statusCode ?? 0),
        onReject: (r) => resolve(r.message.statusCode ?? 0),
      },
    }).catch(reject)
  })
}

describe('calls through a region loss', () => {
  for (const lost of ['a', 'b'] as const)
    it(`an established call survives losing region ${lost}: INFO, re-INVITE and BYE`, async () => {
      const caller = await phone('a')
      const callee = await phone('b')
      const { call, inc } = await connect(caller.p, callee.p, callee.line.impu)
      await regionDown(lost)
      expect(await info(call.inviter)).toBe(200)
      expect(await info(inc.invitation)).toBe(200)
      expect(await reinvite(call.inviter)).toBe(200)
      await call.bye()
      await terminated(inc.invitation)
      await terminated(call.inviter)
      expect([caller.sent.registers, callee.sent.registers]).toEqual([0, 0])
    })

  for (const lost of ['a', 'b'] as const)
    it(`calls placed after losing region ${lost} connect, from and to either edge`, async () => {
      const x = await phone('a')
      const y = await phone('b')
      await regionDown(lost)
      for (const [from, to] of [
        [x, y],
        [y, x],
      ] as const) {
        const { call, inc } = await connect(from.p, to.p, to.line.impu)
        await call.bye()
        await terminated(inc.invitation)
      }
      expect([x.sent.registers, y.sent.registers]).toEqual([0, 0])
    })

  for (const lost of ['a', 'b'] as const)
    it(`a call ringing when region ${lost} is lost completes or fails cleanly, leaving nothing stuck`, async () => {
      const caller = await phone('a')
      const callee = await phone('b')
      const call: OutgoingCall = caller.p.call(callee.line.impu)
      const inc: IncomingCall = await until(
        () => callee.p.incoming.at(-1),
        10_000,
        'no INVITE at the callee'
      )
      callee.p.incoming.length = 0
      await inc.ring()
      await call.waitFor(180)
      await regionDown(lost)
      // The 200 travels back along Via, which names region a's or b's Sprout.
      await inc.answer().catch(() => undefined)
      const final = await Promise.race([
        call.final,
        new Promise<undefined>((r) => setTimeout(() => r(undefined), 20_000)),
      ])
      expect(final, 'the caller got no final answer').toBeDefined()
      if (final!.status === 200) {
        await established(call.inviter)
        await call.bye()
        await terminated(inc.invitation)
      } else {
        expect(final!.status).toBeGreaterThanOrEqual(400)
        await terminated(inc.invitation, 40_000)
      }
      // Nothing stuck: a new call each way connects, during the loss and after it.
      for (const [from, to] of [
        [caller, callee],
        [callee, caller],
      ] as const) {
        const c = await connect(from.p, to.p, to.line.impu)
        await c.call.bye()
        await terminated(c.inc.invitation)
      }
      await regionUp(lost)
      const again = await connect(caller.p, callee.p, callee.line.impu)
      await again.call.bye()
      await terminated(again.inc.invitation)
      expect([caller.sent.registers, callee.sent.registers]).toEqual([0, 0])
    })
})
