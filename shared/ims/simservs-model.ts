/**
 * @module ims/simservs-model
 * The parsed form of a subscriber's MMTEL supplementary-services document (`simservs.xml`, ETSI
 * TS 24.623 / 3GPP TS 24.623) as the built-in MMTEL application server consumes it: OIP and OIR
 * (TS 24.607/24.608), communication diversion (TS 24.604) and incoming/outgoing communication
 * barring (TS 24.611), each a service element with an `active` flag, the last three carrying an
 * RFC 4745 common-policy ruleset. The model is plain JSON (it is cached in the regional KV), holds
 * every defaulted value already resolved, and keeps rules in document order, which is the order
 * MMTEL evaluates them in (clearwater-interfaces §5.9).
 */

/** Namespace of the simservs document and its service elements (TS 24.623). */
export const SIMSERVS_NS = 'http://uri.etsi.org/ngn/params/xml/simservs/xcap'
/** Namespace of `ruleset`, `rule`, `conditions`, `actions` (RFC 4745 §13.1). */
export const COMMON_POLICY_NS = 'urn:ietf:params:xml:ns:common-policy'

/** The no-reply timer when the document gives none (Clearwater: 20 s, clearwater-interfaces §12.12). */
export const DEFAULT_NO_REPLY_TIMER_S = 20
/** communication-diversion.xsd: `NoReplyTimer` is a positive integer in 5..180. */
export const NO_REPLY_TIMER_RANGE = { min: 5, max: 180 } as const

/** Service elements Edgewater models; any other child of `<simservs>` is kept as an extension. */
export const MODELLED_SERVICES = [
  'originating-identity-presentation',
  'originating-identity-presentation-restriction',
  'communication-diversion',
  'incoming-communication-barring',
  'outgoing-communication-barring',
] as const
export type ModelledService = (typeof MODELLED_SERVICES)[number]

export type OirDefaultBehaviour = 'presentation-restricted' | 'presentation-not-restricted'

/** TS 24.604 `reveal-URI-options-type`. */
export type RevealOption = 'true' | 'false' | 'not-reveal-GRUU'

/** RFC 4745 §7.1 `identity` condition: `one` ids and `many` domains (with exceptions). */
export interface IdentityCondition {
  one: string[]
  many: Array<{ domain: string | undefined; except: Array<{ id?: string; domain?: string }> }>
}

/**
 * The conditions of one rule. A rule fires when every condition present holds (RFC 4745 §10.1:
 * conditions are ANDed); `unconditional` is true when the rule has no condition at all.
 */
export interface RuleConditions {
  unconditional: boolean
  /** TS 24.604 CDIV conditions. */
  busy: boolean
  notRegistered: boolean
  noAnswer: boolean
  notReachable: boolean
  /** `<media>` values in document order (`audio`, `video`, …), as written. */
  media: string[]
  /** TS 24.611 barring conditions. */
  roaming: boolean
  international: boolean
  internationalExHC: boolean
  /** TS 24.611/24.604 common conditions. */
  anonymous: boolean
  communicationDiverted: boolean
  /** TS 24.604: a rule carrying `rule-deactivated` never fires. */
  ruleDeactivated: boolean
  identity: IdentityCondition | undefined
  /** RFC 4745 §7.3 validity periods (`from`/`until` as written, xs:dateTime). */
  validity: Array<{ from: string; until: string }>
  /**
   * Conditions present that this model does not interpret (`presence-status`, `sphere`, elements
   * of other namespaces), as `{namespace}local`. A consumer that cannot evaluate them should treat
   * the rule as not matching rather than ignore them (Clearwater ignored them, so a rule limited
   * to one caller fired for every caller).
   */
  other: string[]
}

/** The conditions of a rule with none (RFC 4745 §10.1: it always fires). */
export function emptyConditions(): RuleConditions {
  return {
    unconditional: true,
    busy: false,
    notRegistered: false,
    noAnswer: false,
    notReachable: false,
    media: [],
    roaming: false,
    international: false,
    internationalExHC: false,
    anonymous: false,
    communicationDiverted: false,
    ruleDeactivated: false,
    identity: undefined,
    validity: [],
    other: [],
  }
}

/** TS 24.604 `forward-to` action, with the schema defaults applied. */
export interface ForwardTo {
  target: string
  notifyCaller: boolean
  revealIdentityToCaller: RevealOption
  revealServedUserIdentityToCaller: RevealOption
  notifyServedUser: boolean
  notifyServedUserOnOutboundCall: boolean
  revealIdentityToTarget: RevealOption
}

export interface CdivRule {
  id: string
  conditions: RuleConditions
  /** Absent when the rule has no `forward-to` action (the rule then diverts nowhere). */
  forwardTo: ForwardTo | undefined
}

export interface BarringRule {
  id: string
  conditions: RuleConditions
  /** TS 24.611 `allow` action; a rule without one bars (Clearwater's reading). */
  allow: boolean
}

export interface OipService {
  active: boolean
}

export interface OirService {
  active: boolean
  /** Absent `default-behaviour` means restricted (originating-identity-presentation.xsd). */
  defaultBehaviour: OirDefaultBehaviour
}

export interface CdivService {
  active: boolean
  noReplyTimerS: number
  rules: CdivRule[]
}

export interface BarringService {
  active: boolean
  rules: BarringRule[]
}

/** A subscriber's services. A service absent from the document is `undefined` (not provided). */
export interface SimservsModel {
  oip: OipService | undefined
  oir: OirService | undefined
  cdiv: CdivService | undefined
  icb: BarringService | undefined
  ocb: BarringService | undefined
  /** Other children of `<simservs>` (kept in the stored document), as `{namespace}local`. */
  extensions: string[]
}

/** True when the service is present and switched on (`active` defaults to true, simservType). */
export function isActive(s: { active: boolean } | undefined): boolean {
  return s?.active === true
}
