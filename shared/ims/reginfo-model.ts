/**
 * @module ims/reginfo-model
 * The registration information document of the reg event package (RFC 3680 §5.3, media type
 * `application/reginfo+xml`) with the GRUU extension (RFC 5628 §3: `gr:pub-gruu`,
 * `gr:temp-gruu`) and 3GPP's wildcarded identity (TS 24.229 §7.10, `ere:wildcardedIdentity`), as
 * data. The enumerations are the schema's (RFC 3680 §5.4); `reginfo-build.ts` writes this model
 * and `reginfo-parse.ts` reads and validates a document against the same rules.
 */

export const REGINFO_NS = 'urn:ietf:params:xml:ns:reginfo'
export const GRUUINFO_NS = 'urn:ietf:params:xml:ns:gruuinfo'
export const EXT_REG_EXP_NS = 'urn:3gpp:ns:extRegExp:1.0'
export const REGINFO_CONTENT_TYPE = 'application/reginfo+xml'

/** RFC 3680 §5.4 `reginfo/@state`. */
export const REGINFO_STATES = ['full', 'partial'] as const
export type ReginfoState = (typeof REGINFO_STATES)[number]

/** RFC 3680 §5.4 `registration/@state`. */
export const REGISTRATION_STATES = ['init', 'active', 'terminated'] as const
export type ReginfoRegistrationState = (typeof REGISTRATION_STATES)[number]

/** RFC 3680 §5.4 `contact/@state`. */
export const CONTACT_STATES = ['active', 'terminated'] as const
export type ReginfoContactState = (typeof CONTACT_STATES)[number]

/** RFC 3680 §5.4 `contact/@event` (§5.2 describes when each applies). */
export const CONTACT_EVENTS = [
  'registered',
  'created',
  'refreshed',
  'shortened',
  'expired',
  'deactivated',
  'probation',
  'unregistered',
  'rejected',
] as const
export type ReginfoContactEvent = (typeof CONTACT_EVENTS)[number]

export interface ReginfoParam {
  name: string
  /** Text content of `<unknown-param>`; '' for a parameter without value. */
  value: string
}

export interface ReginfoContact {
  id: string
  state: ReginfoContactState
  event: ReginfoContactEvent
  uri: string
  displayName?: string
  /** Contact parameters other than q and expires (RFC 3680 §5.3 `unknown-param`). */
  unknownParams: ReginfoParam[]
  /** Seconds left (RFC 3680 `expires`). */
  expires?: number
  durationRegistered?: number
  retryAfter?: number
  q?: string
  callid?: string
  cseq?: number
  /** RFC 5628 §3: the contact's public GRUU. */
  pubGruu?: string
  /** RFC 5628 §3: temporary GRUUs with the CSeq they were first handed out in. */
  tempGruus?: { uri: string; firstCseq: number }[]
}

export interface ReginfoRegistration {
  aor: string
  id: string
  state: ReginfoRegistrationState
  contacts: ReginfoContact[]
  /** TS 24.229 §7.10: the wildcarded IMPU a wildcard registration stands for. */
  wildcardedIdentity?: string
}

export interface Reginfo {
  /** RFC 3680 §5.3: increments by one with each NOTIFY of a subscription, from 0. */
  version: number
  state: ReginfoState
  registrations: ReginfoRegistration[]
}
