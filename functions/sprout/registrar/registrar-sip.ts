/**
 * @module sprout/registrar/registrar-sip
 * The registrar's SIP handlers for Sprout's inbox: REGISTER addressed to the home domain or to
 * this S-CSCF (clearwater-interfaces §5.3: anything else is proxied, which is routing's job), or
 * to the I-CSCF (`service=icscf`, which finds the S-CSCF first: routing/icscf-register.ts),
 * reg-event SUBSCRIBE (§5.4), OPTIONS to the system (200 without authentication, §5.1), and the
 * answers to the NOTIFYs and third-party REGISTERs the registrar sends.
 */
import { classifyInternal } from '../../../shared/hop/internal-addresses'
import type { SipRequest } from '../../../shared/sip'
import { handleRegSubscribe, isRegEventSubscribe } from '../reg-event/subscribe-handler'
import { routeIsIcscf } from '../routing/icscf'
import { icscfRegister } from '../routing/icscf-register'
import { respondTo } from '../sip-build'
import type { SipHandlers, SipRequestHandler } from '../sip-handlers'
import type { SproutDeps } from '../sprout-deps'
import { handleRegister } from './register-handler'
import { RegistrarServices } from './registrar-services'
import { notifyResponses, thirdPartyResponses } from './uac-responses'

function toUs(req: SipRequest, deps: SproutDeps): boolean {
  const u = req.uri
  if (u.kind !== 'sip') return false
  if (u.host.toLowerCase() === deps.homeDomain.toLowerCase()) return true
  const a = classifyInternal(u.host, u.user)
  return a?.kind === 'function' && a.fn === 'sprout'
}

export const registerHandler: SipRequestHandler = {
  name: 'registrar',
  accepts: (req, deps) => req.method === 'REGISTER' && !req.has('route') && toUs(req, deps),
  handle: async (req, deps, at) => {
    // Addressed to the I-CSCF (`service=icscf`): the S-CSCF is found first (icscf-register.ts).
    if (routeIsIcscf(at.ownRoutes[0])) return icscfRegister(deps, req, at)
    await handleRegister(new RegistrarServices(deps), req)
  },
}

export const subscribeHandler: SipRequestHandler = {
  name: 'reg-event',
  accepts: (req, deps) => isRegEventSubscribe(req, deps.homeDomain),
  handle: (req, deps) => handleRegSubscribe(new RegistrarServices(deps), req),
}

export const optionsHandler: SipRequestHandler = {
  name: 'options',
  accepts: (req, deps) =>
    req.method === 'OPTIONS' &&
    !req.has('route') &&
    toUs(req, deps) &&
    (req.uri.kind !== 'sip' || req.uri.user === null),
  handle: async (req, deps) => {
    await deps.sender.respond(
      respondTo(req, 200, 'OK', {
        headers: [['Allow', 'REGISTER, SUBSCRIBE, NOTIFY, OPTIONS, ACK']],
      })
    )
  },
}

export function registrarSipHandlers(): SipHandlers {
  return {
    requests: [registerHandler, subscribeHandler, optionsHandler],
    responses: [notifyResponses, thirdPartyResponses],
  }
}
