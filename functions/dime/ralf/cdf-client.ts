/**
 * @module dime/ralf/cdf-client
 * Delivery of CDRs to a Charging Data Function over HTTP, when `CDF_URL` is configured (Dime
 * speaks no Diameter Rf): each CDR is POSTed as JSON. The CDF accepts with a 2xx, optionally
 * answering `{"Result-Code": n, "Acct-Interim-Interval": s}` the way an ACA would
 * (TS 32.299 §6.2): a Result-Code other than 2001 is a rejection, and 5002 on an INTERIM means
 * the CDF no longer knows the session (Ralf then forgets it). Failures are reported, not thrown.
 */

import type { Fetch } from '../../../shared/hop/fetch'
import type { Logger } from '../../../shared/log/logger'
import { OUTBOUND_TIMEOUT_MS } from '../dime-config'
import type { CdfStatus } from './cdr-store'

/** DIAMETER_SUCCESS and DIAMETER_UNKNOWN_SESSION_ID (RFC 6733 §7.1). */
export const DIAMETER_SUCCESS = 2001
export const DIAMETER_UNKNOWN_SESSION_ID = 5002

export interface CdfAnswer {
  status: CdfStatus
  httpStatus?: number
  resultCode?: number
  /** The CDF's interim interval proposal (seconds). */
  interimInterval?: number
}

export class CdfClient {
  constructor(
    private readonly url: string | undefined,
    private readonly fetch: Fetch,
    private readonly log: Logger
  ) {}

  get configured(): boolean {
    return this.url !== undefined
  }

  async send(cdr: unknown): Promise<CdfAnswer> {
    if (!this.url) return { status: 'not-configured' }
    let res: Response
    try {
      res = await this.fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(cdr),
        signal: AbortSignal.timeout(OUTBOUND_TIMEOUT_MS),
      })
    } catch (err) {
      this.log.warn('CDF unreachable', { url: this.url, error: err })
      return { status: 'unreachable' }
    }
    let body: Record<string, unknown> = {}
    try {
      const text = await res.text()
      if (text.trim()) body = JSON.parse(text) as Record<string, unknown>
    } catch {
      // A CDF may answer with no JSON at all; the HTTP status decides.
    }
    const answer: CdfAnswer = { status: 'accepted', httpStatus: res.status }
    const rc = body['Result-Code']
    const aii = body['Acct-Interim-Interval']
    if (typeof rc === 'number') answer.resultCode = rc
    if (typeof aii === 'number' && Number.isInteger(aii) && aii > 0) answer.interimInterval = aii
    if (!res.ok || (answer.resultCode !== undefined && answer.resultCode !== DIAMETER_SUCCESS)) {
      answer.status = 'rejected'
      this.log.warn('CDF rejected a CDR', { url: this.url, status: res.status, resultCode: rc })
    }
    return answer
  }
}
