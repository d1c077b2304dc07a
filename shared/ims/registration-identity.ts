/**
 * @module ims/registration-identity
 * The identities a REGISTER names (clearwater-interfaces §5.2–5.3), read the same way by Sprout's
 * registrar (functions/sprout/registrar/identities.ts) and by the edge when it challenges a
 * REGISTER itself (edge/register-challenge.ts):
 * - the public identity is the To URI made canonical: a SIP URI without parameters, headers or
 *   password, or a tel URI without parameters (PJUtils::public_id_from_uri);
 * - without an Authorization header the private identity is derived from it: `user@host`, or
 *   `<number>@<home domain>` for a tel URI (PJUtils::default_private_id_from_uri).
 * Pure.
 */
import type { Uri } from '../sip/uri'

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
