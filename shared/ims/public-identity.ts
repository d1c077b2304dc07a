/**
 * @module ims/public-identity
 * The `<PublicIdentity>` element of TS 29.228 (CxDataType: Identity, BarringIndication,
 * Extension{IdentityType, WildcardedPSI, Extension{…{WildcardedIMPU}}}), as Homestead-prov stores
 * it per public id and as the IMS subscription carries it. Parsing checks what Clearwater relies
 * on: an Identity that is a sip:, sips: or tel: URI, a boolean BarringIndication and an
 * IdentityType of 0–4 (cpp-common xml_utils.h). The identity a non-distinct IMPU (type 3) stands
 * for is its WildcardedIMPU (cpp-common `parse_extension_identity`).
 */
import { ImsParseError, type ImsResult, ok } from './ims-result'
import { childElements, firstChild, parseDocument, textOf, type XmlElement } from './xml-tree'
import { parseBoolean, parseInteger } from './xml-values'

/** TS 29.228 §7.7 / cpp-common: how an identity entry is to be read. */
export const IDENTITY_TYPES = {
  DISTINCT_IMPU: 0,
  DISTINCT_PSI: 1,
  WILDCARDED_PSI: 2,
  NON_DISTINCT_IMPU: 3,
  WILDCARDED_IMPU: 4,
} as const
export type IdentityType = 0 | 1 | 2 | 3 | 4

export interface PublicIdentity {
  /** The `<Identity>` URI. */
  identity: string
  /** `<BarringIndication>`: a barred identity may not originate or receive sessions. */
  barred: boolean
  /** `<Extension><IdentityType>`; absent means a distinct IMPU. */
  identityType?: IdentityType
  wildcardedImpu?: string
  wildcardedPsi?: string
  displayName?: string
}

const URI_RE = /^(sips?:[^\s<>]+|tel:[^\s<>]+)$/i

function findDeep(el: XmlElement, name: string, depth: number): XmlElement | undefined {
  const direct = firstChild(el, name)
  if (direct || depth === 0) return direct
  for (const ext of childElements(el, 'Extension')) {
    const f = findDeep(ext, name, depth - 1)
    if (f) return f
  }
  return undefined
}

/** Reads a `<PublicIdentity>` element; `path` prefixes error locations. */
export function readPublicIdentity(el: XmlElement, path = 'PublicIdentity'): PublicIdentity {
  const idEl = firstChild(el, 'Identity')
  const identity = textOf(idEl)
  if (!idEl || identity === '') throw new ImsParseError(`${path}.Identity`, 'is missing or empty')
  if (!URI_RE.test(identity))
    throw new ImsParseError(
      `${path}.Identity`,
      `must be a sip:, sips: or tel: URI, got "${identity}"`
    )
  const pi: PublicIdentity = { identity, barred: false }
  const bar = firstChild(el, 'BarringIndication')
  if (bar) pi.barred = parseBoolean(bar, `${path}.BarringIndication`)
  const ext = firstChild(el, 'Extension')
  if (ext) {
    const type = firstChild(ext, 'IdentityType')
    if (type)
      pi.identityType = parseInteger(type, `${path}.Extension.IdentityType`, 0, 4) as IdentityType
    const psi = firstChild(ext, 'WildcardedPSI')
    if (psi) pi.wildcardedPsi = textOf(psi)
    // WildcardedIMPU sits in the third Extension in Rel-11 CxDataType; accept any depth up to it.
    const wimpu = findDeep(ext, 'WildcardedIMPU', 2)
    if (wimpu) pi.wildcardedImpu = textOf(wimpu)
    const dn = findDeep(ext, 'DisplayName', 1)
    if (dn) pi.displayName = textOf(dn)
  }
  return pi
}

/** Parses a stand-alone `<PublicIdentity>` document (the Homestead-prov PUT body). */
export function parsePublicIdentityXml(xml: string): ImsResult<PublicIdentity> {
  return parseDocument(xml, 'PublicIdentity', (root) => ok(readPublicIdentity(root)))
}

/**
 * The identity an entry stands for: the WildcardedIMPU of a non-distinct IMPU, otherwise the
 * Identity itself (cpp-common `RegDataXMLUtils::parse_extension_identity`).
 */
export function effectiveIdentity(pi: PublicIdentity): string {
  return pi.identityType === IDENTITY_TYPES.NON_DISTINCT_IMPU && pi.wildcardedImpu
    ? pi.wildcardedImpu
    : pi.identity
}
