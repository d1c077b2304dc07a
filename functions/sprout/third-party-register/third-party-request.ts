/**
 * @module sprout/third-party-register/third-party-request
 * The third-party REGISTER Sprout sends an application server (clearwater-interfaces §5.5,
 * TS 24.229 §5.4.1.7): Request-URI the iFC's ServerName; From the S-CSCF, To the served identity,
 * Contact the S-CSCF; a fresh Call-ID with CSeq 1; `Expires` the AoR's longest remaining expiry
 * (0 when deregistering); P-Access-Network-Info, P-Visited-Network-ID and P-Charging-Vector from
 * the UE's REGISTER, P-Charging-Function-Addresses from the 200 OK; a body with the iFC's
 * ServiceInfo (`application/3gpp-ims+xml`) and copies of the REGISTER and/or its 200 OK
 * (`message/sip`), multipart/mixed when there is more than one part. Sprout's Via carries
 * `ew-dh=terminated` when the iFC's DefaultHandling is SESSION_TERMINATED on a registration, so
 * the AS's answer,
 * which comes back as a separate request, says what a failure means.
 */
import type { Region } from '../../../shared/config/regions'
import { HOP_TRANSPORT } from '../../../shared/hop/internal-addresses'
import { escapeXml } from '../../../shared/ims/xml-tree'
import type { SipRequest, SipResponse } from '../../../shared/sip'
import { composeRequest, newBranch, newCallId, newTag } from '../sip-build'
import { scscfUri, sproutViaHost } from '../sprout-deps'
import type { ThirdPartyTarget } from './third-party-targets'

/** Via parameter marking a third-party REGISTER whose failure deregisters the subscriber. */
export const TERMINATED_VIA_PARAM = 'ew-dh'

const COPIED = ['P-Access-Network-Info', 'P-Visited-Network-ID', 'P-Charging-Vector']

export interface ThirdPartyInput {
  target: ThirdPartyTarget
  expires: number
  region: Region
  /** The UE's REGISTER and Sprout's 200 OK, when there was one (not for network deregistration). */
  register?: SipRequest
  ok?: SipResponse
}

function body(i: ThirdPartyInput): { body: string; contentType?: string } {
  const parts: Array<{ type: string; text: string }> = []
  if (i.target.serviceInfo !== undefined)
    parts.push({
      type: 'application/3gpp-ims+xml',
      text: `<?xml version="1.0" encoding="UTF-8"?><ims-3gpp version="1"><service-info>${escapeXml(i.target.serviceInfo)}</service-info></ims-3gpp>`,
    })
  if (i.target.includeRequest && i.register)
    parts.push({ type: 'message/sip', text: i.register.toString() })
  if (i.target.includeResponse && i.ok) parts.push({ type: 'message/sip', text: i.ok.toString() })
  if (parts.length === 0) return { body: '' }
  if (parts.length === 1) return { body: parts[0]!.text, contentType: parts[0]!.type }
  const boundary = `ew${newTag()}`
  let text = ''
  for (const p of parts) text += `--${boundary}\r\nContent-Type: ${p.type}\r\n\r\n${p.text}\r\n`
  return { body: `${text}--${boundary}--\r\n`, contentType: `multipart/mixed;boundary=${boundary}` }
}

export function buildThirdPartyRegister(i: ThirdPartyInput): SipRequest {
  // Only a registration's failure deregisters (§5.5); a de-REGISTER's failure changes nothing.
  const terminated = i.target.defaultHandling === 'SESSION_TERMINATED' && i.expires > 0
  const via = `SIP/2.0/${HOP_TRANSPORT} ${sproutViaHost(i.region)};branch=${newBranch()}${terminated ? `;${TERMINATED_VIA_PARAM}=terminated` : ''}`
  const headers: Array<[string, string]> = [['Expires', String(i.expires)]]
  for (const name of COPIED)
    for (const v of i.register?.getAllRaw(name) ?? []) headers.push([name, v])
  for (const v of i.ok?.getAllRaw('P-Charging-Function-Addresses') ?? [])
    headers.push(['P-Charging-Function-Addresses', v])
  const b = body(i)
  return composeRequest({
    method: 'REGISTER',
    uri: i.target.serverName,
    via,
    from: `<${scscfUri(i.region)}>;tag=${newTag()}`,
    to: `<${i.target.servedImpu}>`,
    callId: newCallId(),
    cseq: 1,
    contact: `<${scscfUri(i.region)}>`,
    headers,
    body: b.body,
    ...(b.contentType ? { contentType: b.contentType } : {}),
  })
}
