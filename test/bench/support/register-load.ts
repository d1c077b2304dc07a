/**
 * @module register-load
 * The registration load generator the registrar bench drives both systems with: bare SIP
 * WebSocket connections (RFC 7118, subprotocol `sip`), one flow per connection, each keeping one
 * subscriber registered by re-registering back to back (same Call-ID, next CSeq), every
 * registration authenticated with a fresh challenge: REGISTER → 401 → REGISTER with MD5 digest
 * (qop=auth) → 200. A flow the server accepts without a fresh challenge (Edgewater's
 * authenticated TLS flows, docs/registrar.md) re-registers in one round trip: REGISTER → 200.
 */
import WebSocket from 'ws'
import {
  buildCredentials,
  computeDigestResponse,
  computeHa1,
  formatNonceCount,
} from '../../../shared/sip'
import { pct } from './stats'

export interface Account {
  impu: string
  impi: string
  password: string
  domain: string
}

/** One SIP WebSocket: requests and their final responses, matched by Call-ID and CSeq. */
export class SipConn {
  private readonly waiting = new Map<string, (m: string) => void>()
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = d.toString()
      if (!m.startsWith('SIP/2.0') || /^SIP\/2\.0 1\d\d/.test(m)) return
      const key = `${/\r\nCall-ID:\s*(\S+)/i.exec(m)?.[1]} ${/\r\nCSeq:\s*(\d+)/i.exec(m)?.[1]}`
      this.waiting.get(key)?.(m)
    })
  }
  static open(url: string): Promise<SipConn> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'sip')
      ws.once('open', () => resolve(new SipConn(ws)))
      ws.once('error', reject)
    })
  }
  request(text: string, callId: string, cseq: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const key = `${callId} ${cseq}`
      const t = setTimeout(() => {
        this.waiting.delete(key)
        reject(new Error(`no answer to ${key}`))
      }, 10_000)
      this.waiting.set(key, (m) => {
        clearTimeout(t)
        this.waiting.delete(key)
        resolve(m)
      })
      this.ws.send(text)
    })
  }
  close(): void {
    this.ws.close()
  }
}

let branch = 0

/** A registering client: one account on one connection. */
export class Registrant {
  private cseq = 0
  readonly callId: string
  readonly contact: string
  constructor(
    readonly conn: SipConn,
    readonly account: Account,
    readonly tag: string
  ) {
    this.callId = `bench-${tag}-${Math.random().toString(36).slice(2, 10)}`
    this.contact = `<sip:${tag}@bench.invalid;transport=ws>`
  }

  private message(authorization?: string): string {
    const a = this.account
    return [
      `REGISTER sip:${a.domain} SIP/2.0`,
      `Via: SIP/2.0/WSS bench.invalid;branch=z9hG4bKb${++branch}`,
      'Max-Forwards: 70',
      `From: <${a.impu}>;tag=b${this.callId.slice(-8)}`,
      `To: <${a.impu}>`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${this.cseq} REGISTER`,
      `Contact: ${this.contact}`,
      'Expires: 600',
      'Supported: path, outbound',
      ...(authorization ? [`Authorization: ${authorization}`] : []),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n')
  }

  private answer(res401: string): string {
    const a = this.account
    const line = /\r\nWWW-Authenticate:\s*(Digest [^\r\n]*)/i.exec(res401)?.[1] ?? ''
    const p = (n: string) => new RegExp(`\\b${n}="([^"]*)"`).exec(line)?.[1]
    const uri = `sip:${a.domain}`
    const nc = formatNonceCount(1)
    const realm = p('realm') ?? a.domain
    const nonce = p('nonce') ?? ''
    const response = computeDigestResponse({
      ha1: computeHa1(a.impi, realm, a.password),
      method: 'REGISTER',
      uri,
      nonce,
      qop: 'auth',
      nc,
      cnonce: 'bench',
    })
    const opaque = p('opaque')
    return buildCredentials({
      username: a.impi,
      realm,
      nonce,
      uri,
      response,
      qop: 'auth',
      nc,
      cnonce: 'bench',
      ...(opaque !== undefined ? { opaque } : {}),
    })
  }

  /**
   * One authenticated registration; returns [whole exchange ms, REGISTER→200 of the answer ms]
   * (the same for a registration accepted without a challenge).
   */
  async registerOnce(): Promise<[number, number]> {
    const t0 = performance.now()
    this.cseq++
    const ch = await this.conn.request(this.message(), this.callId, this.cseq)
    if (ch.startsWith('SIP/2.0 200')) {
      const t = performance.now() - t0
      return [t, t]
    }
    if (!ch.startsWith('SIP/2.0 401')) throw new Error(`expected 401: ${ch.slice(0, 60)}`)
    this.cseq++
    const t1 = performance.now()
    const ok = await this.conn.request(this.message(this.answer(ch)), this.callId, this.cseq)
    if (!ok.startsWith('SIP/2.0 200')) throw new Error(`expected 200: ${ok.slice(0, 60)}`)
    const t2 = performance.now()
    return [t2 - t0, t2 - t1]
  }
}

export interface LoadResult {
  done: number
  errors: number
  seconds: number
  rate: number
  /** Whole exchange (REGISTER → 401 → REGISTER → 200) and authenticated leg, ms. */
  whole: number[]
  leg: number[]
}

const summary = (done: number, errors: number, ms: number, whole: number[], leg: number[]) => ({
  done,
  errors,
  seconds: ms / 1000,
  rate: done / (ms / 1000),
  whole,
  leg,
})

/** Closed loop: every registrant re-registers back to back for `seconds`. */
export async function closedLoop(rs: readonly Registrant[], seconds: number): Promise<LoadResult> {
  let done = 0
  let errors = 0
  const whole: number[] = []
  const leg: number[] = []
  const t0 = performance.now()
  const until = t0 + seconds * 1000
  await Promise.all(
    rs.map(async (r) => {
      while (performance.now() < until) {
        try {
          const [w, l] = await r.registerOnce()
          whole.push(w)
          leg.push(l)
          done++
        } catch {
          errors++
        }
      }
    })
  )
  return summary(done, errors, performance.now() - t0, whole, leg)
}

/**
 * Open loop: registrations started at `rate` per second on a fixed schedule, each on the next
 * idle registrant (one registration at a time per flow); a start with no idle flow is an error.
 */
export async function openLoop(
  rs: readonly Registrant[],
  rate: number,
  seconds: number
): Promise<LoadResult> {
  let errors = 0
  const whole: number[] = []
  const leg: number[] = []
  const idle = [...rs]
  const jobs: Promise<void>[] = []
  const t0 = performance.now()
  const total = Math.floor(rate * seconds)
  for (let i = 0; i < total; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    const r = idle.shift()
    if (!r) {
      errors++
      continue
    }
    jobs.push(
      r
        .registerOnce()
        .then(([w, l]) => {
          whole.push(w)
          leg.push(l)
        })
        .catch(() => {
          errors++
        })
        .finally(() => idle.push(r))
    )
  }
  await Promise.all(jobs)
  return summary(whole.length, errors, performance.now() - t0, whole, leg)
}

export const p50p99 = (xs: number[]) => [pct(xs, 0.5), pct(xs, 0.99)] as const
