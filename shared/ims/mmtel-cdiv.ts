/**
 * @module ims/mmtel-cdiv
 * Communication diversion (TS 24.604; clearwater-interfaces §5.9 item 4) as decisions over the
 * served user's CDIV ruleset. Rules are tried in document order; a rule fires when every
 * condition it carries is among the current conditions (so a rule without conditions fires
 * always, and `audio` fires for an audio+video call).
 *
 * - On the INVITE itself the current conditions are the offered media only, so unconditional and
 *   media-only rules divert at once.
 * - A final response maps to one condition: 404/480 not-registered (the S-CSCF's 480 when the
 *   user has no binding), 486 busy, 408 not-reachable before any 180 and no-answer after one,
 *   500/503 not-reachable before any 180.
 * - The no-reply timer starts at the first 180 when some rule needs `no-answer` (with media that
 *   the call has); `NoReplyTimer` defaults to 20 s. When it fires the forks are cancelled and the
 *   call diverted as no-answer.
 * - A 302 from the callee (or an AS behind MMTEL) deflects to its Contact.
 * - A call diverts once per MMTEL invocation: later failures of the diverted leg are the new
 *   target's business.
 *
 * Conditions other than media and the four response conditions: `anonymous` (caller hid its
 * identity), `identity` (caller listed) and `validity` are evaluated; a rule carrying
 * `rule-deactivated`, roaming/international conditions or conditions the model does not
 * interpret never fires.
 */

import { withinValidity } from './rule-validity'
import type { CdivRule, CdivService, RuleConditions } from './simservs-model'

export type CdivCondition = 'busy' | 'not-registered' | 'no-answer' | 'not-reachable'

export interface CdivContext {
  /** Media of the offer (`audio`, `video`). */
  media: readonly string[]
  caller: string | undefined
  callerAnonymous: boolean
  now: number
}

/** Why a call was diverted (RFC 5806 reason, RFC 4458 cause). */
export interface DiversionCause {
  reason:
    | 'unconditional'
    | 'user-busy'
    | 'no-answer'
    | 'unavailable'
    | 'out-of-service'
    | 'deflection'
  cause: number
}

export interface CdivTarget {
  target: string
  ruleId: string | undefined
  cause: DiversionCause
}

/** The media of an SDP offer: the media types of its `m=` lines, lower-cased, once each. */
export function mediaOfSdp(body: string, contentType: string | undefined): string[] {
  if (!contentType || contentType.split(';', 1)[0]!.trim().toLowerCase() !== 'application/sdp')
    return []
  const out: string[] = []
  for (const line of body.split(/\r?\n/)) {
    const m = /^m=([A-Za-z]+)\s/.exec(line)
    const t = m?.[1]?.toLowerCase()
    if (t && !out.includes(t)) out.push(t)
  }
  return out
}

const CAUSES: Record<CdivCondition | 'unconditional', DiversionCause> = {
  unconditional: { reason: 'unconditional', cause: 302 },
  busy: { reason: 'user-busy', cause: 486 },
  'no-answer': { reason: 'no-answer', cause: 408 },
  'not-registered': { reason: 'unavailable', cause: 404 },
  'not-reachable': { reason: 'out-of-service', cause: 503 },
}

/** The condition a final response stands for, given whether the callee rang (TS 24.604 §4.5.2.6). */
export function conditionFromStatus(status: number, ringing: boolean): CdivCondition | undefined {
  switch (status) {
    case 404:
    case 480:
      return 'not-registered'
    case 486:
      return 'busy'
    case 408:
      return ringing ? 'no-answer' : 'not-reachable'
    case 500:
    case 503:
      return ringing ? undefined : 'not-reachable'
    default:
      return undefined
  }
}

function otherConditionsHold(c: RuleConditions, ctx: CdivContext): boolean {
  if (c.ruleDeactivated || c.roaming || c.international || c.internationalExHC) return false
  if (c.communicationDiverted || c.other.length > 0) return false
  if (c.anonymous && !ctx.callerAnonymous) return false
  if (c.identity) {
    const caller = ctx.caller?.toLowerCase()
    if (!caller || !c.identity.one.some((id) => id.toLowerCase() === caller)) return false
  }
  if (c.validity.length > 0 && !withinValidity(c.validity, ctx.now)) return false
  return c.media.every((m) => ctx.media.includes(m.toLowerCase()))
}

function ruleFires(rule: CdivRule, current: CdivCondition | undefined, ctx: CdivContext): boolean {
  const c = rule.conditions
  if (!rule.forwardTo) return false
  if (c.busy && current !== 'busy') return false
  if (c.notRegistered && current !== 'not-registered') return false
  if (c.noAnswer && current !== 'no-answer') return false
  if (c.notReachable && current !== 'not-reachable') return false
  return otherConditionsHold(c, ctx)
}

function firstFiring(
  cdiv: CdivService | undefined,
  current: CdivCondition | undefined,
  ctx: CdivContext
): CdivTarget | undefined {
  if (!cdiv?.active) return undefined
  for (const rule of cdiv.rules)
    if (ruleFires(rule, current, ctx))
      return {
        target: rule.forwardTo!.target,
        ruleId: rule.id,
        cause: CAUSES[current ?? 'unconditional'],
      }
  return undefined
}

/** Diversion decided on the INVITE (unconditional and media-only rules). */
export function cdivOnRequest(
  cdiv: CdivService | undefined,
  ctx: CdivContext
): CdivTarget | undefined {
  return firstFiring(cdiv, undefined, ctx)
}

/**
 * Diversion decided on a final response: a 302 deflects to its Contact; other statuses go
 * through the rules with the condition they stand for.
 */
export function cdivOnResponse(
  cdiv: CdivService | undefined,
  status: number,
  opts: { ringing: boolean; contact?: string; ctx: CdivContext }
): CdivTarget | undefined {
  if (status === 302) {
    return opts.contact
      ? {
          target: opts.contact,
          ruleId: undefined,
          cause: { reason: 'deflection', cause: opts.ringing ? 487 : 480 },
        }
      : undefined
  }
  const condition = conditionFromStatus(status, opts.ringing)
  if (!condition) return undefined
  return firstFiring(cdiv, condition, opts.ctx)
}

/** When the no-reply timer must run: the seconds, or undefined when no rule needs it. */
export function noReplyTimerSeconds(
  cdiv: CdivService | undefined,
  ctx: CdivContext
): number | undefined {
  if (!cdiv?.active) return undefined
  const needed = cdiv.rules.some((r) => r.conditions.noAnswer && ruleFires(r, 'no-answer', ctx))
  return needed ? cdiv.noReplyTimerS : undefined
}

/** The diversion a fired no-reply timer makes (the first no-answer rule). */
export function cdivOnNoReply(
  cdiv: CdivService | undefined,
  ctx: CdivContext
): CdivTarget | undefined {
  return firstFiring(cdiv, 'no-answer', ctx)
}
