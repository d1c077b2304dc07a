/**
 * @module ims/number-translation
 * Number translation at the end of originating handling and the BGCF's route table
 * (clearwater-interfaces §5.6 "End of originating handling", §5.8), from configuration rather than
 * DNS:
 *
 * - The dialled number of a tel URI, or of a SIP URI whose user part is digits with an optional
 *   leading `+` (only with `user=phone` when `enforceUserPhone`; only `+` numbers when
 *   `enforceGlobalOnly`).
 * - An ENUM table in Clearwater's `enum.json` form: `{"number_blocks":[{"name","prefix","regex"}]}`,
 *   the longest matching prefix wins and its `!pattern!replacement!` regex (POSIX `\1`
 *   back-references) rewrites the number; results that are tel URIs are ignored (RFC 6116 §2.4:
 *   only E2U+sip here).
 * - `default_tel_uri_translation`: a tel URI with no ENUM result becomes `sip:<number>@<home>`
 *   ("Basic Call - Tel URIs").
 * - The BGCF table in Clearwater's `bgcf.json` form: routes by `domain` (exact, or `*`) for SIP
 *   URIs outside the home domain, by the longest `number` prefix for numbers; each route is a list
 *   of Route URIs pushed onto the request.
 */
import { getParam } from '../sip/params'
import type { Uri } from '../sip/uri'

export interface EnumBlock {
  name?: string
  prefix: string
  regex: string
}

export interface BgcfRoute {
  name?: string
  domain?: string
  number?: string
  route: string[]
}

export interface TranslationConfig {
  enumBlocks: readonly EnumBlock[]
  defaultTelUriTranslation: boolean
  homeDomain: string
  enforceUserPhone: boolean
  enforceGlobalOnly: boolean
}

const NUMBER_RE = /^\+?\d+$/

/** The number a URI dials, for ENUM and barring, or undefined. */
export function dialledNumber(
  uri: Uri,
  opts: Pick<TranslationConfig, 'enforceUserPhone' | 'enforceGlobalOnly'>
): string | undefined {
  let n: string | undefined
  if (uri.kind === 'tel') n = uri.number.replace(/[-.()]/g, '')
  else if (uri.kind === 'sip' && uri.user !== null) {
    if (opts.enforceUserPhone && getParam(uri.params, 'user')?.toLowerCase() !== 'phone')
      return undefined
    n = uri.user.split(';', 1)[0]!.replace(/[-.()]/g, '')
  }
  if (!n || !NUMBER_RE.test(n)) return undefined
  if (opts.enforceGlobalOnly && !n.startsWith('+')) return undefined
  return n
}

/** Applies an ENUM `!pattern!replacement!flags` rule (RFC 3402 §3.2 delimiters). */
export function applyEnumRegex(regex: string, input: string): string | undefined {
  const delim = regex[0]
  if (!delim) return undefined
  const parts = regex.slice(1).split(delim)
  if (parts.length < 2) return undefined
  const [pattern, replacement, flags = ''] = parts as [string, string, string?]
  let re: RegExp
  try {
    re = new RegExp(pattern, flags.includes('i') ? 'i' : '')
  } catch {
    return undefined
  }
  if (!re.test(input)) return undefined
  return input.replace(re, replacement.replace(/\\(\d)/g, '$$$1'))
}

/** The ENUM result for a number: the longest matching block's rewrite, or undefined. */
export function enumLookup(number: string, blocks: readonly EnumBlock[]): string | undefined {
  const bare = number.replace(/^\+/, '')
  let best: EnumBlock | undefined
  for (const b of blocks) {
    const p = b.prefix.replace(/^\+/, '')
    if (
      (bare.startsWith(p) || number.startsWith(b.prefix)) &&
      (!best || b.prefix.length > best.prefix.length)
    )
      best = b
  }
  if (!best) return undefined
  const out = applyEnumRegex(best.regex, number) ?? applyEnumRegex(best.regex, bare)
  // Only SIP results route here; a tel: result would loop back into translation.
  return out && /^sips?:/i.test(out) ? out : undefined
}

export type Translation =
  | { kind: 'enum'; uri: string; number: string }
  | { kind: 'tel-default'; uri: string; number: string }
  | { kind: 'none'; number: string | undefined }

/** What the Request-URI becomes at the end of originating handling. */
export function translateRequestUri(uri: Uri, cfg: TranslationConfig): Translation {
  const number = dialledNumber(uri, cfg)
  if (number !== undefined) {
    const e = enumLookup(number, cfg.enumBlocks)
    if (e) return { kind: 'enum', uri: e, number }
  }
  if (uri.kind === 'tel' && cfg.defaultTelUriTranslation) {
    const n = uri.number
    return { kind: 'tel-default', uri: `sip:${n}@${cfg.homeDomain}`, number: n }
  }
  return { kind: 'none', number }
}

/** The BGCF route for a request-URI that leaves the home network, or undefined. */
export function bgcfRoute(
  uri: Uri,
  routes: readonly BgcfRoute[],
  number: string | undefined
): string[] | undefined {
  if (number !== undefined) {
    let best: BgcfRoute | undefined
    for (const r of routes)
      if (
        r.number !== undefined &&
        number.replace(/^\+/, '').startsWith(r.number.replace(/^\+/, ''))
      )
        if (!best || r.number.length > (best.number?.length ?? -1)) best = r
    if (best) return best.route
  }
  if (uri.kind === 'sip') {
    const host = uri.host.toLowerCase()
    const exact = routes.find((r) => r.domain?.toLowerCase() === host)
    if (exact) return exact.route
  }
  return routes.find((r) => r.domain === '*')?.route
}

/** True when a SIP URI names a domain other than the home domain(s). */
export function isOffNetSip(uri: Uri, homeDomains: readonly string[]): boolean {
  if (uri.kind !== 'sip') return false
  const h = uri.host.toLowerCase()
  if (h.endsWith('.edgewater.internal')) return false
  return !homeDomains.some((d) => d.toLowerCase() === h)
}
