/**
 * @module sprout/registrar/protected-register
 * Re-registration without a fresh challenge over an integrity-protected flow (TS 24.229
 * §5.4.1.2.2: a REGISTER "integrity protected" by the P-CSCF's security association needs no new
 * authentication; clearwater-interfaces §5.2: `integrity-protected="tls-yes"` skips
 * authentication). Only the edge can say a flow is protected: it strips the parameter from
 * whatever a client sends and adds it only to a REGISTER over a TLS (`wss:`) flow that a 200
 * has already authenticated for that IMPI and To identity (edge/protected-flow.ts); the hop it
 * arrives on is signed.
 *
 * Sprout does not take the edge's word alone. The REGISTER is accepted without a challenge only
 * when the To identity's AoR (the read the answer path makes anyway) holds a live binding that
 * this IMPI registered over this same edge flow (the first Path's token, which the edge itself
 * put there, equal to the flow of the edge's Via): never for an initial registration, another
 * IMPI, another identity's AoR or another flow. Otherwise the REGISTER takes the ordinary path
 * (its digest answer checked, else a challenge). Pure.
 */
import type { AorState } from './aor-store'
import type { ParsedRegistration } from './parse-registration'

/** The value the edge puts in `integrity-protected` for an authenticated TLS flow. */
export const TLS_PROTECTED = 'tls-yes'

/** The edge marked the REGISTER as sent over an authenticated TLS flow. */
export const markedProtected = (reg: ParsedRegistration): boolean =>
  reg.credentials?.integrityProtected?.toLowerCase() === TLS_PROTECTED &&
  reg.flow !== undefined &&
  reg.viaFlow === reg.flow

/**
 * The IMPI a protected REGISTER may refresh as, or undefined when the AoR holds no live binding
 * that the REGISTER's IMPI registered over the REGISTER's own flow.
 */
export function protectedImpi(
  reg: ParsedRegistration,
  state: Pick<AorState<unknown>, 'bindings'>,
  nowMs: number
): string | undefined {
  const impi = reg.credentials?.username
  if (!impi || !markedProtected(reg)) return undefined
  const nowS = nowMs / 1000
  const held = state.bindings.some(
    (b) => !b.data.removed && b.expires > nowS && b.data.flow === reg.flow && b.data.impi === impi
  )
  return held ? impi : undefined
}
