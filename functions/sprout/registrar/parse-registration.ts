/**
 * @module sprout/registrar/parse-registration
 * Step 1 of REGISTER processing (clearwater-interfaces §5.3 "basic validation"): reads what the
 * registrar needs from the request and refuses what it cannot accept, as a {@link SipError}:
 * - a To URI that is neither sip nor tel: 404;
 * - `Contact: *` with an expiry other than 0, or next to other Contacts: 400 (RFC 3261 §10.3
 *   step 6);
 * - a malformed Contact, Expires, Path or Authorization: 400 naming the header;
 * - a non-zero expiry below the configured minimum: 423 with `Min-Expires` (§10.3 step 7;
 *   Clearwater has no minimum, so by default this never happens).
 * Each Contact's expiry is its `expires` parameter, else the Expires header, else the maximum,
 * capped at the maximum (reg_max_expires, §11). A Contact with the `sos` parameter is an emergency
 * registration (TS 24.229 §5.4.1.2.2F, emergency.ts): its binding id is prefixed `sos` as
 * Clearwater's is, and its expiry is capped at the emergency maximum. Pure: no I/O, no clock.
 */

import { EDGE_HOST, FLOW_VIA_PARAM } from '../../../shared/hop/internal-addresses'
import { type DigestParams, digestParams, isDigest } from '../../../shared/sip/auth-header'
import { contactExpires } from '../../../shared/sip/contact'
import { SipError, SipParseError } from '../../../shared/sip/errors'
import type { SipRequest } from '../../../shared/sip/message'
import { type NameAddr, serializeNameAddr } from '../../../shared/sip/name-addr'
import { getParam, hasParam } from '../../../shared/sip/params'
import { emergencyKey, isEmergencyContact } from './emergency'
import { type BindingKey, bindingKey, canonicalImpu, defaultImpi } from './identities'

export interface ContactRequest {
  key: BindingKey
  contact: NameAddr
  /** Granted expiry in seconds; 0 removes the binding. */
  expires: number
  /** The Contact carries `sos`: an emergency binding (emergency.ts). */
  emergency: boolean
}

export interface ParsedRegistration {
  /** Canonical To URI (the registering public identity). */
  impu: string
  /** Private identity: the Authorization username, else derived from the To URI. */
  impi: string
  /** Digest credentials when an Authorization header with the Digest scheme is present. */
  credentials?: DigestParams
  callId: string
  cseq: number
  /** `Contact: *` with `Expires: 0`. */
  wildcard: boolean
  /** No Contact at all: a query of the current bindings (RFC 3261 §10.2.3). */
  fetch: boolean
  contacts: ContactRequest[]
  /** Path values in order (RFC 3327), as text, and parsed. */
  paths: string[]
  /** Edge flow token named by the first Path entry. */
  flow?: string
  /** The first Path URI has `ob`: the edge is the first hop (RFC 5626 §5.1). */
  outbound: boolean
  supported: Set<string>
  /** Flow token of the edge's Via (where the response goes). */
  viaFlow?: string
}

export interface ExpiryLimits {
  maxExpires: number
  /** Cap of an emergency binding's expiry (REG_EMERGENCY_MAX_EXPIRES). */
  emergencyMaxExpires: number
  minExpires: number
  homeDomain: string
}

/** Runs `read`, turning a header syntax error into 400 naming the header. */
function header<T>(name: string, read: () => T): T {
  try {
    return read()
  } catch (err) {
    if (err instanceof SipParseError)
      throw new SipError(400, `Malformed ${name} header`, { cause: err })
    throw err
  }
}

export function parseRegistration(req: SipRequest, limits: ExpiryLimits): ParsedRegistration {
  const to = header('To', () => req.to)
  const impu = canonicalImpu(to.uri)
  // §5.3 step 1: the To URI must be sip or tel.
  if (impu === undefined) throw new SipError(404, 'Not Found (To URI must be sip or tel)')
  const auth = header('Authorization', () => req.get('authorization'))
  const credentials = auth && isDigest(auth) ? digestParams(auth) : undefined
  const impi = credentials?.username || defaultImpi(to.uri, limits.homeDomain) || ''

  const pathValues = header('Path', () => req.getAll('path'))
  const first = pathValues[0]
  const outbound =
    first !== undefined && first.uri.kind === 'sip' && hasParam(first.uri.params, 'ob')
  const flow =
    first?.uri.kind === 'sip' && first.uri.host.toLowerCase() === EDGE_HOST && first.uri.user
      ? first.uri.user
      : undefined
  const supported = new Set(
    header('Supported', () => req.getAll('supported')).map((t) => t.toLowerCase())
  )
  const via = header('Via', () => req.topVia)
  const viaFlow = getParam(via.params, FLOW_VIA_PARAM) ?? undefined

  const headerExpires = header('Expires', () => req.get('expires'))
  const raw = header('Contact', () => req.contacts)
  const base = {
    impu,
    impi,
    ...(credentials ? { credentials } : {}),
    callId: header('Call-ID', () => req.callId),
    cseq: header('CSeq', () => req.cseq.seq),
    paths: pathValues.map(serializeNameAddr),
    ...(flow ? { flow } : {}),
    outbound,
    supported,
    ...(viaFlow ? { viaFlow } : {}),
  }

  if (raw.includes('*')) {
    // RFC 3261 §10.3 step 6: "*" only alone and only with Expires: 0.
    if (raw.length !== 1) throw new SipError(400, 'Bad Request (Contact * must be alone)')
    if (headerExpires !== 0) throw new SipError(400, 'Bad Request (Contact * requires Expires: 0)')
    return { ...base, wildcard: true, fetch: false, contacts: [] }
  }

  const contacts: ContactRequest[] = []
  for (const c of raw as NameAddr[]) {
    const requested =
      header('Contact', () => contactExpires(c)) ?? headerExpires ?? limits.maxExpires
    // §10.3 step 7: a minimum, when configured, is enforced with 423 and Min-Expires.
    if (requested > 0 && requested < limits.minExpires)
      throw new SipError(423, 'Interval Too Brief', {
        headers: [['Min-Expires', String(limits.minExpires)]],
      })
    const emergency = isEmergencyContact(c)
    const key = bindingKey(c, outbound)
    contacts.push({
      key: emergency ? emergencyKey(key) : key,
      contact: c,
      expires: Math.min(requested, emergency ? limits.emergencyMaxExpires : limits.maxExpires),
      emergency,
    })
  }
  return { ...base, wildcard: false, fetch: contacts.length === 0, contacts }
}
