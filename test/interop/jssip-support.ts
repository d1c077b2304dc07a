/**
 * JsSIP 3.13 as a calling client in Node, beside the sip.js {@link Phone} of calls-support.ts:
 * a registered JsSIP user agent over `ws` to an edge, a stand-in `RTCPeerConnection` that offers
 * and answers a fixed SDP (no media; environment-notes §7), and promise helpers around JsSIP's
 * session events. Every SIP message the phone receives is kept (`received`) so a test can read
 * the exchange as it arrived. JsSIP runs with its defaults, session timers included
 * (`Session-Expires: 90`, `Supported: timer`; JsSIP has no Min-SE of its own).
 */
import JsSIP from 'jssip'
import type { RTCSession } from 'jssip/lib/RTCSession'
import WebSocket from 'ws'
import type { Region } from '../../shared/config/regions'
import { endpoints } from '../support/cloud'
import { AUDIO_SDP, type Line, until } from './calls-support'

type Desc = { type: 'offer' | 'answer'; sdp: string }

/** The parts of RTCPeerConnection JsSIP uses, offering and answering `sdp`, gathering at once. */
class StandInPeerConnection extends EventTarget {
  static sdp = AUDIO_SDP
  iceGatheringState = 'complete'
  iceConnectionState = 'new'
  signalingState = 'stable'
  localDescription: Desc | null = null
  remoteDescription: Desc | null = null
  async createOffer(): Promise<Desc> {
    return { type: 'offer', sdp: StandInPeerConnection.sdp }
  }
  async createAnswer(): Promise<Desc> {
    return { type: 'answer', sdp: StandInPeerConnection.sdp }
  }
  async setLocalDescription(d: Desc): Promise<void> {
    this.localDescription = d
    this.signalingState = d.type === 'offer' ? 'have-local-offer' : 'stable'
  }
  async setRemoteDescription(d: Desc): Promise<void> {
    this.remoteDescription = d
    this.signalingState = d.type === 'offer' ? 'have-remote-offer' : 'stable'
  }
  addTrack(): void {}
  getSenders(): unknown[] {
    return []
  }
  getReceivers(): unknown[] {
    return []
  }
  close(): void {
    this.signalingState = 'closed'
  }
}

class StandInSessionDescription {
  readonly type: string
  readonly sdp: string
  constructor(d: { type: string; sdp: string }) {
    this.type = d.type
    this.sdp = d.sdp
  }
}

const g = globalThis as Record<string, unknown>
g.WebSocket ??= WebSocket
g.RTCPeerConnection ??= StandInPeerConnection
g.RTCSessionDescription ??= StandInSessionDescription
// JsSIP checks `window.RTCPeerConnection` before a call.
g.window ??= globalThis

/** JsSIP's session without media: the stand-in peer connection needs no microphone. */
export const NO_MEDIA = { mediaConstraints: { audio: false, video: false } }

interface Msg {
  status_code?: number
  method?: string
  body?: string
  getHeader(name: string): string | undefined
  hasHeader(name: string): boolean
}

/** One JsSIP call with what happened to it, in order. */
export class JsCall {
  readonly events: string[] = []
  readonly responses: Msg[] = []
  /** In-dialog INFO requests received (DTMF or other). */
  readonly infos: Msg[] = []
  readonly reinvites: Msg[] = []
  ended: { originator: string; cause: string; message?: Msg } | undefined
  constructor(readonly session: RTCSession) {
    const s = session as unknown as {
      on(e: string, f: (d: Record<string, unknown>) => void): void
    }
    for (const e of ['progress', 'accepted', 'confirmed', 'hold', 'unhold'])
      s.on(e, (d) => {
        this.events.push(`${e}:${String(d.originator ?? '')}`)
        if (d.response) this.responses.push(d.response as Msg)
      })
    // JsSIP reports an INFO carrying application/dtmf-relay as newDTMF, any other as newInfo.
    for (const e of ['newInfo', 'newDTMF'])
      s.on(e, (d) => {
        if (d.originator === 'remote') this.infos.push(d.request as Msg)
      })
    s.on('reinvite', (d) => {
      this.reinvites.push(d.request as Msg)
    })
    for (const e of ['ended', 'failed'])
      s.on(e, (d) => {
        this.events.push(`${e}:${String(d.originator ?? '')}`)
        this.ended = {
          originator: String(d.originator),
          cause: String(d.cause),
          ...(d.message ? { message: d.message as Msg } : {}),
        }
        if (e === 'failed' && d.message && (d.message as Msg).status_code)
          this.responses.push(d.message as Msg)
      })
  }
  statuses(): number[] {
    return this.responses.map((r) => r.status_code ?? 0)
  }
  get established(): boolean {
    return this.session.isEstablished()
  }
  async waitFor(status: number, timeoutMs = 10_000): Promise<Msg> {
    return until(
      () => this.responses.find((r) => r.status_code === status),
      timeoutMs,
      `no ${status}; got ${this.statuses().join(',')}`
    )
  }
  async waitEvent(e: string, timeoutMs = 10_000): Promise<void> {
    await until(() => this.events.includes(e), timeoutMs, `no ${e}; got ${this.events.join(',')}`)
  }
  async waitEnded(timeoutMs = 10_000) {
    return until(() => this.ended, timeoutMs, `call not ended; got ${this.events.join(',')}`)
  }
}

