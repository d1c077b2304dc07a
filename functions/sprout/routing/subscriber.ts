/**
 * @module sprout/routing/subscriber
 * The served user as the S-CSCF needs it for one request (clearwater-interfaces §5.6 "Subscriber
 * data"): Homestead's `PUT /impu/<impu>/reg-data` with reqtype `call` (which also moves a user
 * who is not registered to "unregistered" so the S-CSCF serves it), reduced to the identity's
 * registration state, barring, the iFCs of its service profile, the AoR key (the default public
 * identity of its implicit registration set) and the charging addresses. A user Homestead does
 * not know is `known: false`; Homestead being unreachable is 504.
 */

import type { IfcRequestView } from '../../../shared/ims/ifc-evaluate'
import type { InitialFilterCriteria } from '../../../shared/ims/ifc-model'
import {
  defaultPublicIdentity,
  pAssociatedUris,
  publicIdentityFor,
  serviceProfileFor,
} from '../../../shared/ims/ims-subscription'
import type { SipRequest } from '../../../shared/sip'
import { SipError } from '../../../shared/sip/errors'
import { displayName } from '../../../shared/sip/header-names'
import { type HssClient, HssError } from '../hss-client'

export interface Subscriber {
  impu: string
  known: boolean
  registered: boolean
  barred: boolean
  ifcs: InitialFilterCriteria[]
  /** The AoR the registrar keeps this identity's bindings under. */
  aor: string
  identities: string[]
  ccfs: string[]
}

const unknown = (impu: string): Subscriber => ({
  impu,
  known: false,
  registered: false,
  barred: false,
  ifcs: [],
  aor: impu,
  identities: [],
  ccfs: [],
})

export async function lookupSubscriber(hss: HssClient, impu: string): Promise<Subscriber> {
  let rd: Awaited<ReturnType<HssClient['putRegData']>>
  try {
    rd = await hss.putRegData(impu, 'call')
  } catch (err) {
    if (err instanceof HssError && (err.httpStatus === 404 || err.httpStatus === 400))
      return unknown(impu)
    // §5.6: 503/504 (and an unreachable Homestead) give 504; anything else 404.
    if (err instanceof HssError && err.sipStatus !== 504) return unknown(impu)
    throw new SipError(504, 'Server Time-out', { cause: err })
  }
  const sub = rd.subscription
  if (!sub) return unknown(impu)
  const pi = publicIdentityFor(sub, impu)
  const profile = serviceProfileFor(sub, impu) ?? sub.serviceProfiles[0]
  return {
    impu,
    known: true,
    registered: rd.state === 'REGISTERED',
    barred: pi?.barred === true,
    ifcs: profile?.ifcs ?? [],
    aor: defaultPublicIdentity(sub) ?? impu,
    identities: pAssociatedUris(sub),
    ccfs: rd.chargingAddresses.ccfs,
  }
}

/** The request as iFC evaluation sees it (shared/ims/ifc-evaluate.ts). */
export function ifcViewOf(req: SipRequest): IfcRequestView {
  const ct = req.getRaw('content-type')
  return {
    method: req.method,
    requestUri: req.uriText,
    headers: req.headers.map((f) => ({ name: displayName(f.key), value: f.value })),
    ...(req.body && ct ? { body: { contentType: ct, text: req.body } } : {}),
  }
}
