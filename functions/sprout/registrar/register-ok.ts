/**
 * @module sprout/registrar/register-ok
 * The 200 OK to a REGISTER (RFC 3261 §10.3 step 8; clearwater-interfaces §5.3 step 6):
 * - one Contact per current binding with its remaining `expires` and stored parameters, plus
 *   `pub-gruu` when the UA supports GRUU and the binding has an instance id (RFC 5627 §5.4,
 *   Clearwater's escaping); a UA-supplied pub-gruu was never stored, so it is replaced;
 * - every Path value echoed (RFC 3327 §5.3);
 * - `Service-Route: <sip:sprout.<region>.edgewater.internal;lr;orig>` (RFC 3608; `orig` marks
 *   originating requests, §12.10);
 * - `P-Associated-URI` for every unbarred identity of the set, default first (RFC 7315 §4.1);
 * - `Supported: outbound` when the edge is the first hop (Path has `ob`), and `Require:
 *   outbound` when, in addition, some Contact was an outbound flow and the UA supports outbound
 *   (RFC 5626 §6);
 * - `P-Charging-Function-Addresses` from the HSS; a `Date` (§10.3 step 8).
 * Pure: the clock arrives as `nowMs`.
 */
import type { Region } from '../../../shared/config/regions'
import { functionHost } from '../../../shared/hop/internal-addresses'
import type { SipRequest, SipResponse } from '../../../shared/sip'
import { respondTo } from '../sip-build'
import { type Binding, remainingSeconds } from './binding-model'
import { pubGruu } from './gruu'
import { chargingHeader, type Irs } from './irs'
import type { ParsedRegistration } from './parse-registration'

export function contactValue(b: Binding, nowMs: number, gruuAor: string | undefined): string {
  let v = b.data.displayName ? `"${b.data.displayName.replace(/["\\]/g, '\\$&')}" ` : ''
  v += `<${b.data.uri}>;expires=${remainingSeconds(b.expires, nowMs)}`
  if (b.data.q) v += `;q=${b.data.q}`
  for (const [name, value] of b.data.params) v += value === null ? `;${name}` : `;${name}=${value}`
  const gruu = gruuAor && b.data.instance ? pubGruu(gruuAor, b.data.instance) : undefined
  if (gruu) v += `;pub-gruu="${gruu}"`
  return v
}

export function serviceRoute(region: Region): string {
  return `<sip:${functionHost('sprout', region)};lr;orig>`
}

export function buildRegisterOk(
  req: SipRequest,
  reg: ParsedRegistration,
  bindings: readonly Binding[],
  irs: Irs,
  region: Region,
  nowMs: number
): SipResponse {
  const gruuAor = reg.supported.has('gruu') ? reg.impu : undefined
  const headers: Array<[string, string]> = [['Service-Route', serviceRoute(region)]]
  for (const b of bindings) headers.push(['Contact', contactValue(b, nowMs, gruuAor)])
  for (const p of reg.paths) headers.push(['Path', p])
  for (const u of irs.associatedUris) headers.push(['P-Associated-URI', `<${u}>`])
  if (reg.outbound) {
    headers.push(['Supported', 'outbound'])
    const flowContact = reg.contacts.some((c) => c.key.regId !== undefined && c.expires > 0)
    if (bindings.length > 0 && flowContact && reg.supported.has('outbound'))
      headers.push(['Require', 'outbound'])
  }
  const pcfa = chargingHeader(irs.charging)
  if (pcfa) headers.push(['P-Charging-Function-Addresses', pcfa])
  headers.push(['Date', new Date(nowMs).toUTCString()])
  return respondTo(req, 200, 'OK', { headers })
}
