/**
 * @module ims/simservs-rules
 * The RFC 4745 common-policy ruleset inside a CDIV or barring service: `cp:ruleset` holding
 * `cp:rule` elements (unique `id`, optional `conditions`, `actions`, `transformations`), the
 * conditions TS 24.604 and TS 24.611 add, and each service's one action
 * (`forward-to` for CDIV, `allow` for barring). Elements of foreign namespaces are extension
 * points in common-policy (`##other`) and are kept; an unknown element of the simservs or
 * common-policy namespace is a schema error naming it.
 */

import {
  enumValue,
  expectEmpty,
  isCp,
  isForeign,
  isNcName,
  isSs,
  isXsDateTime,
  Once,
  parseXsBoolean,
  SimservsViolation,
  schemaError,
  step,
  textOf,
} from './simservs-check'
import {
  type BarringRule,
  type CdivRule,
  emptyConditions,
  type ForwardTo,
  type IdentityCondition,
  type RevealOption,
  type RuleConditions,
} from './simservs-model'
import { attributeValue, expandedName, type XmlElement } from './xcap-xml-tree'

const REVEAL: readonly RevealOption[] = ['true', 'false', 'not-reveal-GRUU']

/** Empty-element conditions of TS 24.604/24.611 and the model flag each sets. */
const FLAG_CONDITIONS = {
  busy: 'busy',
  'not-registered': 'notRegistered',
  'no-answer': 'noAnswer',
  'not-reachable': 'notReachable',
  roaming: 'roaming',
  international: 'international',
  'international-exHC': 'internationalExHC',
  anonymous: 'anonymous',
  'communication-diverted': 'communicationDiverted',
  'rule-deactivated': 'ruleDeactivated',
} as const satisfies Record<string, keyof RuleConditions>

function parseIdentity(e: XmlElement, path: string): IdentityCondition {
  const out: IdentityCondition = { one: [], many: [] }
  for (const c of e.children) {
    const p = step(path, c)
    if (isForeign(c)) continue
    if (isCp(c) && c.local === 'one') {
      const id = attributeValue(c, 'id')
      if (!id) throw schemaError(p, "needs an 'id' attribute")
      out.one.push(id)
    } else if (isCp(c) && c.local === 'many') {
      const except: Array<{ id?: string; domain?: string }> = []
      for (const x of c.children) {
        if (isForeign(x)) continue
        if (!(isCp(x) && x.local === 'except'))
          throw schemaError(step(p, x), 'is not allowed in <many>')
        const id = attributeValue(x, 'id')
        const domain = attributeValue(x, 'domain')
        except.push({
          ...(id !== undefined ? { id } : {}),
          ...(domain !== undefined ? { domain } : {}),
        })
      }
      out.many.push({ domain: attributeValue(c, 'domain'), except })
    } else throw schemaError(p, 'is not allowed in <identity> (expected <one> or <many>)')
  }
  if (out.one.length === 0 && out.many.length === 0)
    throw schemaError(path, 'needs at least one <one> or <many>')
  return out
}

function parseValidity(e: XmlElement, path: string): Array<{ from: string; until: string }> {
  const kids = e.children.filter((c) => !isForeign(c))
  if (kids.length === 0 || kids.length % 2 !== 0)
    throw schemaError(path, 'needs <from>/<until> pairs')
  const out: Array<{ from: string; until: string }> = []
  for (let i = 0; i < kids.length; i += 2) {
    const [f, u] = [kids[i]!, kids[i + 1]!]
    if (!(isCp(f) && f.local === 'from')) throw schemaError(step(path, f), 'expected <from>')
    if (!(isCp(u) && u.local === 'until')) throw schemaError(step(path, u), 'expected <until>')
    const from = textOf(f, step(path, f))
    const until = textOf(u, step(path, u))
    for (const [v, el] of [
      [from, f],
      [until, u],
    ] as const)
      if (!isXsDateTime(v)) throw schemaError(step(path, el), `'${v}' is not an xs:dateTime`)
    out.push({ from, until })
  }
  return out
}

function parseConditions(e: XmlElement, path: string): RuleConditions {
  const c = emptyConditions()
  for (const x of e.children) {
    const p = step(path, x)
    c.unconditional = false
    if (isSs(x) && x.local in FLAG_CONDITIONS) {
      expectEmpty(x, p)
      c[FLAG_CONDITIONS[x.local as keyof typeof FLAG_CONDITIONS]] = true
    } else if (isSs(x) && x.local === 'media') {
      const v = textOf(x, p)
      if (v === '') throw schemaError(p, 'must name a media type (for example audio or video)')
      c.media.push(v)
    } else if (isSs(x) && x.local === 'presence-status') {
      textOf(x, p)
      c.other.push(expandedName(x))
    } else if (isCp(x) && x.local === 'identity') {
      if (c.identity) throw schemaError(p, 'appears more than once')
      c.identity = parseIdentity(x, p)
    } else if (isCp(x) && x.local === 'validity') {
      c.validity.push(...parseValidity(x, p))
    } else if (isCp(x) && x.local === 'sphere') {
      if (attributeValue(x, 'value') === undefined)
        throw schemaError(p, "needs a 'value' attribute")
      c.other.push(expandedName(x))
    } else if (isForeign(x)) c.other.push(expandedName(x))
    else throw schemaError(p, 'is not a known condition')
  }
  return c
}

