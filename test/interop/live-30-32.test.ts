/**
 * clearwater-live-test scenarios 30 and 32 (clearwater-interfaces §10) with real sip.js clients
 * through the local cloud, each asserting the SIP exchange every party saw and the final state.
 *
 * - 30 "Call Forking - Endpoint offline": the callee has two bindings; the second receives the
 *   INVITE and never answers anything (its flow is up, the phone behind it is gone); the first
 *   answers and the call completes.
 * - 32 "Call Waiting - Accepted": a callee already in a call receives a second INVITE, rings it
 *   with `Alert-Info: <urn:alert:service:call-waiting>` (which reaches the second caller
 *   unchanged), holds the first call and accepts the waiting one.
 */
import { SessionState } from 'sip.js'
import { describe, expect, it } from 'vitest'
import { AUDIO_SDP, callIdOf, established, newLine, terminated, until } from './calls-support'
import { phonesForEachTest } from './phone-pool'

const phone = phonesForEachTest()

const startLine = (m: string) => m.slice(0, m.indexOf('\r\n'))
const header = (m: string, name: string) =>
  new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(m.slice(0, m.indexOf('\r\n\r\n')))?.[1]?.trim()
const topBranch = (m: string) => /^Via:[^\r\n]*;branch=([^;\s,]+)/im.exec(m)?.[1]
/** Messages of one call, by Call-ID. */
const ofCall = (msgs: string[], callId: string) =>
  msgs.filter((m) => header(m, 'Call-ID') === callId)

describe('live test 30: Call Forking - Endpoint offline', () => {
  it('completes the call on the binding that answers while the other never responds', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const a = await phone(la)
    const [b1, b2] = await Promise.all([phone(lb), phone(lb)])
    // Binding 2 goes silent: its flow stays registered and up, but nothing it receives reaches
    // its SIP stack, so it sends no 100, no 180, no answer and no reply to a CANCEL.
    const transport = b2.ua.transport as unknown as { onMessage?: (m: string) => void }
    const alive = transport.onMessage
    transport.onMessage = (m: string) => void b2.received.push(m)
    const silentFrom = b2.received.length

    const call = a.call(lb.impu)
    const callId = callIdOf(call)
    const i1 = await b1.nextCall()
    await until(
      () => ofCall(b2.received.slice(silentFrom), callId).some((m) => m.startsWith('INVITE ')),
      10_000,
      'binding 2 received the INVITE'
    )
    await i1.ring()
    await call.waitFor(180)
    await i1.answer()
    const ok = await call.final
    expect(ok.status).toBe(200)
    await established(call.inviter)
    await established(i1.invitation)

    // Binding 2 saw the INVITE and then the CANCEL of that same transaction (RFC 3261 §9.1).
    const atB2 = await until(
      () => {
        const got = ofCall(b2.received.slice(silentFrom), callId)
        return got.some((m) => m.startsWith('CANCEL ')) ? got : undefined
      },
      10_000,
      'binding 2 received the CANCEL'
    )
    expect(atB2.map((m) => startLine(m).split(' ')[0])).toEqual(['INVITE', 'CANCEL'])
    const [invite2, cancel2] = atB2 as [string, string]
    expect(topBranch(cancel2)).toBe(topBranch(invite2))
    expect(header(cancel2, 'CSeq')).toBe(header(invite2, 'CSeq')!.replace('INVITE', 'CANCEL'))
    // Each binding got the INVITE at its own registered contact.
    const invite1 = ofCall(b1.received, callId).find((m) => m.startsWith('INVITE '))!
    expect(startLine(invite2)).not.toBe(startLine(invite1))

    // The caller saw one final answer only: binding 2's silence never reaches it.
    expect([...new Set(call.statuses())]).toEqual([100, 180, 200])
    expect(ofCall(a.received, callId).filter((m) => /^SIP\/2\.0 [2-6]\d\d /.test(m))).toHaveLength(
      1
    )

    // Talk, then hang up: the BYE goes to binding 1 only.
    await call.bye()
    await terminated(i1.invitation)
    await terminated(call.inviter)
    expect(ofCall(b2.received.slice(silentFrom), callId).some((m) => m.startsWith('BYE '))).toBe(
      false
    )
    expect(
      ofCall(b1.received, callId)
        .map((m) => startLine(m).split(' ')[0])
        .filter((w) => w !== 'SIP/2.0')
    ).toEqual(['INVITE', 'ACK', 'BYE'])
    // Binding 2 comes back, so it can unregister.
    transport.onMessage = alive
  })
})

