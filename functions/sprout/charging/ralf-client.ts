/**
 * @module sprout/charging/ralf-client
 * Rf accounting from the S-CSCF over HTTP (`CHARGING=ralf`; clearwater-interfaces §5.11, §7): one
 * ACR per transaction and role to Ralf's `POST /call-id/<url-escaped Call-ID>` on this region's Dime, the other region's
 * on a transport failure. START for an answered INVITE, EVENT for a failed one and for
 * out-of-dialog requests, INTERIM for in-dialog requests, STOP for BYE (acr-build.ts). ACRs are
 * sent after the SIP answer (`defer`), never on the call's critical path; a failure is logged.
 * The CCF comes from the HSS's charging addresses, or `CDF_IDENTITY` when it names none.
 */
import { peerOf } from '../../../shared/config/regions'
import { signedFetch } from '../../../shared/hop/signed-fetch'
import type { RoutingDeps } from '../routing/routing-deps'
import { type AcrSpec, acrOf, ccfsOf } from './acr-spec'

async function post(d: RoutingDeps, callId: string, body: string): Promise<void> {
  let last = ''
  for (const region of [d.region, peerOf(d.region)]) {
    const url = `${d.functionUrls[region].dime.replace(/\/+$/, '')}/call-id/${encodeURIComponent(callId)}`
    try {
      const res = await signedFetch(d.fetch, d.hopSecret, url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(2_000),
      })
      await res.body?.cancel()
      if (res.status < 500) return
      last = `HTTP ${res.status}`
    } catch (err) {
      last = err instanceof Error ? err.message : String(err)
    }
  }
  d.log.warn('ACR not delivered to Ralf', { callId, error: last })
}

/** Sends the ACRs of one transaction to Ralf: one per side the S-CSCF served. */
export function sendAcrs(d: RoutingDeps, a: AcrSpec): void {
  const at = d.clock.now()
  for (const role of ['orig', 'term'] as const) {
    const who = a.charging[role]
    if (!who) continue
    const body = acrOf(a, role, ccfsOf(d, who), at)
    d.defer(() => post(d, a.callId, JSON.stringify(body)))
  }
}
