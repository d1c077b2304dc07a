/**
 * @module ims/as-chain
 * Application-server chains over ISC (clearwater-interfaces §5.6 "AS chain"; TS 24.229 §5.4.3.2,
 * §5.4.3.3; sprout aschain.cpp): where a chain is, which application server comes next, and the
 * headers that go with the request to it.
 *
 * A chain belongs to one served user and one session case (originating, terminating, or
 * originating-after-diversion). Its iFCs are taken in invocation order (ascending Priority) and
 * evaluated one after another against the request as it is at that moment, since an AS may
 * change it; the position is the index of the next iFC to evaluate. A request goes to an AS with
 * `Route: <AS>` and, below it, the S-CSCF's own `Route: <sip:odi_<token>@<S-CSCF>;lr;service=scscf
 * [;orig]>` so that it comes back to the same chain, and `P-Served-User` (RFC 5502) naming the
 * served user with `sescase` and `regstate`, or the `orig-cdiv` parameter after a diversion.
 * The built-in MMTEL is any ServerName `sip:mmtel.<home domain>` or `sip:mmtel@<home domain>`.
 */
import type { IfcContext, IfcRequestView, SessionCase } from './ifc-evaluate'
import { ifcMatches, sortIfcs } from './ifc-evaluate'
import type { InitialFilterCriteria } from './ifc-model'
import { MatchBudget } from './ifc-pattern'

export type ChainCase = 'orig' | 'term' | 'orig-cdiv'

/** AS liveness timers (scscfsproutlet.h): continue 2 s, terminate 4 s. */
export const SESSION_CONTINUED_TIMEOUT_MS = 2_000
export const SESSION_TERMINATED_TIMEOUT_MS = 4_000

/** The user part prefix of the S-CSCF's Route entry that brings a request back to its chain. */
export const ODI_PREFIX = 'odi_'

export const sessionCaseOf = (c: ChainCase): SessionCase =>
  c === 'orig' ? 'originating' : c === 'term' ? 'terminating' : 'originating-cdiv'

export const isOriginating = (c: ChainCase): boolean => c !== 'term'

/** The next iFC at or after `from` that matches the request, with its position. */
export function nextMatchingIfc(
  ifcs: readonly InitialFilterCriteria[],
  from: number,
  req: IfcRequestView,
  ctx: IfcContext
): { ifc: InitialFilterCriteria; index: number } | undefined {
  const sorted = sortIfcs(ifcs)
  // One match budget for the whole step (ifc-pattern.ts), however many iFCs it evaluates.
  const shared: IfcContext = { ...ctx, budget: ctx.budget ?? new MatchBudget() }
  for (let i = from; i < sorted.length; i++) {
    const ifc = sorted[i]!
    if (ifcMatches(ifc, req, shared)) return { ifc, index: i }
  }
  return undefined
}

/** `P-Served-User` for a request sent to an AS (RFC 5502 §6, TS 24.229 §7.2A.15). */
export function pServedUser(servedUser: string, c: ChainCase, registered: boolean): string {
  if (c === 'orig-cdiv') return `<${servedUser}>;orig-cdiv`
  return `<${servedUser}>;sescase=${c === 'orig' ? 'orig' : 'term'};regstate=${registered ? 'reg' : 'unreg'}`
}

/** The ODI Route entry that brings the request back from an AS to this chain. */
export function odiRoute(token: string, scscfHost: string, c: ChainCase): string {
  return `<sip:${ODI_PREFIX}${token}@${scscfHost};lr;service=scscf${isOriginating(c) ? ';orig' : ''}>`
}

/** The token of an ODI user part, or undefined when it is not one. */
export function odiTokenOf(user: string | null | undefined): string | undefined {
  if (!user?.startsWith(ODI_PREFIX)) return undefined
  const t = user.slice(ODI_PREFIX.length)
  return /^[A-Za-z0-9._-]{4,128}$/.test(t) ? t : undefined
}

/** The lower-cased user (if any) and host of an iFC ServerName SIP or SIPS URI. */
export function serverNameParts(
  serverName: string
): { user: string | undefined; host: string } | undefined {
  const m = /^sips?:(?:([^@;>]+)@)?([^;:?>]+)/i.exec(serverName.trim())
  if (!m) return undefined
  return { user: m[1]?.toLowerCase(), host: m[2]!.toLowerCase() }
}

/** True when the ServerName names the built-in MMTEL service of the home domain. */
export function isBuiltInMmtel(
  serverName: string,
  homeDomain: string,
  mmtelHost = `mmtel.${homeDomain}`
): boolean {
  const parts = serverNameParts(serverName)
  if (!parts) return false
  const { user, host } = parts
  if (user === undefined) return host === mmtelHost.toLowerCase()
  return user === 'mmtel' && host === homeDomain.toLowerCase()
}
