/**
 * @module homestead/irs-view
 * What Homestead serves about an implicit registration set, derived from its stored records:
 * the IMS subscription XML (profiles and public ids in creation order, as Homestead-prov
 * assembles it), the default public id (first unbarred one), every public id and the private
 * ids that may authenticate them. Pure: the caller loads the {@link IrsBundle}.
 */
import {
  buildImsSubscriptionXml,
  defaultPublicIdentity,
  readImsSubscription,
  type ServiceProfileSource,
  UNSPECIFIED_PRIVATE_ID,
} from '../ims/ims-subscription'
import { parseXml } from '../ims/xml-tree'
import type { IrsBundle } from './subscriber-store'

export interface IrsView {
  irs: string
  /** The `<IMSSubscription>` element; null when the set has no sip: identity (never served). */
  subscriptionXml: string | null
  defaultImpu?: string
  /** Every public id of the set, in order. */
  impus: string[]
  /** Provisioned private ids of the set. */
  privateIds: string[]
}

export function irsView(bundle: IrsBundle): IrsView {
  const profiles: ServiceProfileSource[] = bundle.serviceProfiles.map((sp) => ({
    ...(sp.ifcXml ? { filterCriteriaXml: sp.ifcXml } : {}),
    publicIdentityXmls: bundle.publicIds.filter((p) => p.sp === sp.sp).map((p) => p.xml),
  }))
  const known = new Set(bundle.serviceProfiles.map((s) => s.sp))
  const impus = bundle.publicIds.filter((p) => known.has(p.sp)).map((p) => p.impu)
  const built = buildImsSubscriptionXml(bundle.privateIds[0] ?? UNSPECIFIED_PRIVATE_ID, profiles)
  const view: IrsView = {
    irs: bundle.irs,
    subscriptionXml: built.ok ? built.value : null,
    impus,
    privateIds: [...bundle.privateIds],
  }
  if (built.ok) {
    const doc = parseXml(built.value)
    try {
      const def = doc.ok ? defaultPublicIdentity(readImsSubscription(doc.value)) : undefined
      if (def) view.defaultImpu = def
    } catch {
      // Stored PublicIdentity documents were checked on PUT; an unreadable one has no default.
    }
  }
  return view
}
