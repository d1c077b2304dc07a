/**
 * @module sprout/registrar/identities
 * How Sprout names subscribers and bindings (clearwater-interfaces §5.2–5.3, §12.11):
 * - the public identity of a REGISTER or SUBSCRIBE is its To URI made canonical, and without an
 *   Authorization header the private identity is derived from it (shared/ims/
 *   registration-identity.ts, which the edge reads them with too);
 * - a binding is keyed by its `+sip.instance` (quotes and angle brackets removed) plus
 *   `:<reg-id>` when the flow is an outbound flow, else by its Contact URI (RFC 5626 §6,
 *   RFC 3261 §10.3 step 7).
 */

import { contactInstance, contactRegId } from '../../../shared/sip/contact'
import type { NameAddr } from '../../../shared/sip/name-addr'
import { serializeUri } from '../../../shared/sip/uri'

export { canonicalImpu, defaultImpi } from '../../../shared/ims/registration-identity'

/** `+sip.instance` without quotes or angle brackets (`urn:uuid:…`), as ids and GRUUs use it. */
export function instanceId(contact: NameAddr): string | undefined {
  const v = contactInstance(contact)
  if (v === undefined) return undefined
  return v.startsWith('<') && v.endsWith('>') ? v.slice(1, -1) : v
}

export interface BindingKey {
  id: string
  instance?: string
  /** Set only when it takes part in the key (an outbound flow, RFC 5626 §6). */
  regId?: number
}

/**
 * The binding id of a Contact. `outbound` says whether reg-id may be honoured: RFC 5626 §6
 * requires the first Path to carry `ob` (or the registrar to be the first hop); otherwise the
 * reg-id is ignored.
 */
export function bindingKey(contact: NameAddr, outbound: boolean): BindingKey {
  const instance = instanceId(contact)
  if (instance === undefined) return { id: serializeUri(contact.uri) }
  const regId = outbound ? contactRegId(contact) : undefined
  return regId === undefined
    ? { id: instance, instance }
    : { id: `${instance}:${regId}`, instance, regId }
}
