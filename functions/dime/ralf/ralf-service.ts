/**
 * @module dime/ralf/ralf-service
 * Ralf's session logic (clearwater-interfaces §7; ralf:src/session_manager.cpp) with CDRs in
 * place of Diameter ACRs:
 * - EVENT: stateless, Accounting-Record-Number 1.
 * - START: number 1; once the CDF (or, without one, Dime itself) accepts, the session is stored
 *   in the regional KV under Call-ID + role + function with TTL twice the refresh time, and if
 *   the refresh time exceeds the interim interval an interim timer is set (interval = interim
 *   interval, repeat-for = refresh time, callback `/call-id/<id>?timer-interim=true`). A START
 *   the CDF refuses leaves no session.
 * - INTERIM from Sprout: next number; the timer is re-armed. INTERIM from the timer: no re-arm,
 *   so a call whose BYE was lost stops after one refresh period. Its number is derived from the
 *   pop, not counted: the number at arming (carried in the timer's body) plus the pop's sequence
 *   number plus one, and the counter is raised to it. A duplicate pop (same arming, same
 *   X-Sequence-Number) in this region is recognised by a KV claim and dropped; one delivered in
 *   both regions while they are cut off (each claim is region-local) gets the same number, so
 *   its CDR is the same item (cdr-store.ts) and the CDF sees the same Session-Id and
 *   Accounting-Record-Number twice (RFC 6733 §9.8.3 duplicate detection). CDF result 5002 ends
 *   the session.
 * - STOP: next number; the CDR is recorded first, then session, counter and timer are deleted.
 * INTERIM and STOP without a session are ignored (200), as Ralf does. The number is a KV
 * counter, so concurrent records of one session never share a number.
 *
 * The timer service never costs a CDR: each CDR is written before any timer request, a request
 * that fails is tried once more, and one that still fails is logged, not answered as an error
 * (the CDR is safe; the session goes on without its interim timer, or, at the STOP, the timer's
 * remaining pops find no session and are ignored). An ACR is answered 200 only once its CDR is
 * in the table: a failed table write is a 5xx, so Sprout's ACR is retried.
 */
import type { Clock } from '../../../shared/config/clock'
import type { Logger } from '../../../shared/log/logger'
import type { RegionalKv } from '../../../shared/vellum/regional-kv'
import type { TimerService } from '../../../shared/vellum/timer-service'
import { DEFAULT_INTERIM_INTERVAL_S, type DimeConfig } from '../dime-config'
import { ralfRecordNumberKey, ralfSessionKey } from '../dime-keys'
import { type CdfClient, DIAMETER_UNKNOWN_SESSION_ID } from './cdf-client'
import { type Cdr, type CdrStore, normaliseParty, servedUser } from './cdr-store'
import {
  type Acr,
  parseAcr,
  RECORD_TYPE,
  RECORD_TYPE_NAMES,
  timerArmedArn,
  timerArmedAt,
  timerInterimBody,
} from './ralf-acr'

export const NO_TIMER = 'NO_TIMER'
/** Attempts of a timer request before Ralf goes on without it. */
export const TIMER_ATTEMPTS = 2
/** Session lifetime when Sprout gave no refresh time (memcached TTL 0 meant "no expiry"). */
export const SESSION_TTL_WITHOUT_REFRESH_S = 24 * 3600

export interface RalfSession {
  session_id: string
  ccfs: string[]
  timer_id: string
  refresh_time: number
  interim_interval: number
  /** When the interim timer was last armed (ms): identifies its pops. */
  armed_at: number
  calling_party: string | null
  called_party: string | null
}

export type RalfOutcome = { status: 200; note: string; cdr?: Cdr } | { status: 400; reason: string }

export class RalfService {
  constructor(
    private readonly kv: RegionalKv,
    private readonly timers: TimerService,
    private readonly cdrs: CdrStore,
    private readonly cdf: CdfClient,
    private readonly config: DimeConfig,
    private readonly clock: Clock,
    private readonly log: Logger
  ) {}

  private ttl(refresh: number): number {
    return refresh > 0 ? 2 * refresh : SESSION_TTL_WITHOUT_REFRESH_S
  }

