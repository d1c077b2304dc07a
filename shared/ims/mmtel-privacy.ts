/**
 * @module ims/mmtel-privacy
 * The privacy services of the built-in MMTEL application server (clearwater-interfaces §5.9
 * items 1–2; TS 24.607, RFC 3323, RFC 3325), as decisions over the Privacy header's values:
 *
 * - OIR on the originating side, when the caller's OIR service is active: with default
 *   "restricted", `id`, `header` and `user` are added unless the caller asked for `none`
 *   (TS 24.607 §4.5.2.4); with default "not restricted", `user` is added when the caller asked for
 *   `id` or `header`. OIP has no effect.
 * - Privacy enforcement on the terminating side, always, following the caller's Privacy: `header`
 *   removes Call-Info, Server and Organization and implies `id`; `session` with `critical` cannot
 *   be honoured by a proxy and is refused with 503; `user` removes the user-configurable headers of
 *   RFC 3323 §5.3 and makes the From anonymous (keeping its tag); `id` removes
 *   P-Asserted-Identity (RFC 3325 §9.1).
 *
 * The Privacy header is rebuilt from the known values in a fixed order; unknown values are
 * dropped, as Sprout's MMTEL does.
 */
import type { OirService } from './simservs-model'

export const PRIVACY_VALUES = ['id', 'header', 'session', 'user', 'none', 'critical'] as const
export type PrivacyValue = (typeof PRIVACY_VALUES)[number]

/** The known values among a Privacy header's values (case-insensitive). */
export function parsePrivacyValues(values: readonly string[]): Set<PrivacyValue> {
  const out = new Set<PrivacyValue>()
  for (const v of values) {
    const l = v.trim().toLowerCase()
    if ((PRIVACY_VALUES as readonly string[]).includes(l)) out.add(l as PrivacyValue)
  }
  return out
}

/** The Privacy header value to write, or undefined for none (RFC 3323 §4.2 syntax). */
export function privacyHeader(values: ReadonlySet<PrivacyValue>): string | undefined {
  const out = PRIVACY_VALUES.filter((v) => values.has(v))
  return out.length > 0 ? out.join(';') : undefined
}

/**
 * Originating OIR. Returns the new Privacy value set, or undefined when the service is off (the
 * header is then left exactly as the caller sent it).
 */
export function applyOir(
  oir: OirService | undefined,
  requested: readonly string[]
): Set<PrivacyValue> | undefined {
  if (!oir?.active) return undefined
  const p = parsePrivacyValues(requested)
  if (oir.defaultBehaviour === 'presentation-restricted') {
    if (!p.has('none')) for (const v of ['user', 'id', 'header'] as const) p.add(v)
  } else if (p.has('id') || p.has('header')) p.add('user')
  return p
}

/** Headers RFC 3323 §5.3 lists as user-configurable ("user" privacy). */
export const USER_PRIVACY_HEADERS = [
  'Subject',
  'Call-Info',
  'Organization',
  'User-Agent',
  'Reply-To',
  'In-Reply-To',
] as const
/** Headers "header" privacy removes (those a proxy can drop without a B2BUA). */
export const HEADER_PRIVACY_HEADERS = ['Call-Info', 'Server', 'Organization'] as const

export const ANONYMOUS_FROM = '"Anonymous" <sip:anonymous@anonymous.invalid>'

export type TerminatingPrivacy =
  | { reject: 503 }
  | {
      reject?: undefined
      removeHeaders: string[]
      anonymousFrom: boolean
      removeAssertedIdentity: boolean
      /** The rebuilt Privacy header value, or undefined to remove it. */
      privacy: string | undefined
    }

/** Terminating privacy enforcement for the caller's Privacy values. */
export function terminatingPrivacy(requested: readonly string[]): TerminatingPrivacy {
  const p = parsePrivacyValues(requested)
  if (p.has('none'))
    return {
      removeHeaders: [],
      anonymousFrom: false,
      removeAssertedIdentity: false,
      privacy: privacyHeader(p),
    }
  const remove = new Set<string>()
  if (p.has('header')) {
    for (const h of HEADER_PRIVACY_HEADERS) remove.add(h)
    p.add('id')
  }
  // A proxy cannot hide the media addresses (session privacy needs a B2BUA).
  if (p.has('session') && p.has('critical')) return { reject: 503 }
  const user = p.has('user')
  if (user) for (const h of USER_PRIVACY_HEADERS) remove.add(h)
  return {
    removeHeaders: [...remove],
    anonymousFrom: user,
    removeAssertedIdentity: p.has('id'),
    privacy: privacyHeader(p),
  }
}
