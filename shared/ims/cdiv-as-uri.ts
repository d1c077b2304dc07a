/**
 * @module ims/cdiv-as-uri
 * The Call-Diversion application server whose rule is written in its own URI (clearwater-interfaces
 * §5.9 item 5; sprout docs/CallDiversionAS.md):
 * `sip:communication-diversion.<home domain>;target=<uri>;conditions=busy+no-answer+not-registered+not-reachable;no-reply-timer=20`.
 * The parameters become one CDIV rule: no `conditions` is unconditional, unknown conditions are
 * ignored (as Sprout's sproutlet does), the no-reply timer defaults to 20 s. The target may be
 * %-escaped (an `@` cannot stand raw in a URI parameter).
 */
import { unescapeUri } from '../sip/escape'
import {
  type CdivService,
  DEFAULT_NO_REPLY_TIMER_S,
  emptyConditions,
  type RuleConditions,
} from './simservs-model'

/** True when the ServerName names the URI-parameterised Call-Diversion AS. */
export function isCallDiversionAs(
  serverName: string,
  homeDomain: string,
  host = `communication-diversion.${homeDomain}`
): boolean {
  const m = /^sips?:([^;:?>@]+)/i.exec(serverName.trim())
  return m !== null && m[1]!.toLowerCase() === host.toLowerCase()
}

function param(uri: string, name: string): string | undefined {
  for (const part of uri.split(';').slice(1)) {
    const eq = part.indexOf('=')
    const n = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase()
    if (n === name) return eq < 0 ? '' : unescapeUri(part.slice(eq + 1).trim())
  }
  return undefined
}

/** The CDIV service the URI describes, or undefined without a target. */
export function cdivServiceFromUri(serverName: string): CdivService | undefined {
  const uri = serverName.trim().replace(/^<|>$/g, '')
  const target = param(uri, 'target')
  if (!target) return undefined
  const conds = (param(uri, 'conditions') ?? '').split('+').map((c) => c.trim().toLowerCase())
  const timer = Number(param(uri, 'no-reply-timer'))
  const conditions: RuleConditions = {
    ...emptyConditions(),
    busy: conds.includes('busy'),
    notRegistered: conds.includes('not-registered'),
    noAnswer: conds.includes('no-answer'),
    notReachable: conds.includes('not-reachable'),
  }
  conditions.unconditional = !(
    conditions.busy ||
    conditions.notRegistered ||
    conditions.noAnswer ||
    conditions.notReachable
  )
  return {
    active: true,
    noReplyTimerS: Number.isInteger(timer) && timer > 0 ? timer : DEFAULT_NO_REPLY_TIMER_S,
    rules: [
      {
        id: 'uri',
        conditions,
        forwardTo: {
          target,
          notifyCaller: true,
          revealIdentityToCaller: 'true',
          revealServedUserIdentityToCaller: 'true',
          notifyServedUser: false,
          notifyServedUserOnOutboundCall: false,
          revealIdentityToTarget: 'true',
        },
      },
    ],
  }
}
