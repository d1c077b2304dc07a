/**
 * @module ims/ifc-evaluate
 * iFC evaluation as the S-CSCF does it (TS 29.228 Annex B/F; sprout:src/ifc.cpp and
 * ifchandler.cpp), against a small abstract view of the request so this module does not depend
 * on a SIP parser. Each SPT is matched, negated, then folded into its groups: CNF ORs inside a
 * group and ANDs the groups, DNF the converse; an iFC without a TriggerPoint always matches
 * (§B.2.2). ProfilePartIndicator restricts an iFC to the registered (0) or unregistered (1)
 * state. Matching iFCs are returned in ascending Priority, document order breaking ties.
 * Every regular-expression SPT (RequestURI, SIPHeader, SessionDescription) is matched by the
 * linear-time matcher of ifc-pattern.ts, and one evaluation (one {@link IfcContext}, or one call
 * of {@link matchingIfcs}) shares one {@link MatchBudget}: a spent budget makes further
 * regular-expression SPTs not match, so no request costs more than the budget's work.
 */
import type {
  InitialFilterCriteria,
  RegistrationTypeCode,
  ServicePointTrigger,
  SessionCaseCode,
  SptCondition,
} from './ifc-model'
import { REGISTRATION_TYPE, SESSION_CASE } from './ifc-model'
import { MatchBudget } from './ifc-pattern'

/** Which side of the session the served user is on. */
export type SessionCase = 'originating' | 'terminating' | 'originating-cdiv'

/** What iFC evaluation needs to know about a SIP request. */
export interface IfcRequestView {
  method: string
  /** The Request-URI as written (sip:, sips:, tel: or urn:). */
  requestUri: string
  /** Every header field, one entry per value, names in their full form. */
  headers: ReadonlyArray<{ name: string; value: string }>
  /** The body with its Content-Type, when there is one. */
  body?: { contentType: string; text: string }
  /** REGISTER only: this REGISTER creates the registration (TS 29.228 RegistrationType 0). */
  initialRegistration?: boolean
  /** REGISTER only: this REGISTER removes the registration (expires 0; RegistrationType 2). */
  deregistration?: boolean
}

export interface IfcContext {
  sessionCase: SessionCase
  /** Whether the served user is registered (drives SessionCase codes and ProfilePartIndicator). */
  registered: boolean
  /** Match work this evaluation may spend (default: a fresh {@link MatchBudget} per call). */
  budget?: MatchBudget
}

/**
 * The part of the Request-URI the RequestURI SPT is matched against (TS 29.228 Table F.1 as
 * Sprout reads it): hostport of a SIP URI, the number of a tel URI, the body of a urn URI.
 */
export function requestUriMatchText(uri: string): string {
  const colon = uri.indexOf(':')
  const scheme = colon < 0 ? '' : uri.slice(0, colon).toLowerCase()
  const rest = uri.slice(colon + 1)
  if (scheme === 'tel') return rest.split(';', 1)[0] ?? ''
  if (scheme === 'urn') return rest
  if (scheme !== 'sip' && scheme !== 'sips') return ''
  // '@' cannot appear after the userinfo (RFC 3261 §25.1 paramchar / hvalue), so the last one
  // ends it.
  const hostport = rest.slice(rest.lastIndexOf('@') + 1)
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']')
    const tail = hostport.slice(end + 1)
    const port = /^:(\d+)/.exec(tail)
    return hostport.slice(0, end + 1) + (port ? `:${port[1]}` : '')
  }
  return /^[^;?]*/.exec(hostport)?.[0] ?? ''
}

function sessionCaseMatches(code: SessionCaseCode, ctx: IfcContext): boolean {
  switch (code) {
    case SESSION_CASE.ORIGINATING_REGISTERED:
      return ctx.sessionCase === 'originating' && ctx.registered
    case SESSION_CASE.TERMINATING_REGISTERED:
      return ctx.sessionCase === 'terminating' && ctx.registered
    case SESSION_CASE.TERMINATING_UNREGISTERED:
      return ctx.sessionCase === 'terminating' && !ctx.registered
    case SESSION_CASE.ORIGINATING_UNREGISTERED:
      return ctx.sessionCase === 'originating' && !ctx.registered
    case SESSION_CASE.ORIGINATING_CDIV:
      return ctx.sessionCase === 'originating-cdiv'
  }
}