describe('live test 30, the binding’s connection gone', () => {
  it('completes the call on the live binding when the other binding’s WebSocket has closed', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const a = await phone(la)
    const [b1, b2] = await Promise.all([phone(lb), phone(lb)])
    // Binding 2's phone disappears without unregistering: its flow closes, its binding stays.
    await (b2.ua.transport as unknown as { disconnect(): Promise<void> }).disconnect()
    const call = a.call(lb.impu)
    const i1 = await b1.nextCall()
    await i1.ring()
    await i1.answer()
    expect((await call.final).status).toBe(200)
    await established(call.inviter)
    // The dead flow's failure stays inside Sprout's fork: the caller sees one final answer.
    expect([...new Set(call.statuses())]).toEqual([100, 180, 200])
    expect(b2.incoming).toHaveLength(0)
    await call.bye()
    await terminated(i1.invitation)
  })
})

describe('live test 32: Call Waiting - Accepted', () => {
  it('rings the busy callee with Alert-Info passed unchanged, holds the first call and accepts the second', async () => {
    const [la, lb, lc] = await Promise.all([newLine(), newLine(), newLine()])
    const [a, b, c] = await Promise.all([phone(la), phone(lb), phone(lc)])

    // A calls B; B answers.
    const first = a.call(lb.impu)
    const i1 = await b.nextCall()
    await i1.answer()
    expect((await first.final).status).toBe(200)
    await established(first.inviter)
    await established(i1.invitation)

    // C calls B, who is in a call: Sprout delivers it (no busy handling configured).
    const second = c.call(lb.impu)
    const i2 = await b.nextCall(10_000, 1)
    expect(i1.state).toBe(SessionState.Established)
    await i2.invitation.progress({
      statusCode: 180,
      extraHeaders: ['Alert-Info: <urn:alert:service:call-waiting>'],
    })
    const ringing = await until(
      () => second.responses.find((r) => r.status === 180 && r.header('Alert-Info')),
      10_000,
      '180 with Alert-Info at C'
    )
    expect(ringing.header('Alert-Info')).toBe('<urn:alert:service:call-waiting>')
    const raw180 = ofCall(c.received, callIdOf(second)).find(
      (m) => m.startsWith('SIP/2.0 180 ') && /^Alert-Info:/im.test(m)
    )!
    expect(header(raw180, 'Alert-Info')).toBe('<urn:alert:service:call-waiting>')

    // B holds A: a re-INVITE in the first dialog offering a=sendonly (RFC 3264 §8.4).
    const holdSdp = `${AUDIO_SDP}a=sendonly\r\n`
    const sdh = i1.invitation.sessionDescriptionHandler as unknown as { sdp: string }
    sdh.sdp = holdSdp
    const invitesAtA = () =>
      ofCall(a.received, callIdOf(first)).filter((m) => m.startsWith('INVITE '))
    await i1.invitation.invite()
    const hold = await until(() => invitesAtA()[0], 10_000, 'hold re-INVITE at A')
    expect(hold).toMatch(/\r\na=sendonly\r\n/)
    await until(
      () =>
        ofCall(b.received, callIdOf(first)).some(
          (m) => m.startsWith('SIP/2.0 200 ') && header(m, 'CSeq') === header(hold, 'CSeq')
        ),
      10_000,
      'A answered the hold'
    )

    // B accepts the waiting call; C acknowledges; B now has two dialogs up.
    await i2.answer()
    expect((await second.final).status).toBe(200)
    await established(second.inviter)
    await established(i2.invitation)
    expect(i1.state).toBe(SessionState.Established)
    expect(first.inviter.state).toBe(SessionState.Established)
    expect([...new Set(second.statuses())]).toEqual([100, 180, 200])

    // B ends the held call, then C hangs up: everything ends cleanly.
    await i1.invitation.bye()
    await terminated(first.inviter)
    await terminated(i1.invitation)
    expect(i2.state).toBe(SessionState.Established)
    await second.bye()
    await terminated(i2.invitation)
    await terminated(second.inviter)
    const atB = (callId: string) =>
      ofCall(b.received, callId)
        .map((m) => startLine(m).split(' ')[0])
        .filter((w) => w !== 'SIP/2.0')
    expect(atB(callIdOf(first))).toEqual(['INVITE', 'ACK'])
    expect(atB(callIdOf(second))).toEqual(['INVITE', 'ACK', 'BYE'])
  })
})