/** A registered JsSIP user agent on one line. */
export class JsPhone {
  readonly incoming: JsCall[] = []
  /** Every SIP message received, as text. */
  readonly received: string[] = []

  private constructor(
    readonly ua: JsSIP.UA,
    readonly line: Line
  ) {}

  static async start(line: Line, opts: { region?: Region } = {}): Promise<JsPhone> {
    JsSIP.debug.disable('JsSIP:*')
    const socket = new JsSIP.WebSocketInterface(endpoints().sip[opts.region ?? 'a'])
    const ua = new JsSIP.UA({
      sockets: [socket],
      uri: line.impu,
      authorization_user: line.impi,
      password: line.password,
      register: false,
      register_expires: 300,
    })
    const p = new JsPhone(ua, line)
    // Keep what arrives before JsSIP parses it.
    const raw = socket as unknown as { _onMessage(e: { data: unknown }): void }
    const onMessage = raw._onMessage.bind(socket)
    raw._onMessage = (e) => {
      if (typeof e.data === 'string') p.received.push(e.data)
      onMessage(e)
    }
    ua.on('newRTCSession', (e: { originator: string; session: RTCSession }) => {
      if (e.originator === 'remote') p.incoming.push(new JsCall(e.session))
    })
    const registered = new Promise<void>((resolve, reject) => {
      ua.on('registered', () => resolve())
      ua.on('registrationFailed', (e) => reject(new Error(`JsSIP REGISTER: ${String(e.cause)}`)))
    })
    const connected = new Promise((resolve) => ua.on('connected', resolve))
    ua.start()
    await connected
    ua.register()
    await registered
    return p
  }

  call(target: string, opts: { extraHeaders?: string[] } = {}): JsCall {
    const session = this.ua.call(target, { ...NO_MEDIA, ...opts }) as unknown as RTCSession
    return new JsCall(session)
  }

  async nextCall(after = 0, timeoutMs = 10_000): Promise<JsCall> {
    return until(() => this.incoming[after], timeoutMs, `no incoming call on ${this.line.number}`)
  }

  /** Raw messages received whose start line matches. */
  receivedMatching(re: RegExp): string[] {
    return this.received.filter((m) => re.test(m.slice(0, m.indexOf('\r\n'))))
  }

  async stop(): Promise<void> {
    const unregistered = new Promise<void>((resolve) => {
      this.ua.on('unregistered', () => resolve())
      setTimeout(resolve, 2000)
    })
    this.ua.unregister()
    await unregistered
    this.ua.stop()
  }
}

/** The value of `name` in a raw SIP message (first occurrence, long or compact form). */
export function headerOf(raw: string, name: string, compact?: string): string | undefined {
  const names = [name, ...(compact ? [compact] : [])].map((n) => n.toLowerCase())
  for (const line of raw.split('\r\n')) {
    if (line === '') break
    const i = line.indexOf(':')
    if (i > 0 && names.includes(line.slice(0, i).trim().toLowerCase()))
      return line.slice(i + 1).trim()
  }
  return undefined
}
