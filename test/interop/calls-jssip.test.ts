/**
 * Calls with JsSIP 3.13 through the local cloud, as the sip.js calls are tested
 * (calls-basic.test.ts): JsSIP to JsSIP with JsSIP's default session timers (RFC 4028), hold and
 * resume by re-INVITE, in-dialog INFO carrying DTMF (application/dtmf-relay), CANCEL, and calls
 * between JsSIP and sip.js in both directions. Media is a fixed SDP (jssip-support.ts).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { established, newLine, Phone, terminated, until } from './calls-support'
import { headerOf, JsPhone, NO_MEDIA } from './jssip-support'

const stops: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()))
})
async function jsPhone(...args: Parameters<typeof JsPhone.start>) {
  const p = await JsPhone.start(...args)
  stops.push(() => p.stop())
  return p
}
async function sipjsPhone(...args: Parameters<typeof Phone.start>) {
  const p = await Phone.start(...args)
  stops.push(() => p.stop())
  return p
}

/** The last raw message whose start line matches and that belongs to `callId`. */
const lastOf = (msgs: string[], re: RegExp, callId: string) =>
  msgs.filter((m) => re.test(m.slice(0, m.indexOf('\r\n'))) && m.includes(callId)).at(-1)

/**
 * Waits for the next INVITE to arrive in `msgs` (JsSIP reports hold and unhold as soon as it
 * sends the re-INVITE, so the test waits for the request itself).
 */
async function nextInvite(msgs: string[], seen: number): Promise<string> {
  const invites = () => msgs.filter((m) => m.startsWith('INVITE '))
  await until(() => invites().length > seen, 10_000, 're-INVITE arrived')
  return invites()[seen]!
}
const countInvites = (msgs: string[]) => msgs.filter((m) => m.startsWith('INVITE ')).length

/** Statuses of the responses to the first INVITE of `callId`, in arrival order. */
const inviteStatuses = (msgs: string[], callId: string) =>
  msgs
    .filter((m) => m.startsWith('SIP/2.0 ') && m.includes(callId) && /CSeq: \d+ INVITE/.test(m))
    .map((m) => Number(m.slice(8, 11)))

describe('JsSIP to JsSIP', () => {
  it('connects with JsSIP’s session timers as RFC 4028 has them, holds, resumes, sends DTMF by INFO and hangs up', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const [a, b] = await Promise.all([jsPhone(la), jsPhone(lb)])
    const call = a.call(lb.impu)
    const inc = await b.nextCall()
    const callId = (inc.session as unknown as { _request: { call_id: string } })._request.call_id
    const invite = lastOf(b.received, /^INVITE /, callId)!
    // JsSIP asks for 90 s and supports timers; 90 s is below Sprout's 600 s target and not
    // below its Min-SE (90 s), so Sprout leaves it alone (RFC 4028 §8.1: a proxy never raises
    // Session-Expires; clearwater-interfaces §5.6).
    expect(headerOf(invite, 'Session-Expires', 'x')).toBe('90')
    expect(headerOf(invite, 'Supported', 'k')).toMatch(/\btimer\b/)
    inc.session.answer(NO_MEDIA)
    const ok = await call.waitFor(200)
    // The callee took up the timer (refresher=uas, RFC 4028 §9); Sprout adds nothing (§8.2).
    expect(ok.getHeader('Session-Expires')).toBe('90;refresher=uas')
    await call.waitEvent('confirmed:local')
    await inc.waitEvent('confirmed:remote')
    expect([...new Set(inviteStatuses(a.received, callId))]).toEqual([100, 180, 200])

    // Hold: a re-INVITE offering a=sendonly, answered 200, which refreshes the session.
    expect(call.session.hold()).toBe(true)
    const hold = await nextInvite(b.received, 1)
    await inc.waitEvent('hold:remote')
    expect(hold).toMatch(/a=sendonly/)
    expect(headerOf(hold, 'Session-Expires', 'x')).toBe('90;refresher=uas')
    await call.waitEvent('hold:local')
    await until(() => call.session.isReadyToReOffer(), 10_000, 'hold re-INVITE answered')
    expect(call.session.isOnHold()).toEqual({ local: true, remote: false })
    expect(inc.session.isOnHold()).toEqual({ local: false, remote: true })
    expect(call.session.unhold()).toBe(true)
    expect(await nextInvite(b.received, 2)).not.toMatch(/a=(sendonly|recvonly|inactive)/)
    await inc.waitEvent('unhold:remote')
    await until(() => call.session.isReadyToReOffer(), 10_000, 'resume re-INVITE answered')

    // DTMF by in-dialog INFO (application/dtmf-relay), each answered 200.
    call.session.sendDTMF('15#', { duration: 100, interToneGap: 50 })
    await until(() => inc.infos.length === 3, 10_000, 'three INFOs')
    expect(inc.infos.map((i) => i.getHeader('Content-Type'))).toEqual([
      'application/dtmf-relay',
      'application/dtmf-relay',
      'application/dtmf-relay',
    ])
    expect(inc.infos.map((i) => /Signal=\s*(\S)/.exec(i.body ?? '')?.[1])).toEqual(['1', '5', '#'])
    await until(
      () =>
        a.receivedMatching(/^SIP\/2\.0 200 /).filter((m) => /CSeq: \d+ INFO/.test(m)).length === 3,
      10_000,
      'three 200s to INFO'
    )

    // The callee hangs up; its BYE follows the route set back through Sprout.
    inc.session.terminate()
    expect((await call.waitEnded()).originator).toBe('remote')
    expect((await inc.waitEnded()).originator).toBe('local')
    expect(call.established).toBe(false)
  })

  it('cancels a ringing call: 200 to the CANCEL, 487 to the INVITE, the callee sees the CANCEL', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const [a, b] = await Promise.all([jsPhone(la), jsPhone(lb)])
    const call = a.call(lb.impu)
    const inc = await b.nextCall()
    await call.waitFor(180)
    call.session.terminate()
    const ended = await call.waitEnded()
    expect(ended.cause).toBe('Canceled')
    const calleeEnd = await inc.waitEnded()
    expect(calleeEnd).toMatchObject({ originator: 'remote', cause: 'Canceled' })
    await until(
      () =>
        a.receivedMatching(/^SIP\/2\.0 487 /).some((m) => /CSeq: \d+ INVITE/.test(m)) &&
        a.receivedMatching(/^SIP\/2\.0 200 /).some((m) => /CSeq: \d+ CANCEL/.test(m)),
      10_000,
      '487 to the INVITE and 200 to the CANCEL'
    )
    expect(b.receivedMatching(/^CANCEL /)).toHaveLength(1)
  })
})

