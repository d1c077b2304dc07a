/**
 * Call scenarios with real sip.js user agents (Node, `ws` as the WebSocket, a session-description
 * handler with a fixed SDP instead of WebRTC; environment-notes §7) against the local cloud:
 * lines provisioned through Homestead-prov (Ellis's sequence) with MMTEL settings written to
 * Homer, a {@link Phone} per registered client with promise-based outgoing and incoming calls,
 * and readers for Sprout's routing cost records and the test application server's log.
 */
import {
  type Invitation,
  Inviter,
  Messager,
  Registerer,
  RegistererState,
  type Session,
  SessionState,
  SIPExtension,
  UserAgent,
} from 'sip.js'
import type { IncomingRequestMessage, IncomingResponse } from 'sip.js/lib/core'
import WebSocket from 'ws'
import type { Region } from '../../shared/config/regions'
import { signRequest } from '../../shared/hop/signature'
import { DEFAULT_SIMSERVS_XML } from '../../shared/ims/simservs-default'
import { dime, enc, provision } from '../integration/dime-helpers'
import { endpoints } from '../support/cloud'
import { buildIfcXml, type IfcSpec } from '../support/ims/ifc-build'
import { waitForReplication } from '../support/replication'

;(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket

export const AUDIO_SDP =
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n'
export const VIDEO_SDP = `${AUDIO_SDP}m=video 9 RTP/AVP 96\r\n`

class FixedSdp {
  constructor(private readonly sdp: string) {}
  close() {}
  async getDescription() {
    return { body: this.sdp, contentType: 'application/sdp' }
  }
  hasDescription(ct: string) {
    return ct === 'application/sdp'
  }
  async setDescription() {}
  sendDtmf() {
    return false
  }
}

let lineSeq = 0

export interface Line {
  impu: string
  impi: string
  number: string
  password: string
}

/** A provisioned line (Ellis's sequence over Homestead-prov), its simservs in Homer. */
export async function newLine(
  opts: { ifcs?: IfcSpec[]; simservs?: string; region?: Region } = {}
): Promise<Line> {
  const number = `65${String(Date.now()).slice(-7)}${String(++lineSeq).padStart(2, '0')}${Math.floor(Math.random() * 10)}`
  const domain = endpoints().homeDomain
  const line = {
    impu: `sip:${number}@${domain}`,
    impi: `${number}@${domain}`,
    number,
    password: 'call-test-pw',
  }
  const { sp } = await provision(line.impu, line.impi, line.password)
  if (opts.ifcs) await setIfcs(line, opts.ifcs)
  await setSimservs(line, opts.simservs ?? DEFAULT_SIMSERVS_XML, opts.region ?? 'a')
  void sp
  // The subscriber is provisioned through region a's Dime; a line meant for region b is served
  // there once b's table replica has its records (MREC, test/support/replication.ts).
  if ((opts.region ?? 'a') !== 'a') await waitForReplication()
  return line
}

export async function setIfcs(line: Line, ifcs: IfcSpec[]): Promise<void> {
  const r = await dime('GET', `/public/${enc(line.impu)}/service_profile`)
  const sp = r.headers.get('location') ?? ''
  const put = await dime('PUT', `${sp}/filter_criteria`, buildIfcXml(ifcs))
  if (put.status !== 200) throw new Error(`filter_criteria ${put.status}: ${await put.text()}`)
}

export async function setSimservs(line: Line, xml: string, region: Region = 'a'): Promise<void> {
  const url = `${endpoints().functions[region].homer}/org.etsi.ngn.simservs/users/${enc(line.impu)}/simservs.xml`
  const sig = await signRequest(endpoints().hopSecret, 'PUT', url, xml)
  const r = await fetch(url, {
    method: 'PUT',
    headers: { ...sig, 'content-type': 'application/vnd.etsi.simservs+xml' },
    body: xml,
  })
  if (r.status !== 200) throw new Error(`simservs ${r.status}: ${await r.text()}`)
}

/** What a test reads from a response. */
export interface Seen {
  status: number
  raw: string
  header(name: string): string | undefined
}

const seen = (
  r:
    | IncomingResponse
    | { message: { statusCode?: number; data: string; getHeader(n: string): string | undefined } }
): Seen => ({
  status: r.message.statusCode ?? 0,
  raw: r.message.data,
  header: (n) => r.message.getHeader(n),
})

export class OutgoingCall {
  readonly responses: Seen[] = []
  readonly final: Promise<Seen>
  private resolveFinal!: (s: Seen) => void
  constructor(readonly inviter: Inviter) {
    this.final = new Promise((r) => {
      this.resolveFinal = r
    })
  }
  /** @internal */
  push(s: Seen): void {
    this.responses.push(s)
    if (s.status >= 200) this.resolveFinal(s)
  }
  statuses(): number[] {
    return this.responses.map((r) => r.status)
  }
  async waitFor(status: number, timeoutMs = 10_000): Promise<Seen> {
    return until(
      () => this.responses.find((r) => r.status === status),
      timeoutMs,
      `no ${status}; got ${this.statuses().join(',')}`
    )
  }
  async bye(): Promise<void> {
    await this.inviter.bye()
  }
  async cancel(): Promise<void> {
    await this.inviter.cancel()
  }
}

export class IncomingCall {
  cancelled = false
  constructor(readonly invitation: Invitation) {
    invitation.delegate = {
      onCancel: () => {
        this.cancelled = true
      },
    }
  }
  get request(): IncomingRequestMessage {
    return this.invitation.request
  }
  header(name: string): string | undefined {
    return this.invitation.request.getHeader(name)
  }
  async ring(): Promise<void> {
    await this.invitation.progress({ statusCode: 180 })
  }
  async answer(): Promise<void> {
    await this.invitation.accept()
  }
  async reject(statusCode: number): Promise<void> {
    await this.invitation.reject({ statusCode })
  }
  get state(): SessionState {
    return this.invitation.state
  }
}

export async function until<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what: string
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export class Phone {
  readonly incoming: IncomingCall[] = []
  readonly messages: IncomingRequestMessage[] = []
  readonly received: string[] = []
  /** Answer to incoming MESSAGEs (200 by default). */
  messageStatus = 200
  private registerer: Registerer

  private constructor(
    readonly ua: UserAgent,
    readonly line: Line,
    readonly instance: string,
    contactParams: string[]
  ) {
    this.registerer = new Registerer(ua, {
      expires: 300,
      instanceId: instance,
      regId: 1,
      ...(contactParams.length > 0 ? { extraContactHeaderParams: contactParams } : {}),
    })
  }

  static async start(
    line: Line,
    opts: { region?: Region; sdp?: string; register?: boolean; contactParams?: string[] } = {}
  ): Promise<Phone> {
    const uri = UserAgent.makeURI(line.impu)
    if (!uri) throw new Error(`bad impu ${line.impu}`)
    const instance = crypto.randomUUID()
    const ua = new UserAgent({
      uri,
      authorizationUsername: line.impi,
      authorizationPassword: line.password,
      transportOptions: { server: endpoints().sip[opts.region ?? 'a'], connectionTimeout: 5 },
      sessionDescriptionHandlerFactory: () => new FixedSdp(opts.sdp ?? AUDIO_SDP) as never,
      logLevel: process.env.SIPJS_LOG === '1' ? 'warn' : 'error',
      instanceId: instance,
      sipExtension100rel: SIPExtension.Supported,
    })
    const p = new Phone(ua, line, instance, opts.contactParams ?? [])
    ua.delegate = {
      onInvite: (inv) => {
        p.incoming.push(new IncomingCall(inv))
      },
      onMessage: (m) => {
        p.messages.push(m.request)
        void m.accept({ statusCode: p.messageStatus } as never).catch(() => undefined)
      },
    }
    await ua.start()
    const transport = ua.transport as unknown as { onMessage?: (m: string) => void }
    const onMessage = transport.onMessage
    transport.onMessage = (m: string) => {
      p.received.push(m)
      onMessage?.(m)
    }
    if (opts.register !== false) await p.register()
    return p
  }

  /** The GRUU a REGISTER 200 gave this phone's binding. */
  gruu(): string {
    return `${this.line.impu};gr=urn:uuid:${this.instance}`
  }

  async register(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.registerer
        .register({
          requestDelegate: {
            onAccept: () => resolve(),
            onReject: (r) => reject(new Error(`REGISTER ${r.message.statusCode}`)),
          },
        })
        .catch(reject)
    })
    await until(() => this.registerer.state === RegistererState.Registered, 5_000, 'registered')
  }

  call(target: string, opts: { headers?: string[]; sdp?: string } = {}): OutgoingCall {
    const uri = UserAgent.makeURI(target)
    if (!uri) throw new Error(`bad target ${target}`)
    const inviter = new Inviter(this.ua, uri, {
      extraHeaders: opts.headers ?? [],
      ...(opts.sdp ? { sessionDescriptionHandlerOptions: {} } : {}),
    })
    const call = new OutgoingCall(inviter)
    void inviter
      .invite({
        requestDelegate: {
          onTrying: (r) => call.push(seen(r)),
          onProgress: (r) => call.push(seen(r)),
          onAccept: (r) => call.push(seen(r)),
          onRedirect: (r) => call.push(seen(r)),
          onReject: (r) => call.push(seen(r)),
        },
      })
      .catch(() => undefined)
    return call
  }

  /** Waits for the next incoming call. */
  async nextCall(timeoutMs = 10_000, after = 0): Promise<IncomingCall> {
    return until(() => this.incoming[after], timeoutMs, `no incoming call on ${this.line.number}`)
  }

  /** Sends a MESSAGE; resolves with the final response. */
  message(target: string, body: string, headers: string[] = []): Promise<Seen> {
    const uri = UserAgent.makeURI(target)
    if (!uri) throw new Error(`bad target ${target}`)
    return new Promise((resolve, reject) => {
      new Messager(this.ua, uri, body, 'text/plain', { extraHeaders: headers })
        .message({
          requestDelegate: {
            onAccept: (r) => resolve(seen(r)),
            onReject: (r) => resolve(seen(r)),
          },
        })
        .catch(reject)
    })
  }

  /**
   * Sends a request written by hand on this phone's flow (for what sip.js cannot send, such as a
   * tel: Request-URI) and waits for its final response.
   */
  async raw(
    method: string,
    target: string,
    opts: { body?: string; headers?: string[]; to?: string } = {}
  ): Promise<string> {
    const callId = crypto.randomUUID()
    const tag = crypto.randomUUID().slice(0, 8)
    const body = opts.body ?? ''
    const text = [
      `${method} ${target} SIP/2.0`,
      `Via: SIP/2.0/WSS raw.invalid;branch=z9hG4bK${crypto.randomUUID().replace(/-/g, '')}`,
      'Max-Forwards: 70',
      `From: <${this.line.impu}>;tag=${tag}`,
      `To: <${opts.to ?? target}>`,
      `Call-ID: ${callId}`,
      `CSeq: 1 ${method}`,
      ...(opts.headers ?? []),
      ...(body ? ['Content-Type: text/plain'] : []),
      `Content-Length: ${new TextEncoder().encode(body).length}`,
      '',
      body,
    ].join('\r\n')
    const transport = this.ua.transport as unknown as { send(m: string): Promise<void> }
    await transport.send(text)
    return until(
      () =>
        this.received.find(
          (m) => /^SIP\/2\.0 [2-6]\d\d /.test(m) && m.includes(`Call-ID: ${callId}`)
        ),
      10_000,
      `final response to the ${method}`
    )
  }

  /** Raw SIP messages received whose start line matches. */
  receivedMatching(re: RegExp): string[] {
    return this.received.filter((m) => re.test(m.slice(0, m.indexOf('\r\n'))))
  }

  async stop(): Promise<void> {
    await this.registerer.unregister().catch(() => undefined)
    await this.ua.stop().catch(() => undefined)
  }
}

