/**
 * @module ims/ims-subscription
 * The IMS subscription (TS 29.228 §7.7 User-Data, CxDataType `tIMSSubscription`) that Dime
 * assembles from provisioned data and Sprout reads from reg-data: PrivateID, then one
 * ServiceProfile per service profile of the implicit registration set, each holding its
 * PublicIdentity elements followed by the children of its stored filter-criteria document
 * (InitialFilterCriteria, SharedIFCSetID), in the order CxDataType defines. As in Homestead-prov
 * (crest models.py `build_imssubscription_xml`), stored documents are embedded as they were
 * provisioned and a set without any `sip:` identity has no subscription. Also here: the default
 * public identity (the first unbarred one, homestead_xml_utils.cpp) and P-Associated-URI.
 */
import type { InitialFilterCriteria } from './ifc-model'
import { readServiceProfileIfcs } from './ifc-parse'
import { fail, type ImsResult, type ImsXmlError, ok } from './ims-result'
import { effectiveIdentity, type PublicIdentity, readPublicIdentity } from './public-identity'
import {
  childElements,
  firstChild,
  parseDocument,
  parseXml,
  serializeElement,
  textElement,
  textOf,
  XML_DECLARATION,
  type XmlElement,
} from './xml-tree'

export const IMS_SUBSCRIPTION_ATTRS =
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="CxDataType.xsd"'

/** The private id Homestead-prov writes when the subscription is not built for one IMPI. */
export const UNSPECIFIED_PRIVATE_ID = 'Unspecified'

export interface ServiceProfileSource {
  /** The stored filter-criteria document (a `<ServiceProfile>` root), if any. */
  filterCriteriaXml?: string
  /** The stored `<PublicIdentity>` documents of the profile, in order. */
  publicIdentityXmls: string[]
}

/**
 * Builds the `<IMSSubscription>` element (no XML declaration: it is embedded into
 * ClearwaterRegData as is; {@link imsSubscriptionDocument} adds the declaration).
 */
export function buildImsSubscriptionXml(
  privateId: string,
  profiles: readonly ServiceProfileSource[]
): ImsResult<string> {
  let body = ''
  let hasSipUri = false
  for (const [i, sp] of profiles.entries()) {
    if (sp.publicIdentityXmls.length === 0) continue
    let inner = ''
    for (const [j, pxml] of sp.publicIdentityXmls.entries()) {
      const doc = parseXml(pxml)
      if (!doc.ok || doc.value.name !== 'PublicIdentity')
        return fail(
          `ServiceProfile[${i}].PublicIdentity[${j}]`,
          'stored document is not a PublicIdentity'
        )
      if (textOf(firstChild(doc.value, 'Identity')).toLowerCase().startsWith('sip:'))
        hasSipUri = true
      inner += serializeElement(doc.value)
    }
    if (sp.filterCriteriaXml) {
      const doc = parseXml(sp.filterCriteriaXml)
      if (!doc.ok || doc.value.name !== 'ServiceProfile')
        return fail(
          `ServiceProfile[${i}]`,
          'stored filter criteria are not a ServiceProfile document'
        )
      for (const c of childElements(doc.value))
        if (c.name !== 'PublicIdentity') inner += serializeElement(c)
    }
    body += `<ServiceProfile>${inner}</ServiceProfile>`
  }
  // crest IRS.build_imssubscription_xml raises IRSNoSIPURI: such a set is never served.
  if (!hasSipUri) return fail('IMSSubscription', 'has no sip: public identity')
  return ok(
    `<IMSSubscription ${IMS_SUBSCRIPTION_ATTRS}>${textElement('PrivateID', privateId)}${body}</IMSSubscription>`
  )
}

/** A full User-Data document (declaration + element), as pushed to Sprout. */
export function imsSubscriptionDocument(element: string): string {
  return `${XML_DECLARATION}${element}`
}

export interface SubscriptionServiceProfile {
  publicIdentities: PublicIdentity[]
  /** Readable iFCs in document order; unreadable ones are in `skippedIfcs` (Sprout skips them). */
  ifcs: InitialFilterCriteria[]
  skippedIfcs: ImsXmlError[]
  sharedIfcSetIds: number[]
}

export interface ImsSubscription {
  privateId: string
  serviceProfiles: SubscriptionServiceProfile[]
}

/** Reads an `<IMSSubscription>` element (iFCs leniently, the way the S-CSCF evaluates them). */
export function readImsSubscription(el: XmlElement): ImsSubscription {
  const serviceProfiles = childElements(el, 'ServiceProfile').map((sp, i) => {
    const path = `IMSSubscription.ServiceProfile[${i}]`
    const publicIdentities = childElements(sp, 'PublicIdentity').map((p, j) =>
      readPublicIdentity(p, `${path}.PublicIdentity[${j}]`)
    )
    const read = readServiceProfileIfcs(sp, path, 'lenient')
    return {
      publicIdentities,
      ifcs: read.ifcs,
      skippedIfcs: read.skipped,
      sharedIfcSetIds: read.sharedIfcSetIds,
    }
  })
  const pid = textOf(firstChild(el, 'PrivateID'))
  return { privateId: pid === 'null' ? '' : pid, serviceProfiles }
}

/** Parses an IMS subscription document (with or without declaration). */
export function parseImsSubscriptionXml(xml: string): ImsResult<ImsSubscription> {
  return parseDocument(xml, 'IMSSubscription', (root) => ok(readImsSubscription(root)))
}

export interface AssociatedUri {
  uri: string
  barred: boolean
}

/** Every identity of the set once, in document order, with its barring (S4 `associated-uris`). */
export function associatedUris(sub: ImsSubscription): AssociatedUri[] {
  const seen = new Set<string>()
  const out: AssociatedUri[] = []
  for (const sp of sub.serviceProfiles)
    for (const pi of sp.publicIdentities) {
      const uri = effectiveIdentity(pi)
      if (seen.has(uri)) continue
      seen.add(uri)
      out.push({ uri, barred: pi.barred })
    }
  return out
}

/** The default public identity: the first unbarred one (homestead_xml_utils.cpp). */
export function defaultPublicIdentity(sub: ImsSubscription): string | undefined {
  return associatedUris(sub).find((a) => !a.barred)?.uri
}

/**
 * The P-Associated-URI list of a 200 OK to REGISTER (TS 24.229 §5.4.1.2.2): the unbarred
 * identities of the set, default first.
 */
export function pAssociatedUris(sub: ImsSubscription): string[] {
  return associatedUris(sub)
    .filter((a) => !a.barred)
    .map((a) => a.uri)
}

/** The service profile holding `impu` (compared exactly, as provisioned), if any. */
export function serviceProfileFor(
  sub: ImsSubscription,
  impu: string
): SubscriptionServiceProfile | undefined {
  return sub.serviceProfiles.find((sp) =>
    sp.publicIdentities.some((pi) => pi.identity === impu || effectiveIdentity(pi) === impu)
  )
}

/** The entry for `impu`, if the set holds it. */
export function publicIdentityFor(sub: ImsSubscription, impu: string): PublicIdentity | undefined {
  for (const sp of sub.serviceProfiles)
    for (const pi of sp.publicIdentities)
      if (pi.identity === impu || effectiveIdentity(pi) === impu) return pi
  return undefined
}
