import { beforeEach, describe, expect, it } from 'vitest'
import type { SipRequest, SipResponse } from '../../../shared/sip'
import { parseReginfoXml } from '../../../test/support/ims/reginfo-parse'
import {
  DOMAIN,
  edgeSubscribe,
  firePops,
  flowToken,
  postFromFlow,
  provisionLikeEllis,
  registerWithAuth,
  type TestSprout,
  testSprout,
} from '../../../test/support/kits/sprout-kit'

const impu = `sip:6505550010@${DOMAIN}`
const impi = `6505550010@${DOMAIN}`
const password = 'pw10'

let t: TestSprout
beforeEach(async () => {
  t = testSprout()
  await provisionLikeEllis(t.dime, impu, { password })
})

const post = (text: string, token: string) => postFromFlow(t, text, token)

async function register(
  token: string,
  callId: string,
  cseq: number,
  contacts: string[],
  expires?: number
) {
  const ok = await registerWithAuth(
    t,
    { impu, impi, password },
    { token, callId, cseq, contacts, expires }
  )
  expect(ok.status).toBe(200)
  return ok
}

const notifies = (token: string) =>
  t
    .toFlow(token)
    .map((p) => p.msg)
    .filter((m): m is SipRequest => m.kind === 'request' && m.method === 'NOTIFY')

function reginfo(n: SipRequest) {
  expect(n.getRaw('content-type')).toBe('application/reginfo+xml')
  const r = parseReginfoXml(n.body)
  if (!r.ok) throw new Error(`${r.error.path}: ${r.error.message}`)
  return r.value
}