function registrationTypeMatches(t: RegistrationTypeCode, req: IfcRequestView): boolean {
  const dereg = req.deregistration === true
  const initial = req.initialRegistration === true
  if (t === REGISTRATION_TYPE.INITIAL) return initial && !dereg
  if (t === REGISTRATION_TYPE.RE_REGISTRATION) return !initial && !dereg
  return dereg
}

function isSdp(contentType: string): boolean {
  return contentType.split(';', 1)[0]?.trim().toLowerCase() === 'application/sdp'
}

function conditionMatches(
  c: SptCondition,
  req: IfcRequestView,
  ctx: IfcContext,
  budget: MatchBudget
): boolean {
  switch (c.kind) {
    case 'method':
      if (req.method !== c.method) return false
      // RegistrationType refines only a REGISTER trigger; several values are ORed.
      if (c.method !== 'REGISTER' || c.registrationTypes.length === 0) return true
      return c.registrationTypes.some((t) => registrationTypeMatches(t, req))
    case 'sip-header':
      return req.headers.some(
        (h) => c.header.test(h.name, budget) && (!c.content || c.content.test(h.value, budget))
      )
    case 'session-case':
      return sessionCaseMatches(c.sessionCase, ctx)
    case 'request-uri':
      return c.pattern.test(requestUriMatchText(req.requestUri), budget)
    case 'session-description': {
      if (!req.body || !isSdp(req.body.contentType)) return false
      for (const raw of req.body.text.split('\n')) {
        const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
        if (line.length === 0 || !c.line.test(line[0] as string, budget)) continue
        if (!c.content) return true
        if (line[1] === '=' && c.content.test(line.slice(2), budget)) return true
      }
      return false
    }
    case 'unsupported':
      return false
  }
}

function sptValue(
  spt: ServicePointTrigger,
  req: IfcRequestView,
  ctx: IfcContext,
  budget: MatchBudget
): boolean {
  return conditionMatches(spt.condition, req, ctx, budget) !== spt.negated
}

/** Whether one iFC matches the request for the served user (sprout Ifc::filter_matches). */
export function ifcMatches(
  ifc: InitialFilterCriteria,
  req: IfcRequestView,
  ctx: IfcContext
): boolean {
  if (ifc.profilePartIndicator !== undefined && (ifc.profilePartIndicator === 0) !== ctx.registered)
    return false
  const tp = ifc.triggerPoint
  if (!tp) return true
  const budget = ctx.budget ?? new MatchBudget()
  const groups = new Map<number, boolean>()
  for (const spt of tp.spts) {
    const v = sptValue(spt, req, ctx, budget)
    for (const g of spt.groups) {
      const prev = groups.get(g)
      groups.set(g, prev === undefined ? v : tp.cnf ? prev || v : prev && v)
    }
  }
  // An empty group set leaves the identity of the outer operator: true for CNF, false for DNF.
  let result = tp.cnf
  for (const v of groups.values()) result = tp.cnf ? result && v : result || v
  return result
}

/** iFCs in the order the S-CSCF runs them: ascending Priority, then document order. */
export function sortIfcs(ifcs: readonly InitialFilterCriteria[]): InitialFilterCriteria[] {
  return [...ifcs].sort((a, b) => a.priority - b.priority || a.index - b.index)
}

/** The iFCs that match, in invocation order. */
export function matchingIfcs(
  ifcs: readonly InitialFilterCriteria[],
  req: IfcRequestView,
  ctx: IfcContext
): InitialFilterCriteria[] {
  const shared: IfcContext = { ...ctx, budget: ctx.budget ?? new MatchBudget() }
  return sortIfcs(ifcs).filter((ifc) => ifcMatches(ifc, req, shared))
}
