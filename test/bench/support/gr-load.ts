/**
 * @module gr-load
 * The background load of the geo-redundancy drill (gr.bench.ts), each part recording what
 * happened with wall-clock times so the drill can judge every fault phase afterwards:
 * - {@link ReRegistrations}: raw-SIP registrants re-registering back to back with a pause, on
 *   both edges; a REGISTER that fails or a WebSocket that closes is recorded, and a closed
 *   connection means the client had to register again from scratch;
 * - {@link CallStream}: calls started at a fixed rate (open loop) between sip.js agents on both
 *   edges, each with its start time and outcome;
 * - {@link TimerStream}: one-shot Chronos timers set in both regions at a fixed rate, with a
 *   loopback callback server counting each timer's pops.
 */
import type { UserAgent } from 'sip.js'
import type { Endpoints } from '../../../infra/local/cloud'
import type { Region } from '../../../shared/config/regions'
import { signRequest } from '../../../shared/hop/signature'
import { CallbackServer } from '../../contracts/cloud-harness'
import { type CallResult, call } from './call-load'
import { type Account, Registrant, SipConn } from './register-load'
import { sleep } from './stats'

export interface Event {
  at: number
  ok: boolean
  region: Region
  detail?: string
}

export class ReRegistrations {
  readonly events: Event[] = []
  /** Connections that closed under a client: it had to register again on a new one. */
  readonly forced: Event[] = []
  private running = true
  private loops: Promise<void>[] = []

  constructor(
    private readonly e: Endpoints,
    private readonly accounts: ReadonlyArray<{ account: Account; edge: Region }>,
    private readonly pauseMs: number
  ) {}

  start(): void {
    this.loops = this.accounts.map(({ account, edge }, i) => this.loop(account, edge, i))
  }

  private async loop(account: Account, edge: Region, i: number): Promise<void> {
    let conn = await SipConn.open(this.e.sip[edge])
    let closed = false
    const watch = (c: SipConn) =>
      (c as unknown as { ws: { once(ev: string, f: () => void): void } }).ws.once('close', () => {
        closed = true
      })
    watch(conn)
    let r = new Registrant(conn, account, `gr${i}`)
    while (this.running) {
      if (closed) {
        this.forced.push({ at: Date.now(), ok: false, region: edge, detail: account.impu })
        conn = await SipConn.open(this.e.sip[edge])
        closed = false
        watch(conn)
        r = new Registrant(conn, account, `gr${i}`)
      }
      const at = Date.now()
      try {
        await r.registerOnce()
        this.events.push({ at, ok: true, region: edge })
      } catch (err) {
        this.events.push({ at, ok: false, region: edge, detail: String(err).slice(0, 120) })
      }
      await sleep(this.pauseMs)
    }
    conn.close()
  }

  async stop(): Promise<void> {
    this.running = false
    await Promise.allSettled(this.loops)
  }
}

export interface CallEvent extends CallResult {
  at: number
  /** The caller's edge. */
  region: Region
}

export class CallStream {
  readonly calls: CallEvent[] = []
  private running = true
  private loop: Promise<void> | undefined
  private readonly inFlight = new Set<Promise<unknown>>()

  constructor(
    private readonly pairs: ReadonlyArray<{ caller: UserAgent; callee: string; edge: Region }>,
    private readonly rate: number,
    private readonly talkMs: number
  ) {}

  start(): void {
    this.loop = (async () => {
      const t0 = Date.now()
      for (let k = 0; this.running; k++) {
        const wait = t0 + (k * 1000) / this.rate - Date.now()
        if (wait > 0) await sleep(wait)
        const p = this.pairs[k % this.pairs.length]!
        const at = Date.now()
        const job = call(p.caller, p.callee, this.talkMs).then((r) => {
          this.calls.push({ ...r, at, region: p.edge })
        })
        this.inFlight.add(job)
        void job.finally(() => this.inFlight.delete(job))
      }
    })()
  }

  async stop(): Promise<void> {
    this.running = false
    await this.loop
    await Promise.allSettled([...this.inFlight])
  }
}

export interface TimerRecord {
  tag: string
  region: Region
  at: number
  /** Set (200) or refused. */
  set: boolean
  dueAt: number
}

export class TimerStream {
  readonly timers: TimerRecord[] = []
  readonly server: CallbackServer
  private running = true
  private loop: Promise<void> | undefined

  constructor(
    private readonly e: Endpoints,
    private readonly everyMs: number,
    private readonly intervalS: number
  ) {
    this.server = new CallbackServer(e.hopSecret)
  }

  async start(): Promise<void> {
    await this.server.start()
    this.loop = (async () => {
      for (let k = 0; this.running; k++) {
        const region: Region = k % 2 === 0 ? 'a' : 'b'
        const tag = `gr-${Date.now().toString(36)}-${k}`
        const at = Date.now()
        const set = await this.set(region, tag).catch(() => false)
        this.timers.push({ tag, region, at, set, dueAt: at + this.intervalS * 1000 })
        await sleep(this.everyMs)
      }
    })()
  }

  private async set(region: Region, tag: string): Promise<boolean> {
    const url = `${this.e.functions[region].timers}/timers`
    const body = JSON.stringify({
      timing: { interval: this.intervalS, 'repeat-for': this.intervalS },
      callback: { http: { uri: this.server.uri(tag), opaque: `{"drill":"${tag}"}` } },
      reliability: { 'replication-factor': 2 },
    })
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(await signRequest(this.e.hopSecret, 'POST', url, body)),
      },
      body,
      signal: AbortSignal.timeout(5_000),
    })
    await res.arrayBuffer()
    return res.status === 200
  }

  /**
   * Pops per timer that was set: lost (none), delivered more than once, and with duplicate
   * effects. Delivery is at least once (docs/timers.md); a consumer applies each pop once by its
   * `X-Sequence-Number`, as Chronos's consumers do, so a timer has a duplicate effect only when
   * it popped under more than one sequence number (a one-shot timer has one).
   */
  outcome(): { set: number; lost: string[]; delivered2: string[]; duplicated: string[] } {
    const set = this.timers.filter((t) => t.set)
    const pops = (t: TimerRecord) => this.server.for(t.tag).filter((r) => r.signed)
    return {
      set: set.length,
      lost: set.filter((t) => pops(t).length === 0).map((t) => t.tag),
      delivered2: set.filter((t) => pops(t).length > 1).map((t) => t.tag),
      duplicated: set.filter((t) => new Set(pops(t).map((r) => r.seq)).size > 1).map((t) => t.tag),
    }
  }

  /** One timer's story, for the drill's report of a duplicate delivery. */
  describe(tag: string): string {
    const t = this.timers.find((x) => x.tag === tag)
    const pops = this.server
      .for(tag)
      .map((r) => `+${((r.at - (t?.at ?? r.at)) / 1000).toFixed(1)} s seq ${r.seq}`)
    return `${tag} set in ${t?.region ?? '?'}: popped ${pops.join(', ')}`
  }

  async stop(): Promise<void> {
    this.running = false
    await this.loop
  }
}