describe('reg-event', () => {
  it('answers SUBSCRIBE with 200 and a full-state NOTIFY, then NOTIFYs each change with rising CSeq', async () => {
    const ua = flowToken(1)
    const watch = flowToken(2)
    await register(ua, 'r1', 1, [
      '<sip:ua@h.invalid;transport=ws>;+sip.instance="<urn:uuid:u1>";reg-id=1',
    ])
    const out = await post(
      edgeSubscribe({
        target: impu,
        watcher: impu,
        token: watch,
        callId: 's1',
        cseq: 1,
        expires: 600,
      }),
      watch
    )
    const ok = out.find((m) => m.kind === 'response') as SipResponse
    expect(ok.status).toBe(200)
    expect(ok.getRaw('expires')).toBe('461')
    // Sprout on top of the edge's two entries: in-dialog requests must be routed to it.
    expect(ok.getAllRaw('record-route')).toEqual([
      '<sip:sprout.a.edgewater.internal;lr>',
      `<sip:${watch}@edge.edgewater.internal;lr>`,
      `<sip:${watch}@edge.example.net;transport=ws;lr>`,
    ])
    expect(ok.getRaw('contact')).toBe('<sip:sprout.a.edgewater.internal>')
    const tag = ok.toTag!
    const [n1] = notifies(watch)
    expect(n1!.uriText).toBe('sip:watcher@client.invalid;transport=ws;ob')
    expect(n1!.getAllRaw('route')).toEqual([
      `<sip:${watch}@edge.edgewater.internal;lr>`,
      `<sip:${watch}@edge.example.net;transport=ws;lr>`,
    ])
    expect(n1!.getAllRaw('record-route')).toEqual([
      `<sip:${watch}@edge.example.net;transport=ws;lr>`,
      `<sip:${watch}@edge.edgewater.internal;lr>`,
      '<sip:sprout.a.edgewater.internal;lr>',
    ])
    expect(n1!.fromTag).toBe(tag)
    expect(n1!.toTag).toBe('w1')
    expect(n1!.getRaw('subscription-state')).toBe('active;expires=461')
    const info1 = reginfo(n1!)
    expect(info1.version).toBe(0)
    expect(info1.registrations[0]).toMatchObject({ aor: impu, state: 'active' })
    expect(info1.registrations[0]!.contacts[0]).toMatchObject({
      id: 'urn:uuid:u1:1',
      state: 'active',
      event: 'registered',
      pubGruu: `${impu};gr=urn:uuid:u1`,
    })

    // A second device registers: NOTIFY with the new contact `registered`, CSeq up by one.
    await register(flowToken(3), 'r2', 1, ['<sip:ua2@h.invalid;transport=ws>'])
    const n2 = notifies(watch)[1]!
    expect(n2.cseq.seq).toBe(n1!.cseq.seq + 1)
    expect(reginfo(n2).version).toBe(1)
    expect(reginfo(n2).registrations[0]!.contacts.map((c) => c.event)).toEqual([
      'registered',
      'registered',
    ])

    // A refresh: `refreshed`.
    await register(ua, 'r1', 5, [
      '<sip:ua@h.invalid;transport=ws>;+sip.instance="<urn:uuid:u1>";reg-id=1',
    ])
    const n3 = notifies(watch)[2]!
    expect(n3.cseq.seq).toBe(n2.cseq.seq + 1)
    expect(
      reginfo(n3).registrations[0]!.contacts.find((c) => c.id === 'urn:uuid:u1:1')?.event
    ).toBe('refreshed')

    // Unregister one: `unregistered`, terminated, listed first.
    await register(flowToken(3), 'r2', 5, ['<sip:ua2@h.invalid;transport=ws>;expires=0'])
    const n4 = notifies(watch)[3]!
    expect(reginfo(n4).registrations[0]!.contacts[0]).toMatchObject({
      state: 'terminated',
      event: 'unregistered',
    })

    // Un-SUBSCRIBE: 200, then terminated;reason=timeout.
    const un = await post(
      edgeSubscribe({
        target: impu,
        watcher: impu,
        token: watch,
        callId: 's1',
        cseq: 2,
        expires: 0,
        toTag: tag,
      }),
      watch
    )
    expect((un.find((m) => m.kind === 'response') as SipResponse).status).toBe(200)
    const n5 = notifies(watch)[4]!
    expect(n5.getRaw('subscription-state')).toBe('terminated;reason=timeout')
    expect(n5.cseq.seq).toBe(n4.cseq.seq + 1)
    // The dialog is gone.
    const again = await post(
      edgeSubscribe({
        target: impu,
        watcher: impu,
        token: watch,
        callId: 's1',
        cseq: 3,
        expires: 60,
        toTag: tag,
      }),
      watch
    )
    expect((again.find((m) => m.kind === 'response') as SipResponse).status).toBe(481)
  })

  it('refuses an unregistered target (480), a stranger (403) and a wrong Accept (406)', async () => {
    const w = flowToken(4)
    const r1 = await post(
      edgeSubscribe({ target: impu, watcher: impu, token: w, callId: 'x1', cseq: 1 }),
      w
    )
    expect((r1[0] as SipResponse).status).toBe(480)
    await register(flowToken(5), 'r', 1, ['<sip:z@h.invalid>'])
    const r2 = await post(
      edgeSubscribe({
        target: impu,
        watcher: `sip:stranger@${DOMAIN}`,
        token: w,
        callId: 'x2',
        cseq: 1,
      }),
      w
    )
    expect((r2[0] as SipResponse).status).toBe(403)
    const text = edgeSubscribe({
      target: impu,
      watcher: impu,
      token: w,
      callId: 'x3',
      cseq: 1,
    }).replace('Accept: application/reginfo+xml', 'Accept: text/plain')
    const r3 = await post(text, w)
    expect((r3[0] as SipResponse).status).toBe(406)
  })

  it('ends a subscription at its expiry with terminated;reason=timeout', async () => {
    const w = flowToken(6)
    await register(flowToken(7), 'r', 1, ['<sip:e@h.invalid>'])
    await post(
      edgeSubscribe({ target: impu, watcher: impu, token: w, callId: 'e1', cseq: 1, expires: 30 }),
      w
    )
    expect(notifies(w)).toHaveLength(1)
    t.clock.advance(31_000)
    const pops = await firePops(t)
    expect(pops.map((p) => JSON.parse(p.body).outcome)).toContain('removed')
    const last = notifies(w).at(-1)!
    expect(last.getRaw('subscription-state')).toBe('terminated;reason=timeout')
  })

  it('removes a subscription whose NOTIFY is refused with 481', async () => {
    const w = flowToken(8)
    await register(flowToken(9), 'r', 1, ['<sip:f@h.invalid>'])
    const out = await post(
      edgeSubscribe({ target: impu, watcher: impu, token: w, callId: 'f1', cseq: 1, expires: 300 }),
      w
    )
    const tag = (out.find((m) => m.kind === 'response') as SipResponse).toTag!
    const n = notifies(w)[0]!
    // The subscriber's 481 comes back through the edge with Sprout's Via on top.
    const vias = n.getAllRaw('via')
    const resp = [
      'SIP/2.0 481 Call/Transaction Does Not Exist',
      ...vias.map((v) => `Via: ${v}`),
      `From: ${n.getRaw('from')}`,
      `To: ${n.getRaw('to')}`,
      `Call-ID: ${n.callId}`,
      `CSeq: ${n.cseq.seq} NOTIFY`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n')
    expect((await t.post(resp)).status).toBe(202)
    const subs = await t.request('GET', `/impu/${encodeURIComponent(impu)}/subscriptions`)
    expect(subs.status).toBe(404)
    expect(tag).toBeTruthy()
  })
})
