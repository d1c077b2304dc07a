/**
 * @module sprout/third-party-register/third-party-targets
 * Which application servers get a third-party REGISTER (clearwater-interfaces §5.5, TS 24.229
 * §5.4.1.7): each service profile of the implicit registration set is handled on its own (live
 * test 73), with its first unbarred identity as the served user (the set's default identity when
 * all are barred); its iFCs are evaluated for the REGISTER in the originating session case with
 * the REGISTER's RegistrationType (initial, re-registration, deregistration), and every matching
 * AS is a target once. Pure.
 */
import type { IfcRequestView } from '../../../shared/ims/ifc-evaluate'
import { matchingIfcs } from '../../../shared/ims/ifc-evaluate'
import type { DefaultHandling } from '../../../shared/ims/ifc-model'
import { defaultPublicIdentity, type ImsSubscription } from '../../../shared/ims/ims-subscription'
import { effectiveIdentity } from '../../../shared/ims/public-identity'
import type { SipRequest } from '../../../shared/sip'
import { displayName } from '../../../shared/sip/header-names'

export interface ThirdPartyTarget {
  serverName: string
  servedImpu: string
  defaultHandling: DefaultHandling
  serviceInfo?: string
  includeRequest: boolean
  includeResponse: boolean
}

export function thirdPartyTargets(sub: ImsSubscription, view: IfcRequestView): ThirdPartyTarget[] {
  const fallback = defaultPublicIdentity(sub)
  const out: ThirdPartyTarget[] = []
  const seen = new Set<string>()
  for (const sp of sub.serviceProfiles) {
    const unbarred = sp.publicIdentities.find((p) => !p.barred)
    const served = unbarred ? effectiveIdentity(unbarred) : fallback
    if (!served) continue
    for (const ifc of matchingIfcs(sp.ifcs, view, {
      sessionCase: 'originating',
      registered: true,
    })) {
      const as = ifc.applicationServer
      const key = `${as.serverName}\u0000${served}`
      if (seen.has(key)) continue
      seen.add(key)
      out.push({
        serverName: as.serverName,
        servedImpu: served,
        defaultHandling: as.defaultHandling,
        ...(as.serviceInfo ? { serviceInfo: as.serviceInfo } : {}),
        includeRequest: as.includeRegisterRequest,
        includeResponse: as.includeRegisterResponse,
      })
    }
  }
  return out
}

/** The iFC view of a REGISTER. */
export function registerView(
  req: SipRequest,
  initial: boolean,
  deregistration: boolean
): IfcRequestView {
  return {
    method: 'REGISTER',
    requestUri: req.uriText,
    headers: req.headers.map((f) => ({ name: displayName(f.key), value: f.value })),
    initialRegistration: initial,
    deregistration,
  }
}

/** The iFC view of a deregistration Sprout makes itself (expiry, flow loss, administration). */
export function networkDeregistrationView(homeDomain: string): IfcRequestView {
  return { method: 'REGISTER', requestUri: `sip:${homeDomain}`, headers: [], deregistration: true }
}
