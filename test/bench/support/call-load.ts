/**
 * @module call-load
 * The call load generator the calls bench drives both systems with: sip.js 0.21 user agents in
 * Node (`ws`, a fixed SDP instead of WebRTC), one WebSocket per agent. Each call is INVITE →
 * 100 → 180 → 200 → ACK → BYE → 200 between a caller and a callee that rings (sip.js's own 180)
 * and answers at once; `talkMs` is the wait between the 200 and the BYE. Every SIP message the
 * agents send is counted (for the WebSocket part of the cost model). A call's result names its
 * Call-ID (for `edgewater trace`) and, when it failed, how: the final response, or the step that
 * had not come within its limit ({@link CALL_LIMIT_MS} by default).
 */
import {
  type Invitation,
  Inviter,
  Registerer,
  RegistererState,
  SessionState,
  UserAgent,
} from 'sip.js'
import WebSocket from 'ws'
import type { Account } from './register-load'
import { sleep } from './stats'

/** SIP messages sent by every agent of this process. */
export const sent = { messages: 0 }

const send = WebSocket.prototype.send
WebSocket.prototype.send = function (this: WebSocket, ...args: unknown[]) {
  sent.messages++
  return (send as (...a: unknown[]) => void).apply(this, args)
} as WebSocket['send']
;(globalThis as { WebSocket?: unknown }).WebSocket = WebSocket

const SDP =
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n'
class FixedSdp {
  close() {}
  async getDescription() {
    return { body: SDP, contentType: 'application/sdp' }
  }
  hasDescription(ct: string) {
    return ct === 'application/sdp'
  }
  async setDescription() {}
  sendDtmf() {
    return false
  }
}

/** A registered agent; a callee answers every INVITE at once. */
export async function agent(server: string, a: Account, callee: boolean): Promise<UserAgent> {
  const onInvite = (inv: Invitation) => {
    void inv.accept().catch(() => undefined)
    inv.stateChange.addListener((s) => {
      if (s === SessionState.Terminated) inv.dispose().catch(() => undefined)
    })
  }
  const ua = new UserAgent({
    uri: UserAgent.makeURI(a.impu)!,
    authorizationUsername: a.impi,
    authorizationPassword: a.password,
    transportOptions: { server, connectionTimeout: 5 },
    sessionDescriptionHandlerFactory: () => new FixedSdp() as never,
    logLevel: 'error',
    ...(callee ? { delegate: { onInvite } } : {}),
  })
  await ua.start()
  const reg = new Registerer(ua, { expires: 600 })
  await reg.register()
  for (let i = 0; i < 250 && reg.state !== RegistererState.Registered; i++) await sleep(20)
  if (reg.state !== RegistererState.Registered) throw new Error(`${a.impu} did not register`)
  return ua
}

export interface CallResult {
  ok: boolean
  /** The call's Call-ID (for `edgewater trace`). */
  callId: string
  /** How a failed call failed: the final response, or the step that never completed. */
  failure?: string
  /** INVITE sent → 180 received, → 200 received, → BYE answered (ms). */
  ringMs: number
  answerMs: number
  totalMs: number
}

/** A call not over (BYE answered) this long after its INVITE counts as failed, by default. */
export const CALL_LIMIT_MS = 10_000

/**
 * 64×T1, RFC 3261's Timer B, after which a UA gives up an INVITE: the limit for a load that may
 * run over capacity, where a call can take seconds and still end cleanly (the calls bench's open
 * loop). Its latencies show the delay; its failures are the calls that did not end.
 */
export const TIMER_B_MS = 32_000

/** One call: INVITE → 180 → 200 → ACK → BYE → 200. */
export function call(
  ua: UserAgent,
  target: string,
  talkMs: number,
  limitMs = CALL_LIMIT_MS
): Promise<CallResult> {
  return new Promise((resolve) => {
    const start = performance.now()
    let ringMs = Number.NaN
    let answerMs = Number.NaN
    const inviter = new Inviter(ua, UserAgent.makeURI(target)!)
    const callId = inviter.request.callId
    let settled = false
    const done = (ok: boolean, failure?: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      const r = { ok, callId, ringMs, answerMs, totalMs: performance.now() - start }
      resolve(failure ? { ...r, failure } : r)
    }
    const timer = setTimeout(
      () =>
        done(
          false,
          `no ${Number.isNaN(ringMs) ? '180' : Number.isNaN(answerMs) ? '200' : 'BYE answer'} within ${limitMs} ms`
        ),
      limitMs
    )
    inviter
      .invite({
        requestDelegate: {
          onProgress: (r) => {
            if (r.message.statusCode === 180 && Number.isNaN(ringMs))
              ringMs = performance.now() - start
          },
          onAccept: async () => {
            answerMs = performance.now() - start
            if (talkMs > 0) await sleep(talkMs)
            void inviter
              .bye({
                requestDelegate: {
                  onAccept: () => done(true),
                  onReject: (r) => done(false, `BYE ${r.message.statusCode}`),
                },
              })
              .catch((e) => done(false, `BYE not sent: ${String(e)}`))
          },
          onReject: (r) => done(false, `INVITE ${r.message.statusCode}`),
        },
      })
      .catch((e) => done(false, `INVITE not sent: ${String(e)}`))
  })
}

export interface CallLoad {
  results: CallResult[]
  seconds: number
  messages: number
}

/** Closed loop: every caller calls its callee back to back for `seconds`. */
export async function closedCalls(
  pairs: ReadonlyArray<{ caller: UserAgent; callee: string }>,
  seconds: number,
  talkMs: number,
  limitMs = CALL_LIMIT_MS
): Promise<CallLoad> {
  const results: CallResult[] = []
  const m0 = sent.messages
  const t0 = performance.now()
  const until = t0 + seconds * 1000
  await Promise.all(
    pairs.map(async (p) => {
      while (performance.now() < until)
        results.push(await call(p.caller, p.callee, talkMs, limitMs))
    })
  )
  return { results, seconds: (performance.now() - t0) / 1000, messages: sent.messages - m0 }
}

/** Open loop: calls started at `rate` per second, round robin over the pairs. */
export async function openCalls(
  pairs: ReadonlyArray<{ caller: UserAgent; callee: string }>,
  rate: number,
  seconds: number,
  talkMs: number,
  limitMs = CALL_LIMIT_MS
): Promise<CallLoad> {
  const jobs: Promise<CallResult>[] = []
  const m0 = sent.messages
  const t0 = performance.now()
  const total = Math.floor(rate * seconds)
  for (let k = 0; k < total; k++) {
    const wait = t0 + (k * 1000) / rate - performance.now()
    if (wait > 0) await sleep(wait)
    const p = pairs[k % pairs.length]!
    jobs.push(call(p.caller, p.callee, talkMs, limitMs))
  }
  const results = await Promise.all(jobs)
  return { results, seconds: (performance.now() - t0) / 1000, messages: sent.messages - m0 }
}
