/**
 * @module ims/mmtel-barring
 * Incoming and outgoing communication barring (TS 24.611; clearwater-interfaces §5.9 item 3) as
 * a decision over the subscriber's ruleset. A rule matches when every condition it carries holds
 * (RFC 4745 §10.1); a rule without conditions matches every call. If any matching rule allows,
 * the call goes on; if rules matched and none allowed, it is barred (603 Decline, TS 24.611
 * §4.5.2.6.1); if nothing matched, it goes on.
 *
 * Conditions: `international` holds when the dialled number (a tel number, or the user part of a
 * SIP URI: Clearwater does not require `user=phone`) starts with `+`, `00` or `011` but not with
 * that prefix followed by the home country code; `anonymous` when the caller hid its identity;
 * `communication-diverted` when the call was diverted before; `identity` when the other party is
 * listed (RFC 4745 §7.1); `validity` when now lies in one of the periods (§7.3); `media` when the
 * call offers every listed medium. `roaming` and `international-exHC` never hold (Edgewater has
 * no roaming), a rule carrying `rule-deactivated` never matches, and a condition the model does
 * not interpret makes the rule not match rather than widen it (see simservs-model `other`).
 */

import { withinValidity } from './rule-validity'
import type { BarringService, IdentityCondition, RuleConditions } from './simservs-model'

export interface BarringContext {
  /** The dialled number (OCB), undefined when the target is not a number. */
  dialledNumber: string | undefined
  /** Country code of the home network, digits only (Clearwater: "1"). */
  homeCountryCode: string
  /** The other party's identity: the caller for ICB, the target for OCB. */
  otherParty: string | undefined
  /** The caller restricted its identity (Privacy id/user, or an anonymous From). */
  anonymous: boolean
  /** The call arrives after a diversion. */
  diverted: boolean
  /** Media of the offer (`audio`, `video`). */
  media: readonly string[]
  /** Epoch ms, for validity periods. */
  now: number
}

export type BarringOutcome = 'allow' | 'bar'

/** TS 24.611 §4.5.2.6.1 international call detection, as Sprout's MMTEL does it. */
export function isInternational(number: string | undefined, homeCountryCode: string): boolean {
  if (!number) return false
  for (const prefix of ['+', '00', '011'])
    if (number.startsWith(prefix)) return !number.startsWith(prefix + homeCountryCode)
  return false
}

function identityMatches(cond: IdentityCondition, party: string | undefined): boolean {
  if (!party) return false
  const p = party.toLowerCase()
  if (cond.one.some((id) => id.toLowerCase() === p)) return true
  const domain = p.includes('@') ? p.slice(p.lastIndexOf('@') + 1).split(/[;>:]/, 1)[0] : undefined
  return cond.many.some((m) => {
    if (m.domain !== undefined && m.domain.toLowerCase() !== domain) return false
    return !m.except.some(
      (e) => (e.id && e.id.toLowerCase() === p) || (e.domain && e.domain.toLowerCase() === domain)
    )
  })
}

/** Whether a barring rule's conditions all hold for this call. */
export function barringRuleMatches(c: RuleConditions, ctx: BarringContext): boolean {
  if (c.ruleDeactivated || c.roaming || c.internationalExHC || c.other.length > 0) return false
  // CDIV-only conditions have no meaning for barring: such a rule never fires.
  if (c.busy || c.notRegistered || c.noAnswer || c.notReachable) return false
  if (c.international && !isInternational(ctx.dialledNumber, ctx.homeCountryCode)) return false
  if (c.anonymous && !ctx.anonymous) return false
  if (c.communicationDiverted && !ctx.diverted) return false
  if (c.identity && !identityMatches(c.identity, ctx.otherParty)) return false
  if (c.validity.length > 0 && !withinValidity(c.validity, ctx.now)) return false
  if (c.media.some((m) => !ctx.media.includes(m.toLowerCase()))) return false
  return true
}

/** The barring decision for a service (absent or inactive: allow). */
export function barringOutcome(
  service: BarringService | undefined,
  ctx: BarringContext
): BarringOutcome {
  if (!service?.active) return 'allow'
  let matched = false
  for (const rule of service.rules) {
    if (!barringRuleMatches(rule.conditions, ctx)) continue
    if (rule.allow) return 'allow'
    matched = true
  }
  return matched ? 'bar' : 'allow'
}