export const established = (s: Session, timeoutMs = 10_000) =>
  until(() => s.state === SessionState.Established, timeoutMs, 'session established')
export const terminated = (s: Session, timeoutMs = 10_000) =>
  until(() => s.state === SessionState.Terminated, timeoutMs, 'session terminated')

/** Sprout's record of what routing a call cost (GET /routing/transactions). */
export async function routingCost(region: Region, callId: string) {
  const url = `${endpoints().functions[region].sprout}/routing/transactions?call-id=${enc(callId)}`
  const sig = await signRequest(endpoints().hopSecret, 'GET', url, null)
  const r = await fetch(url, { headers: sig })
  return ((await r.json()) as { transactions: Array<Record<string, unknown>> }).transactions
}

/** What the test application server received for a Call-ID. */
export async function asLog(region: Region, callId: string) {
  const url = `${endpoints().functions[region].sprout}/test-as/calls?call-id=${enc(callId)}`
  const sig = await signRequest(endpoints().hopSecret, 'GET', url, null)
  const r = await fetch(url, { headers: sig })
  return (
    (await r.json()) as {
      received: Array<{
        as: string
        kind: string
        method: string
        status?: number
        headers: Record<string, string[]>
      }>
    }
  ).received
}

export const callIdOf = (call: OutgoingCall): string => call.inviter.request.callId
