/**
 * The order of a flow's messages across the internal hop (docs/internal-hop.md, order), over
 * real WebSockets on the local cloud: SIP over WebSocket is an ordered transport (RFC 3261 §18,
 * RFC 7118), so what one client sends reaches the core in that order, and what the core sends one
 * client reaches it in that order. Each case repeats a burst that a reordering hop would swap.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { parseMessage, type SipRequest, type SipResponse } from '../../shared/sip'
import {
  callIdOf,
  cseqOf,
  inDialog,
  isRequest,
  OFFER,
  RawParty,
  statusLine,
} from './flow-order-support'
import { answerChallenge, rawRegister, type Subscriber, subscriber } from './registrar-helpers'

const parties: RawParty[] = []
async function party(name: string, sub?: Subscriber): Promise<RawParty> {
  const p = await RawParty.open(name, sub)
  parties.push(p)
  return p
}
afterAll(() => {
  for (const p of parties) p.sock.close()
})

/** Everything `p` received on call `callId`. */
const onCall = (p: RawParty, callId: string) =>
  p.sock.received.filter((m) => callIdOf(m) === callId)

/** 200 calls: four caller/callee pairs side by side, each making its calls in a row. */
const PAIRS = 4
const CALLS_PER_PAIR = 50

/** One pair's calls; what each caller heard and each callee got, call by call. */
async function callsInARow(pair: number): Promise<{ heard: number[][]; got: string[][] }> {
  const [caller, callee] = await Promise.all([
    party(`order-caller-${pair}`),
    party(`order-callee-${pair}`),
  ])
  callee.onRequest = (req) => {
    // 180 and 200 leave in one burst; the BYE is answered at once too.
    if (req.method === 'INVITE') callee.answer(req, [180, 200])
    else if (req.method === 'BYE') callee.answer(req, [200])
  }
  const heard: number[][] = []
  const got: string[][] = []
  for (let i = 0; i < CALLS_PER_PAIR; i++) {
    const callId = `order-${pair}-${i}-${Date.now().toString(36)}`
    const text = caller.request('INVITE', callee.sub.impu, callId, OFFER)
    const invite = parseMessage(text) as SipRequest
    caller.send(text)
    const okText = await caller.sock.next(
      (m) => callIdOf(m) === callId && statusLine(m) === 200 && cseqOf(m)?.[2] === 'INVITE'
    )
    const ok = parseMessage(okText) as SipResponse
    // ACK and BYE back to back: the BYE leaves before anything comes back for the ACK.
    caller.send(inDialog('ACK', invite, ok, 1))
    caller.send(inDialog('BYE', invite, ok, 2))
    await caller.sock.next(
      (m) => callIdOf(m) === callId && statusLine(m) === 200 && cseqOf(m)?.[2] === 'BYE'
    )
    heard.push(onCall(caller, callId).map(statusLine))
    got.push(
      onCall(callee, callId)
        .filter((m) => !statusLine(m))
        .map((m) => m.slice(0, m.indexOf(' ')))
    )
  }
  return { heard, got }
}

describe('calls whose callee answers at once', () => {
  it(`reach the caller as 100, 180, 200 and the callee as INVITE, ACK, BYE, ${PAIRS * CALLS_PER_PAIR} times`, async () => {
    const pairs = await Promise.all(Array.from({ length: PAIRS }, (_, p) => callsInARow(p)))
    const calls = PAIRS * CALLS_PER_PAIR
    // The caller: the edge's 100, the callee's 180 then 200, then the 200 to its BYE.
    expect(pairs.flatMap((p) => p.heard)).toEqual(
      Array.from({ length: calls }, () => [100, 180, 200, 200])
    )
    expect(pairs.flatMap((p) => p.got)).toEqual(
      Array.from({ length: calls }, () => ['INVITE', 'ACK', 'BYE'])
    )
  }, 180_000)
})

describe('a chat', () => {
  it('delivers 100 MESSAGEs sent back to back in the order they were sent', async () => {
    const [from, to] = await Promise.all([party('chat-from'), party('chat-to')])
    const bodies: string[] = []
    to.onRequest = (req) => {
      if (req.method !== 'MESSAGE') return
      bodies.push(req.body)
      to.answer(req, [200])
    }
    const tag = Date.now().toString(36)
    for (let i = 0; i < 100; i++)
      from.send(from.request('MESSAGE', to.sub.impu, `chat-${tag}-${i}`, `line ${i}`))
    await from.sock.next(
      () => from.sock.received.filter((m) => cseqOf(m)?.[2] === 'MESSAGE').length >= 100,
      20_000
    )
    const answers = from.sock.received.filter((m) => cseqOf(m)?.[2] === 'MESSAGE')
    expect(answers.map(statusLine)).toEqual(Array.from({ length: 100 }, () => 200))
    expect(answers.map(callIdOf)).toEqual(Array.from({ length: 100 }, (_, i) => `chat-${tag}-${i}`))
    expect(bodies).toEqual(Array.from({ length: 100 }, (_, i) => `line ${i}`))
  })
})

describe('a reg-event subscription', () => {
  it('hears the NOTIFYs of a burst of registration changes in order (CSeq and version)', async () => {
    const sub = await subscriber('order-notify')
    const watcher = await party('order-watcher', sub)
    const notifies: string[] = []
    watcher.onRequest = (req, raw) => {
      if (req.method !== 'NOTIFY') return
      notifies.push(raw)
      watcher.answer(req, [200])
    }
    const subscribe = watcher
      .request('SUBSCRIBE', sub.impu, `order-sub-${Date.now().toString(36)}`)
      .replace(
        '\r\nContent-Length',
        '\r\nEvent: reg\r\nAccept: application/reginfo+xml\r\nExpires: 600\r\nContent-Length'
      )
    expect(statusLine(await watcher.sock.request(subscribe))).toBe(200)
    await watcher.sock.next((m) => isRequest(m, 'NOTIFY'))

    // Another flow of the same subscriber: one challenge, then a burst of REGISTERs, each with
    // the next nonce count, adding bindings and then removing them.
    const device = await party('order-device', sub)
    const callId = `order-burst-${Date.now().toString(36)}`
    const challenge = await device.sock.request(rawRegister({ sub, callId, cseq: 1 }))
    const CHANGES = 12
    for (let i = 0; i < CHANGES; i++) {
      const add = i < CHANGES / 2
      const n = add ? i : i - CHANGES / 2
      device.send(
        rawRegister({
          sub,
          callId,
          cseq: 2 + i,
          contact: `<sip:burst-${n}@raw.invalid;transport=ws>`,
          expires: add ? 300 : 0,
          authorization: answerChallenge(challenge, sub, 1 + i),
        })
      )
    }
    const oks = () =>
      device.sock.received.filter((m) => callIdOf(m) === callId && cseqOf(m)?.[1] !== '1')
    await device.sock.next(() => oks().length >= CHANGES, 20_000)
    expect(oks().map(statusLine)).toEqual(Array.from({ length: CHANGES }, () => 200))
    // The initial NOTIFY, the device's own registration, then one per change.
    await watcher.sock.next(() => notifies.length >= 2 + CHANGES, 20_000)

    const cseqs = notifies.map((m) => Number(cseqOf(m)?.[1]))
    const versions = notifies.map((m) => Number(/version="(\d+)"/.exec(m)?.[1]))
    const rising = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]!)
    expect(rising(cseqs), `NOTIFY CSeqs in arrival order: ${cseqs.join(',')}`).toBe(true)
    expect(rising(versions), `reginfo versions in arrival order: ${versions.join(',')}`).toBe(true)
  })
})
