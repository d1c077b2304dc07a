/**
 * @module sprout/registrar/identities
 * How Sprout names subscribers and bindings (clearwater-interfaces §5.2–5.3, §12.11):
 * - the public identity of a REGISTER or SUBSCRIBE is its To URI made canonical: a SIP URI
 *   without parameters, headers or password, or a tel URI without parameters
 *   (PJUtils::public_id_from_uri);
 * - without an Authorization header the private identity is derived from it: `user@host`, or
 *   `<number>@<home domain>` for a tel URI (PJUtils::default_private_id_from_uri);
 * - a binding is keyed by its `+sip.instance` (quotes and angle brackets removed) plus
 *   `:<reg-id>` when the flow is an outbound flow, else by its Contact URI (RFC 5626 §6,
 *   RFC 3261 §10.3 step 7).
 */

import { contactInstance, contactRegId } from '../../../shared/sip/contact'
import type { NameAddr } from '../../../shared/sip/name-addr'
import { serializeUri, type Uri } from '../../../shared/sip/uri'

/** The canonical public identity of a URI, or undefined for a scheme that has none. */
export function canonicalImpu(uri: Uri): string | undefined {
  if (uri.kind === 'sip') {
    const user = uri.user === null ? '' : `${uri.user}@`
    const port = uri.port === null ? '' : `:${uri.port}`
    return `${uri.scheme}:${user}${uri.host}${port}`
  }
  if (uri.kind === 'tel') return `tel:${uri.number}`
  return undefined
}

/** The private identity Clearwater assumes when a request carries no credentials. */
export function defaultImpi(uri: Uri, homeDomain: string): string | undefined {
  if (uri.kind === 'sip') return uri.user === null ? uri.host : `${uri.user}@${uri.host}`
  if (uri.kind === 'tel') return `${uri.number.replace(/^\+/, '')}@${homeDomain}`
  return undefined
}

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