  private newSessionId(): string {
    const r = crypto.getRandomValues(new Uint32Array(1))[0] as number
    return `dime-${this.config.region}.${this.config.homeDomain};${Math.floor(this.clock.now() / 1000)};${r}`
  }

  private callbackUri(callId: string): string {
    return `${this.config.dimeUrl}/call-id/${encodeURIComponent(callId)}?timer-interim=true`
  }

  /** A timer request, tried once more if the timer service fails; undefined if both failed. */
  private async timerRequest<T>(what: string, callId: string, run: () => Promise<T>) {
    for (let attempt = 1; ; attempt++) {
      try {
        return { value: await run() }
      } catch (err) {
        if (attempt >= TIMER_ATTEMPTS) {
          this.log.error(`could not ${what} the interim timer`, { callId, error: err })
          return undefined
        }
      }
    }
  }

  private async armTimer(
    callId: string,
    acr: Acr,
    s: RalfSession,
    armedArn: number
  ): Promise<RalfSession> {
    const armedAt = this.clock.now()
    const spec = {
      intervalMs: s.interim_interval * 1000,
      repeatForMs: s.refresh_time * 1000,
      callbackUri: this.callbackUri(callId),
      opaque: timerInterimBody(acr.role, acr.functionality, armedAt, armedArn),
    }
    const id = await this.timerRequest('arm', callId, () =>
      s.timer_id === NO_TIMER ? this.timers.set(spec) : this.timers.update(s.timer_id, spec)
    )
    return id ? { ...s, timer_id: id.value, armed_at: armedAt } : s
  }

  /** Deletes the session's interim timer, if it has one (a failure is logged: see above). */
  private async deleteTimer(callId: string, s: RalfSession): Promise<void> {
    if (s.timer_id !== NO_TIMER)
      await this.timerRequest('delete', callId, () => this.timers.delete(s.timer_id))
  }

  /** Sends to the CDF and records the CDR; returns both. */
  private async charge(
    callId: string,
    acr: Acr,
    recordNumber: number,
    sessionId: string,
    ccfs: string[],
    parties: { calling: string | null; called: string | null },
    timerInterim: boolean
  ) {
    const now = this.clock.now()
    const cdr: Cdr = {
      call_id: callId,
      recorded_at: now,
      recorded_at_iso: new Date(now).toISOString(),
      record_type: RECORD_TYPE_NAMES[acr.recordType] as Cdr['record_type'],
      accounting_record_type: acr.recordType,
      accounting_record_number: recordNumber,
      role_of_node: acr.role,
      node_functionality: acr.functionality,
      session_id: sessionId,
      served_user: servedUser(acr.role, parties.calling, parties.called),
      calling_party: parties.calling,
      called_party: parties.called,
      ccfs,
      timer_interim: timerInterim,
      region: this.config.region,
      cdf: { status: 'not-configured' },
      acr: acr.event,
    }
    const answer = await this.cdf.send(cdr)
    cdr.cdf = {
      status: answer.status,
      ...(answer.httpStatus !== undefined ? { http_status: answer.httpStatus } : {}),
      ...(answer.resultCode !== undefined ? { result_code: answer.resultCode } : {}),
    }
    await this.cdrs.write(cdr)
    return { cdr, answer }
  }

