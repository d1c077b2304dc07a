/**
 * @module ims/ifc-model
 * Initial Filter Criteria as data (TS 29.228 Annex B and CxDataType `tInitialFilterCriteria`;
 * the subset Clearwater's Sprout evaluates, sprout:src/ifc.cpp): a priority, an optional trigger
 * point of Service Point Triggers combined in CNF or DNF by group, an application server with
 * its default handling, and an optional ProfilePartIndicator. Regular expressions are compiled
 * at parse time by ifc-pattern.ts (linear-time RE2); the source text is kept for logs.
 */
import type { TriggerPattern } from './ifc-pattern'

/** TS 29.228 CxDataType `tSessionCase` (Rel-11 adds ORIGINATING_CDIV). */
export const SESSION_CASE = {
  ORIGINATING_REGISTERED: 0,
  TERMINATING_REGISTERED: 1,
  TERMINATING_UNREGISTERED: 2,
  ORIGINATING_UNREGISTERED: 3,
  ORIGINATING_CDIV: 4,
} as const
export type SessionCaseCode = 0 | 1 | 2 | 3 | 4

/** TS 29.228 `tRegistrationType` in the Method SPT's Extension. */
export const REGISTRATION_TYPE = { INITIAL: 0, RE_REGISTRATION: 1, DE_REGISTRATION: 2 } as const
export type RegistrationTypeCode = 0 | 1 | 2

/** `tDefaultHandling`: what the S-CSCF does when the AS does not answer. */
export type DefaultHandling = 'SESSION_CONTINUED' | 'SESSION_TERMINATED'

/** A compiled trigger regular expression (linear-time matcher, shared/ims/ifc-pattern.ts). */
export type CompiledRegex = TriggerPattern

export type SptCondition =
  | { kind: 'method'; method: string; registrationTypes: RegistrationTypeCode[] }
  | { kind: 'sip-header'; header: CompiledRegex; content?: CompiledRegex }
  | { kind: 'session-case'; sessionCase: SessionCaseCode }
  | { kind: 'request-uri'; pattern: CompiledRegex }
  | { kind: 'session-description'; line: CompiledRegex; content?: CompiledRegex }
  /** A class element Sprout does not implement: never matches (lenient parsing only). */
  | { kind: 'unsupported'; element: string }

export interface ServicePointTrigger {
  negated: boolean
  /** Groups this SPT belongs to (an SPT may be in several). */
  groups: number[]
  condition: SptCondition
}

export interface TriggerPoint {
  /** true: CNF (AND of ORed groups); false: DNF (OR of ANDed groups). */
  cnf: boolean
  spts: ServicePointTrigger[]
}

export interface ApplicationServer {
  serverName: string
  defaultHandling: DefaultHandling
  serviceInfo?: string
  includeRegisterRequest: boolean
  includeRegisterResponse: boolean
}

export interface InitialFilterCriteria {
  /** Lower runs first; missing means 0. */
  priority: number
  /** Position among the iFCs of its service profile: the tie-break for equal priorities. */
  index: number
  /** Absent: matches unconditionally (TS 29.228 §B.2.2). */
  triggerPoint?: TriggerPoint
  applicationServer: ApplicationServer
  /** 0: only while registered; 1: only while unregistered; absent: always. */
  profilePartIndicator?: 0 | 1
}
