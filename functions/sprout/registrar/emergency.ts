/**
 * @module sprout/registrar/emergency
 * Emergency registration (TS 24.229 §5.4.1.2.2F; clearwater-interfaces §5.3, live test 9). A
 * Contact carrying the `sos` URI or header parameter (RFC 5031 §8) asks for an emergency binding:
 * - its binding id is the ordinary id prefixed `sos` (Clearwater's binding id), so it never
 *   collides with the same device's ordinary binding;
 * - its expiry is capped at REG_EMERGENCY_MAX_EXPIRES;
 * - an emergency REGISTER triggers no third-party registration (§5.3 step 7);
 * - it cannot be shortened to zero: a REGISTER that would remove it is answered 501, after the
 *   digest challenge (live test 9 expects 401, then 501), and `Contact: *` removes the AoR's
 *   ordinary bindings only; it ends at its expiry;
 * - reg-event does not report it (an emergency registration cannot be subscribed to, §5.4: 489),
 *   so its subscribers see the ordinary bindings only.
 * Pure.
 */
import { SipError } from '../../../shared/sip/errors'
import type { NameAddr } from '../../../shared/sip/name-addr'
import { hasParam } from '../../../shared/sip/params'
import type { Binding } from './binding-model'
import type { BindingKey } from './identities'

/** What these checks read of a parsed REGISTER (parse-registration.ts). */
interface ContactsOf {
  contacts: ReadonlyArray<{ emergency: boolean; expires: number }>
}

/** Clearwater's prefix of an emergency binding's id. */
export const EMERGENCY_ID_PREFIX = 'sos'

/** True when the Contact asks for an emergency registration: `sos` on the URI or the header. */
export function isEmergencyContact(c: NameAddr): boolean {
  if (hasParam(c.params, 'sos')) return true
  return c.uri.kind === 'sip' && hasParam(c.uri.params, 'sos')
}

export function emergencyKey(key: BindingKey): BindingKey {
  return { ...key, id: `${EMERGENCY_ID_PREFIX}${key.id}` }
}

export const isEmergencyBinding = (b: Pick<Binding, 'data'>): boolean => b.data.emergency === true

/** The REGISTER creates or refreshes an emergency binding (no third-party registration). */
export const isEmergencyRegistration = (reg: ContactsOf): boolean =>
  reg.contacts.some((c) => c.emergency && c.expires > 0)

/**
 * Clearwater answers 501 to a REGISTER that would remove an emergency binding (emergency
 * bindings cannot be shortened or removed; they end at their expiry).
 */
export function refuseEmergencyRemoval(reg: ContactsOf): void {
  if (reg.contacts.some((c) => c.emergency && c.expires === 0))
    throw new SipError(501, 'Not Implemented (an emergency registration cannot be removed)')
}
