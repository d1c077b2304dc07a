/**
 * @module sprout/hss-errors
 * The one mapping of Homestead and registration-store failures to SIP answers, used by the
 * registrar's digest-auth and bind steps and by reg-event:
 * - an {@link HssError} keeps the status Homestead's answer maps to, in process (hss-local.ts)
 *   or over the hop (hss-client.ts): 404 → 403, 400 → 400, 5xx/unreachable → 504, an
 *   unreadable answer → 500; with that status's reason phrase (RFC 3261 §21);
 * - a store {@link Unavailable} → 503 with Retry-After (RFC 3261 §21.5.4).
 * Anything else is rethrown unchanged.
 */
import { SipError } from '../../shared/sip/errors'
import { Unavailable } from '../../shared/vellum'
import { HssError } from './hss-client'

const HSS_REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  403: 'Forbidden',
  504: 'Server Time-out',
}

/** Seconds a client is asked to wait after a store outage (RFC 3261 §20.33). */
export const STORE_RETRY_AFTER_S = 5

/** Rethrows a Homestead failure as the SIP answer it maps to. */
export function hssToSip(err: unknown): never {
  if (err instanceof HssError)
    throw new SipError(err.sipStatus, HSS_REASONS[err.sipStatus] ?? 'Server Internal Error', {
      cause: err,
    })
  throw err
}

/** Rethrows a registration-store outage as 503 with Retry-After. */
export function storeToSip(err: unknown): never {
  if (err instanceof Unavailable)
    throw new SipError(503, 'Service Unavailable (registration store unreachable)', {
      retryAfter: STORE_RETRY_AFTER_S,
      cause: err,
    })
  throw err
}
