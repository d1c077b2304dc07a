/**
 * @module edge/trust-boundary
 * The edge is the only untrusted entry (architecture §3, Clearwater Bono's trust boundary,
 * clearwater-interfaces §6). These pure helpers apply its rules to a message crossing it:
 * what a client may not assert, what the core keeps to itself, and how the flow's identity is
 * asserted (RFC 3325 §9.1).
 */
import type { SipMessage, SipRequest } from '../shared/sip/message'
import type { NameAddr } from '../shared/sip/name-addr'
import type { Uri } from '../shared/sip/uri'

/** Headers only the trusted zone may set: removed from everything a client sends (TS 24.229 §5.2.6.3). */
export const CLIENT_FORBIDDEN = [
  'p-asserted-identity',
  'p-served-user',
  'p-charging-vector',
  'p-charging-function-addresses',
] as const

/** Headers that describe the core's internals: removed from everything sent to a client. */
export const CORE_PRIVATE = [
  'p-served-user',
  'p-charging-vector',
  'p-charging-function-addresses',
  'path',
] as const

export function stripFromClient(m: SipMessage): void {
  for (const h of CLIENT_FORBIDDEN) m.remove(h)
}

export function stripTowardClient(m: SipMessage): void {
  for (const h of CORE_PRIVATE) m.remove(h)
}

/** An identity as compared by the edge: scheme + user + host, host lower-cased, no parameters. */
export function identityKey(uri: Uri): string | undefined {
  if (uri.kind === 'sip')
    return `${uri.scheme === 'sips' ? 'sip' : uri.scheme}:${uri.user ?? ''}@${uri.host.toLowerCase()}`
  if (uri.kind === 'tel') return `tel:${uri.number}`
  return undefined
}

export type AssertResult = { ok: true; identity: string } | { ok: false; reason: string }

/**
 * Chooses the asserted identity for a request from an authenticated flow (RFC 3325 §9.1):
 * P-Preferred-Identity must name one of the flow's identities; without it, the From URI when it
 * is one of them, else the default identity (the first).
 */
export function chooseAssertedIdentity(
  req: SipRequest,
  identities: readonly string[]
): AssertResult {
  const keys = new Map(identities.map((i) => [i.toLowerCase(), i]))
  const preferred = req.getAll('p-preferred-identity') as readonly NameAddr[]
  if (preferred.length > 0) {
    for (const p of preferred) {
      const k = identityKey(p.uri)
      if (!k || !keys.has(k.toLowerCase())) {
        return {
          ok: false,
          reason: 'P-Preferred-Identity is not an identity registered on this flow',
        }
      }
    }
    return { ok: true, identity: identityKey(preferred[0]!.uri)! }
  }
  const from = identityKey(req.from.uri)
  if (from && keys.has(from.toLowerCase()))
    return { ok: true, identity: keys.get(from.toLowerCase())! }
  return { ok: true, identity: identities[0]! }
}