  async handle(
    callId: string,
    body: string,
    timerInterim: boolean,
    popSeq?: number
  ): Promise<RalfOutcome> {
    const parsed = parseAcr(body)
    if (parsed.kind === 'invalid') return { status: 400, reason: parsed.reason }
    if (parsed.kind === 'no-peers') {
      this.log.warn('ACR without peers dropped', { callId, recordType: parsed.acr.recordType })
      return { status: 200, note: 'no peers: not charged' }
    }
    const acr = parsed.acr
    const ims = (acr.event['Service-Information'] as Record<string, Record<string, unknown>>)[
      'IMS-Information'
    ] as Record<string, unknown>
    const parties = {
      calling: normaliseParty(ims['Calling-Party-Address']) ?? normaliseParty(ims['From-Address']),
      called: normaliseParty(ims['Called-Party-Address']),
    }
    const sKey = ralfSessionKey(callId, acr.role, acr.functionality)
    const nKey = ralfRecordNumberKey(callId, acr.role, acr.functionality)

    if (acr.recordType === RECORD_TYPE.EVENT) {
      const { cdr } = await this.charge(
        callId,
        acr,
        1,
        this.newSessionId(),
        acr.ccfs,
        parties,
        false
      )
      return { status: 200, note: 'event charged', cdr }
    }

    if (acr.recordType === RECORD_TYPE.START) {
      const sessionId = this.newSessionId()
      const { cdr, answer } = await this.charge(callId, acr, 1, sessionId, acr.ccfs, parties, false)
      if (answer.status === 'rejected' || answer.status === 'unreachable')
        return { status: 200, note: 'START not accepted by the CDF: no session', cdr }
      let session: RalfSession = {
        session_id: sessionId,
        ccfs: acr.ccfs,
        timer_id: NO_TIMER,
        refresh_time: acr.interimInterval ?? 0,
        interim_interval: answer.interimInterval ?? DEFAULT_INTERIM_INTERVAL_S,
        armed_at: 0,
        calling_party: parties.calling,
        called_party: parties.called,
      }
      if (session.refresh_time > session.interim_interval)
        session = await this.armTimer(callId, acr, session, 1)
      const ttlSeconds = this.ttl(session.refresh_time)
      await Promise.all([
        this.kv.set(sKey, session, { ttlSeconds }),
        this.kv.set(nKey, 1, { ttlSeconds }),
      ])
      return { status: 200, note: 'session started', cdr }
    }

    let session = await this.kv.get<RalfSession>(sKey)
    if (!session) {
      this.log.info('no charging session: record ignored', { callId, recordType: acr.recordType })
      return { status: 200, note: 'no session: ignored' }
    }
    const known = {
      calling: parties.calling ?? session.calling_party,
      called: parties.called ?? session.called_party,
    }

    if (acr.recordType === RECORD_TYPE.STOP) {
      const n = await this.kv.incr(nKey)
      // The CDR first: until it is written the session stays, so a retried STOP still finds it.
      const { cdr } = await this.charge(
        callId,
        acr,
        n,
        session.session_id,
        session.ccfs,
        known,
        false
      )
      await Promise.all([this.kv.del(sKey), this.kv.del(nKey), this.deleteTimer(callId, session)])
      return { status: 200, note: 'session stopped', cdr }
    }

    // INTERIM
    const ttlSeconds = this.ttl(session.refresh_time)
    let n: number | undefined
    if (timerInterim && popSeq !== undefined) {
      const armedAt = timerArmedAt(body) ?? session.armed_at
      const first = await this.kv.set(`${sKey}:pop:${armedAt}:${popSeq}`, 1, {
        ttlSeconds,
        nx: true,
      })
      if (!first) return { status: 200, note: 'duplicate timer pop: ignored' }
      const armedArn = timerArmedArn(body)
      if (armedArn !== undefined) {
        n = armedArn + popSeq + 1
        // Raised only by a pop of the current arming: a late pop of an earlier one must not
        // lower the counter below numbers Sprout's records have taken since.
        if (armedAt === session.armed_at) await this.kv.set(nKey, n, { ttlSeconds })
      }
    }
    n ??= await this.kv.incr(nKey, { ttlSeconds })
    const { cdr, answer } = await this.charge(
      callId,
      acr,
      n,
      session.session_id,
      session.ccfs,
      known,
      timerInterim
    )
    if (answer.resultCode === DIAMETER_UNKNOWN_SESSION_ID) {
      await Promise.all([this.kv.del(sKey), this.kv.del(nKey), this.deleteTimer(callId, session)])
      return { status: 200, note: 'CDF does not know the session: ended', cdr }
    }
    if (!timerInterim) {
      session = {
        ...session,
        refresh_time: acr.interimInterval ?? session.refresh_time,
        interim_interval: answer.interimInterval ?? session.interim_interval,
      }
      if (session.refresh_time > session.interim_interval)
        session = await this.armTimer(callId, acr, session, n)
      await this.kv.set(sKey, session, { ttlSeconds: this.ttl(session.refresh_time) })
    }
    return { status: 200, note: timerInterim ? 'timer interim charged' : 'interim charged', cdr }
  }
}
