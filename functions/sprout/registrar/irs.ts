/**
 * @module sprout/registrar/irs
 * The implicit registration set as the registrar uses it (clearwater-interfaces §5.3 step 2,
 * TS 24.229 §5.4.1.2.2): from Homestead's reg-data, the default public identity (the AoR key:
 * every identity of the set shares one AoR), the P-Associated-URI list (unbarred identities,
 * default first), the service profiles with their iFCs, and the charging addresses.
 */

import {
  defaultPublicIdentity,
  type ImsSubscription,
  pAssociatedUris,
} from '../../../shared/ims/ims-subscription'
import type { ChargingAddresses, RegData } from '../../../shared/ims/reg-data-xml'
import { HssError } from '../hss-client'

export interface Irs {
  /** The AoR key. */
  defaultImpu: string
  /** P-Associated-URI values, default first. */
  associatedUris: string[]
  subscription: ImsSubscription
  charging: ChargingAddresses
  state: RegData['state']
}

export function irsOf(rd: RegData): Irs {
  const sub = rd.subscription
  const defaultImpu = sub ? defaultPublicIdentity(sub) : undefined
  // TS 24.229 §5.4.1.2.1: a set whose identities are all barred cannot register (403). A
  // subscription missing from this region's replica (its items not yet replicated, MREC) is an
  // unknown subscriber here, as a UAR "user unknown" is (403), not a server fault.
  if (!sub || !defaultImpu)
    throw new HssError('reg-data has no IMS subscription with an unbarred identity', 200, 403)
  return {
    defaultImpu,
    associatedUris: pAssociatedUris(sub),
    subscription: sub,
    charging: rd.chargingAddresses,
    state: rd.state,
  }
}

/** `P-Charging-Function-Addresses` from the HSS's CCF/ECF (RFC 7315 §4.5), or undefined. */
export function chargingHeader(c: ChargingAddresses): string | undefined {
  const parts = [
    ...c.ccfs.map((a) => `ccf=${quoteIfNeeded(a)}`),
    ...c.ecfs.map((a) => `ecf=${quoteIfNeeded(a)}`),
  ]
  return parts.length > 0 ? parts.join(';') : undefined
}

const quoteIfNeeded = (v: string) =>
  /^[\w.\-!%*+`'~:]+$/.test(v) ? v : `"${v.replace(/["\\]/g, '\\$&')}"`