describe('JsSIP and sip.js', () => {
  it('JsSIP calls sip.js: Sprout asks JsSIP to refresh (RFC 4028 §8.2), hold, INFO, BYE', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const [a, b] = await Promise.all([jsPhone(la), sipjsPhone(lb)])
    const call = a.call(lb.impu)
    const inc = await b.nextCall()
    const infos: Array<{ type?: string; body: string }> = []
    inc.invitation.delegate = {
      ...inc.invitation.delegate,
      onInfo: (info) => {
        infos.push({
          type: info.request.getHeader('Content-Type'),
          body: info.request.body,
        })
        void info.accept()
      },
    }
    expect(inc.header('Session-Expires')).toBe('90')
    await inc.ring()
    await call.waitFor(180)
    await inc.answer()
    const ok = await call.waitFor(200)
    // sip.js does not run session timers; JsSIP said it does, so Sprout makes it the refresher.
    expect(ok.getHeader('Session-Expires')).toBe('90;refresher=uac')
    expect(ok.getHeader('Require')).toBe('timer')
    await call.waitEvent('confirmed:local')
    await established(inc.invitation)

    expect(call.session.hold()).toBe(true)
    const hold = await nextInvite(b.received, 1)
    expect(hold).toMatch(/a=sendonly/)
    expect(headerOf(hold, 'Session-Expires', 'x')).toBe('90;refresher=uac')
    await until(() => call.session.isReadyToReOffer(), 10_000, 'hold re-INVITE answered')
    expect(call.session.unhold()).toBe(true)
    expect(await nextInvite(b.received, 2)).not.toMatch(/a=(sendonly|recvonly|inactive)/)
    await until(() => call.session.isReadyToReOffer(), 10_000, 'resume re-INVITE answered')

    call.session.sendDTMF('7', { duration: 160 })
    await until(() => infos.length === 1, 10_000, 'INFO at sip.js')
    expect(infos[0]!.type).toBe('application/dtmf-relay')
    expect(infos[0]!.body).toMatch(/^Signal=7\r\nDuration=160/)

    call.session.terminate()
    await terminated(inc.invitation)
    expect((await call.waitEnded()).originator).toBe('local')
  })

  it('sip.js calls JsSIP: the callee takes up Sprout’s session interval as refresher, then sip.js hangs up', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const [a, b] = await Promise.all([sipjsPhone(la), jsPhone(lb)])
    const call = a.call(lb.impu)
    const inc = await b.nextCall()
    const callId = call.inviter.request.callId
    // sip.js asks for no interval; Sprout, staying in the dialog, asks for 600 s (§8.1).
    expect(headerOf(lastOf(b.received, /^INVITE /, callId)!, 'Session-Expires', 'x')).toBe('600')
    await call.waitFor(180)
    inc.session.answer(NO_MEDIA)
    const ok = await call.final
    expect(ok.status).toBe(200)
    // sip.js did not say it supports timers, so the UAS refreshes and nobody is told to
    // require the extension of sip.js (RFC 4028 §9).
    expect(ok.header('Session-Expires')).toBe('600;refresher=uas')
    expect(ok.header('Require')).toBeUndefined()
    await established(call.inviter)
    await inc.waitEvent('confirmed:remote')
    // The callee holds the caller: JsSIP's re-INVITE reaches sip.js through Sprout.
    const before = countInvites(a.received)
    expect(inc.session.hold()).toBe(true)
    expect(await nextInvite(a.received, before)).toMatch(/a=sendonly/)
    await until(() => inc.session.isReadyToReOffer(), 10_000, 'hold re-INVITE answered')
    expect(inc.session.unhold()).toBe(true)
    expect(await nextInvite(a.received, before + 1)).not.toMatch(/a=(sendonly|recvonly|inactive)/)
    await until(() => inc.session.isReadyToReOffer(), 10_000, 'resume re-INVITE answered')
    await call.bye()
    expect((await inc.waitEnded()).originator).toBe('remote')
    await terminated(call.inviter)
  })

  it('sip.js cancels a call ringing at JsSIP', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const [a, b] = await Promise.all([sipjsPhone(la), jsPhone(lb)])
    const call = a.call(lb.impu)
    const inc = await b.nextCall()
    await call.waitFor(180)
    await call.cancel()
    expect((await call.final).status).toBe(487)
    expect(await inc.waitEnded()).toMatchObject({ originator: 'remote', cause: 'Canceled' })
  })
})