function parseForwardTo(e: XmlElement, path: string): ForwardTo {
  let target: string | undefined
  const f: Omit<ForwardTo, 'target'> = {
    notifyCaller: true,
    revealIdentityToCaller: 'true',
    revealServedUserIdentityToCaller: 'true',
    notifyServedUser: false,
    notifyServedUserOnOutboundCall: false,
    revealIdentityToTarget: 'true',
  }
  const once = new Once()
  for (const x of e.children) {
    const p = step(path, x)
    if (isForeign(x)) continue
    once.check(x, p)
    if (!isSs(x)) throw schemaError(p, 'is not allowed in <forward-to>')
    switch (x.local) {
      case 'target':
        target = textOf(x, p)
        break
      case 'notify-caller':
        f.notifyCaller = parseXsBoolean(textOf(x, p), p)
        break
      case 'reveal-identity-to-caller':
        f.revealIdentityToCaller = enumValue(x, p, REVEAL)
        break
      case 'reveal-served-user-identity-to-caller':
        f.revealServedUserIdentityToCaller = enumValue(x, p, REVEAL)
        break
      case 'notify-served-user':
        f.notifyServedUser = parseXsBoolean(textOf(x, p), p)
        break
      case 'notify-served-user-on-outbound-call':
        f.notifyServedUserOnOutboundCall = parseXsBoolean(textOf(x, p), p)
        break
      case 'reveal-identity-to-target':
        f.revealIdentityToTarget = enumValue(x, p, REVEAL)
        break
      default:
        throw schemaError(p, 'is not allowed in <forward-to>')
    }
  }
  // forward-to-type: exactly one <target> (xs:anyURI). Its value is not policed further: a target
  // that is not a routable URI makes the diversion fail at call time (Clearwater live test
  // "Call Diversion - Bad target URI" expects 480), not the document write.
  if (target === undefined) throw schemaError(path, 'needs a <target>')
  return { target, ...f }
}

interface RuleParts {
  id: string
  conditions: RuleConditions
  actions: XmlElement | undefined
}

function parseRule(e: XmlElement, path: string): RuleParts {
  const id = attributeValue(e, 'id')
  if (id === undefined) throw schemaError(path, "needs an 'id' attribute")
  if (!isNcName(id)) throw schemaError(path, `rule id '${id}' is not a valid xs:ID`)
  let conditions = emptyConditions()
  let actions: XmlElement | undefined
  const once = new Once()
  for (const x of e.children) {
    const p = step(path, x)
    if (!isCp(x) || !['conditions', 'actions', 'transformations'].includes(x.local))
      throw schemaError(
        p,
        'is not allowed in <rule> (expected conditions, actions, transformations)'
      )
    once.check(x, p)
    if (x.local === 'conditions') conditions = parseConditions(x, p)
    else if (x.local === 'actions') actions = x
  }
  return { id, conditions, actions }
}

function cdivAction(actions: XmlElement | undefined, path: string): ForwardTo | undefined {
  let forwardTo: ForwardTo | undefined
  for (const x of actions?.children ?? []) {
    const p = step(path, x)
    if (isForeign(x)) continue
    if (!(isSs(x) && x.local === 'forward-to'))
      throw schemaError(p, 'is not an action of communication-diversion (expected forward-to)')
    if (forwardTo) throw schemaError(p, 'appears more than once')
    forwardTo = parseForwardTo(x, p)
  }
  return forwardTo
}

function barringAction(actions: XmlElement | undefined, path: string): boolean {
  let allow: boolean | undefined
  for (const x of actions?.children ?? []) {
    const p = step(path, x)
    if (isForeign(x)) continue
    if (!(isSs(x) && x.local === 'allow'))
      throw schemaError(p, 'is not an action of communication barring (expected allow)')
    if (allow !== undefined) throw schemaError(p, 'appears more than once')
    allow = parseXsBoolean(textOf(x, p), p)
  }
  return allow ?? false
}

function parseRules(ruleset: XmlElement, path: string) {
  const ids = new Map<string, string>()
  const out: Array<RuleParts & { path: string }> = []
  for (const r of ruleset.children) {
    const p = step(path, r)
    if (!(isCp(r) && r.local === 'rule'))
      throw schemaError(p, 'is not allowed in <ruleset> (expected rule)')
    const parts = parseRule(r, p)
    // RFC 4745 §7: rule ids are unique within the ruleset; RFC 4825 §11.2 uniqueness-failure.
    if (ids.has(parts.id))
      throw new SimservsViolation({
        kind: 'uniqueness-failure',
        element: p,
        reason: `${p}: rule id '${parts.id}' is already used in this ruleset`,
        field: `${path}/rule[@id="${parts.id}"]/@id`,
      })
    ids.set(parts.id, p)
    out.push({ ...parts, path: p })
  }
  return out
}

export function parseCdivRuleset(ruleset: XmlElement, path: string): CdivRule[] {
  return parseRules(ruleset, path).map((r) => ({
    id: r.id,
    conditions: r.conditions,
    forwardTo: cdivAction(r.actions, `${r.path}/actions`),
  }))
}

export function parseBarringRuleset(ruleset: XmlElement, path: string): BarringRule[] {
  return parseRules(ruleset, path).map((r) => ({
    id: r.id,
    conditions: r.conditions,
    allow: barringAction(r.actions, `${r.path}/actions`),
  }))
}
