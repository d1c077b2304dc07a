/**
 * @module homestead/registration-state
 * The registration state machine of an implicit registration set, as Homestead runs it on
 * `PUT /impu/<impu>/reg-data` (clearwater-interfaces §2.1; homestead:src/http_handlers.cpp
 * `process_received_reg_data`), without the Diameter: where Homestead would send a
 * Server-Assignment-Request, Dime writes the new state to the global table (and, for a
 * re-registration that is due for one, re-reads the profile).
 *
 * | reqtype | NOT_REGISTERED | UNREGISTERED | REGISTERED |
 * |---|---|---|---|
 * | reg | → REGISTERED (+impi) | → REGISTERED (+impi) | unchanged if the impi is known (refresh when stale or no-cache), else +impi |
 * | call | → UNREGISTERED | unchanged | unchanged |
 * | dereg-user/-timeout/-admin | **400** (loop protection) | → NOT_REGISTERED | → NOT_REGISTERED |
 * | dereg-auth-failed/-timeout | unchanged | unchanged | unchanged |
 * Pure: the caller supplies the current state and the record's age.
 */
import type { RegistrationState } from '../ims/reg-data-xml'
import type { RegistrationRecord } from './subscriber-store'

/** The reqtype values Homestead accepts (⚠ `dereg-auth-failed`, not the documented `-failure`). */
export const REG_DATA_REQTYPES = [
  'reg',
  'call',
  'dereg-user',
  'dereg-timeout',
  'dereg-admin',
  'dereg-auth-failed',
  'dereg-auth-timeout',
] as const
export type RegDataReqType = (typeof REG_DATA_REQTYPES)[number]

export function isDeregistration(t: RegDataReqType): boolean {
  return t === 'dereg-user' || t === 'dereg-timeout' || t === 'dereg-admin'
}

export interface RegDataRequest {
  type: RegDataReqType
  /** The private id Sprout named (`?private_id=`), or the one chosen for it. */
  impi?: string
  /** `server_name` of the body: the S-CSCF taking the set. */
  serverName?: string
  /** `Cache-control: no-cache`: the HSS must be consulted. */
  noCache: boolean
  /** Seconds since the cached profile was read from the master data. */
  recordAgeS: number
  /** Clearwater `hss_reregistration_time`. */
  reregistrationTimeS: number
}

export type RegDecision =
  /** Answer 400: deregistering a set that is not registered. */
  | { kind: 'reject'; reason: string }
  /** Answer from the current data; `refresh` re-reads the profile first (an SAR in Homestead). */
  | { kind: 'unchanged'; refresh: boolean }
  /** Write this state, then answer. */
  | { kind: 'transition'; next: Omit<RegistrationRecord, 'version'> }

export function decideRegData(current: RegistrationRecord, req: RegDataRequest): RegDecision {
  const state: RegistrationState = current.state
  switch (req.type) {
    case 'reg': {
      const known = req.impi !== undefined && current.impis.includes(req.impi)
      if (state === 'REGISTERED' && (known || req.impi === undefined)) {
        // Re-registration: no SAR unless the record is as old as the re-registration time
        // or Sprout forbids the cache.
        return {
          kind: 'unchanged',
          refresh: req.noCache || req.recordAgeS >= req.reregistrationTimeS,
        }
      }
      // Initial registration, or a new binding from another private id.
      const impis =
        req.impi === undefined || current.impis.includes(req.impi)
          ? current.impis
          : [...current.impis, req.impi]
      return {
        kind: 'transition',
        next: { state: 'REGISTERED', impis, ...serverName(req, current) },
      }
    }
    case 'call':
      if (state !== 'NOT_REGISTERED') return { kind: 'unchanged', refresh: false }
      // Unregistered service for a terminating (or originating) request.
      return {
        kind: 'transition',
        next: { state: 'UNREGISTERED', impis: current.impis, ...serverName(req, current) },
      }
    case 'dereg-user':
    case 'dereg-timeout':
    case 'dereg-admin':
      if (state === 'NOT_REGISTERED')
        return { kind: 'reject', reason: 'the public identity is not registered' }
      return { kind: 'transition', next: { state: 'NOT_REGISTERED', impis: [] } }
    case 'dereg-auth-failed':
    case 'dereg-auth-timeout':
      // Authentication failures never change the state (a failed new binding must not
      // deregister the others).
      return { kind: 'unchanged', refresh: false }
  }
}

function serverName(req: RegDataRequest, current: RegistrationRecord): { scscf?: string } {
  const s = req.serverName ?? current.scscf
  return s ? { scscf: s } : {}
}

/** Whether the answer carries `<PreviousRegistrationState>` (reg and call only). */
export function reportsPreviousState(t: RegDataReqType): boolean {
  return t === 'reg' || t === 'call'
}
