/**
 * @module dime/homestead/sprout-push
 * What the HSS tells the S-CSCF when provisioning changes a registered set (clearwater-interfaces
 * §2.1 "Homestead to Sprout pushes", §5.10): an administrative deregistration (Cx RTR) as
 * `DELETE <sprout>/registrations?send-notifications=true` with
 * `{"registrations":[{"primary-impu","impi"}]}`, and a profile change (Cx PPR) as
 * `PUT <sprout>/registrations/<default impu>` with `{"user-data-xml"}`. Requests are signed for
 * the trusted zone and sent to this region's Sprout. A push never fails provisioning: a 404 (the
 * route not deployed) or any other failure is logged, and the outcome is returned for tests and
 * counters.
 */

import type { Fetch } from '../../../shared/hop/fetch'
import { signedInit } from '../../../shared/hop/signed-fetch'
import { imsSubscriptionDocument } from '../../../shared/ims/ims-subscription'
import type { Logger } from '../../../shared/log/logger'
import { OUTBOUND_TIMEOUT_MS } from '../dime-config'

export type PushKind = 'deregister' | 'profile'

export interface PushOutcome {
  kind: PushKind
  url: string
  /** HTTP status, or 0 when no answer came. */
  status: number
  ok: boolean
}

export interface DeregistrationEntry {
  primaryImpu: string
  impi?: string
}

export class SproutPush {
  constructor(
    private readonly sproutUrl: string,
    private readonly hopSecret: string,
    private readonly fetch: Fetch,
    private readonly log: Logger
  ) {}

  private async send(
    kind: PushKind,
    method: string,
    url: string,
    body: string
  ): Promise<PushOutcome> {
    const init = await signedInit(this.hopSecret, url, {
      method,
      headers: { 'content-type': 'application/json' },
      body,
    })
    let status = 0
    try {
      const res = await this.fetch(url, {
        ...init,
        signal: AbortSignal.timeout(OUTBOUND_TIMEOUT_MS),
      })
      status = res.status
      await res.body?.cancel()
    } catch (err) {
      this.log.warn('push to sprout failed', { kind, url, error: err })
      return { kind, url, status: 0, ok: false }
    }
    const ok = status >= 200 && status < 300
    if (status === 404) this.log.info('sprout has no route for this push yet', { kind, url })
    else if (!ok) this.log.warn('sprout refused a push', { kind, url, status })
    else this.log.info('pushed to sprout', { kind, url, status })
    return { kind, url, status, ok }
  }

  /** Cx RTR: the S-CSCF must drop these registrations and notify their subscribers. */
  deregister(entries: DeregistrationEntry[]): Promise<PushOutcome> {
    const url = `${this.sproutUrl}/registrations?send-notifications=true`
    const body = JSON.stringify({
      registrations: entries.map((e) => ({
        'primary-impu': e.primaryImpu,
        ...(e.impi ? { impi: e.impi } : {}),
      })),
    })
    return this.send('deregister', 'DELETE', url, body)
  }

  /** Cx PPR: the set's user data changed. */
  pushProfile(defaultImpu: string, subscriptionXml: string): Promise<PushOutcome> {
    const url = `${this.sproutUrl}/registrations/${encodeURIComponent(defaultImpu)}`
    const body = JSON.stringify({ 'user-data-xml': imsSubscriptionDocument(subscriptionXml) })
    return this.send('profile', 'PUT', url, body)
  }
}
