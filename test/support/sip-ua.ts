/**
 * Real SIP user agents for integration and interop tests, in Node: sip.js 0.21 over `ws` against
 * the edge's `ws://…/sip` (RFC 7118, subprotocol `sip`), with a session-description handler that
 * needs no WebRTC (environment-notes §7). {@link TestUa} wraps a UserAgent with its Registerer and
 * reg-event Subscribers, records every message it sends and receives, and turns callbacks into
 * promises. {@link RawSipSocket} is a bare WebSocket for tests that must write exact messages
 * (replayed nonce-counts, hand-made digests, CSeq games).
 */
import {
  Registerer,
  type RegistererRegisterOptions,
  RegistererState,
  Subscriber,
  type SubscriberOptions,
  UserAgent,
  type UserAgentOptions,
} from 'sip.js'
import type { IncomingResponse } from 'sip.js/lib/core'
import WebSocket from 'ws'

;(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket

export interface TestUaOptions {
  /** `ws://127.0.0.1:<edge port>/sip`. */
  server: string
  impu: string
  impi: string
  password: string
  /** `+sip.instance` (a bare UUID); sip.js then also sends `reg-id`. */
  instanceId?: string
  regId?: number
  /** Requested registration expiry (sip.js default 600). */
  expires?: number
  /** Refresh before expiry (sip.js default 99 %: refresh late). */
  refreshFrequency?: number
  /** sip.js log level (default `error`). */
  logLevel?: 'debug' | 'log' | 'warn' | 'error'
}

/** What a test reads from a final response. */
export interface FinalResponse {
  status: number
  reason: string
  headers: Record<string, string[]>
  raw: string
}

function toFinal(res: IncomingResponse): FinalResponse {
  const m = res.message
  const headers: Record<string, string[]> = {}
  for (const [name, values] of Object.entries(m.headers))
    headers[name.toLowerCase()] = (values as Array<{ raw: string }>).map((v) => v.raw)
  return { status: m.statusCode ?? 0, reason: m.reasonPhrase ?? '', headers, raw: m.data }
}

export interface ReceivedNotify {
  cseq: number
  subscriptionState: string
  body: string
  contentType: string
  raw: string
}

class NoMediaHandler {
  close() {}
  async getDescription() {
    return {
      body: 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n',
      contentType: 'application/sdp',
    }
  }
  hasDescription(ct: string) {
    return ct === 'application/sdp'
  }
  async setDescription() {}
  sendDtmf() {
    return false
  }
}

export class TestUa {
  readonly sent: string[] = []
  readonly received: string[] = []
  readonly registerer: Registerer
  private constructor(
    readonly ua: UserAgent,
    readonly opts: TestUaOptions
  ) {
    this.registerer = new Registerer(ua, {
      ...(opts.expires !== undefined ? { expires: opts.expires } : {}),
      ...(opts.instanceId ? { instanceId: opts.instanceId, regId: opts.regId ?? 1 } : {}),
      ...(opts.refreshFrequency !== undefined ? { refreshFrequency: opts.refreshFrequency } : {}),
    })
  }

  static async start(opts: TestUaOptions): Promise<TestUa> {
    const uri = UserAgent.makeURI(opts.impu)
    if (!uri) throw new Error(`bad impu ${opts.impu}`)
    const options: UserAgentOptions = {
      uri,
      authorizationUsername: opts.impi,
      authorizationPassword: opts.password,
      transportOptions: { server: opts.server, connectionTimeout: 5 },
      sessionDescriptionHandlerFactory: () => new NoMediaHandler() as never,
      logLevel: opts.logLevel ?? 'error',
      ...(opts.instanceId ? { instanceId: opts.instanceId } : {}),
    }
    const ua = new UserAgent(options)
    const t = new TestUa(ua, opts)
    await ua.start()
    const transport = ua.transport as unknown as {
      send(m: string): Promise<void>
      onMessage?: (m: string) => void
    }
    const send = transport.send.bind(transport)
    transport.send = (m: string) => {
      t.sent.push(m)
      return send(m)
    }
    const onMessage = transport.onMessage
    transport.onMessage = (m: string) => {
      t.received.push(m)
      onMessage?.(m)
    }
    return t
  }

  /** REGISTER (answering the digest challenge); resolves with the final response. */
  register(options: RegistererRegisterOptions = {}): Promise<FinalResponse> {
    return new Promise((resolve, reject) => {
      this.registerer
        .register({
          ...options,
          requestDelegate: {
            onAccept: (r) => resolve(toFinal(r)),
            onReject: (r) => resolve(toFinal(r)),
          },
        })
        .catch(reject)
    })
  }

  /** De-REGISTER this UA's binding (or every binding with `all`: `Contact: *`). */
  unregister(all = false): Promise<FinalResponse> {
    return new Promise((resolve, reject) => {
      this.registerer
        .unregister({
          all,
          requestDelegate: {
            onAccept: (r) => resolve(toFinal(r)),
            onReject: (r) => resolve(toFinal(r)),
          },
        })
        .catch(reject)
    })
  }

  get registered(): boolean {
    return this.registerer.state === RegistererState.Registered
  }

  /** SUBSCRIBE to `target`'s reg event; NOTIFYs are collected in the returned watch. */
  async watch(target: string, expires = 300): Promise<RegWatch> {
    const uri = UserAgent.makeURI(target)
    if (!uri) throw new Error(`bad target ${target}`)
    const opts: SubscriberOptions = { expires, extraHeaders: ['Accept: application/reginfo+xml'] }
    const subscriber = new Subscriber(this.ua, uri, 'reg', opts)
    const w = new RegWatch(subscriber)
    subscriber.delegate = {
      onNotify: (n) => {
        const r = n.request
        w.push({
          cseq: r.cseq,
          subscriptionState: r.getHeader('subscription-state') ?? '',
          body: r.body ?? '',
          contentType: r.getHeader('content-type') ?? '',
          raw: r.data,
        })
        n.accept()
      },
    }
    await subscriber.subscribe()
    return w
  }

  /** Messages seen so far whose start line matches `re`. */
  receivedMatching(re: RegExp): string[] {
    return this.received.filter((m) => re.test(m.slice(0, m.indexOf('\r\n'))))
  }

  /** Stops the UA (sip.js unregisters and unsubscribes first); gives up after 5 s. */
  async stop(): Promise<void> {
    await Promise.race([
      this.ua.stop().catch(() => undefined),
      new Promise((r) => setTimeout(r, 5_000)),
    ])
  }

  /** Closes the WebSocket without unregistering (a tab killed, a network lost). */
  async drop(): Promise<void> {
    const t = this.ua.transport as unknown as { ws?: { terminate?: () => void; close: () => void } }
    if (t.ws?.terminate) t.ws.terminate()
    else t.ws?.close()
    await new Promise((r) => setTimeout(r, 50))
  }
}

export class RegWatch {
  readonly notifies: ReceivedNotify[] = []
  private waiters: Array<() => void> = []
  constructor(readonly subscriber: Subscriber) {}

  push(n: ReceivedNotify): void {
    this.notifies.push(n)
    for (const w of this.waiters.splice(0)) w()
  }

  /** Waits until `count` NOTIFYs have arrived (or one matching `pred`). */
  async next(pred: (n: ReceivedNotify) => boolean, timeoutMs = 10_000): Promise<ReceivedNotify> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const hit = this.notifies.find(pred)
      if (hit) return hit
      const left = deadline - Date.now()
      if (left <= 0)
        throw new Error(`no matching NOTIFY within ${timeoutMs} ms (got ${this.notifies.length})`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  async unsubscribe(): Promise<void> {
    await this.subscriber.unsubscribe()
  }
}

/** A bare SIP WebSocket: send exact text, await messages. */
export class RawSipSocket {
  readonly received: string[] = []
  private waiters: Array<() => void> = []
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.received.push(data.toString())
      for (const w of this.waiters.splice(0)) w()
    })
  }

  static open(server: string): Promise<RawSipSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(server, 'sip')
      ws.once('open', () => resolve(new RawSipSocket(ws)))
      ws.once('error', reject)
    })
  }

  send(text: string): void {
    this.ws.send(text)
  }

  /** The first message received after index `from` matching `pred`. */
  async next(pred: (m: string) => boolean, timeoutMs = 10_000, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const hit = this.received.slice(from).find(pred)
      if (hit) return hit
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no matching message within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  /** Sends `text` and waits for the final response with the same CSeq number and method. */
  async request(text: string, timeoutMs = 10_000): Promise<string> {
    const cseq = /\r\nCSeq:\s*(\d+\s+\w+)/i.exec(text)?.[1]
    const from = this.received.length
    this.send(text)
    return this.next(
      (m) =>
        /^SIP\/2\.0 [2-6]\d\d /.test(m) && new RegExp(`\\r\\nCSeq:\\s*${cseq}\\r\\n`, 'i').test(m),
      timeoutMs,
      from
    )
  }

  close(): void {
    this.ws.close()
  }
}
