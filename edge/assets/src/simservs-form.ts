/**
 * @module portal/simservs-form
 * The MMTEL settings page's model of a simservs document (TS 24.623): what a person can set in
 * the form — OIP, OIR and its default, call forwarding (TS 24.604) with conditions, media and
 * target per rule plus the no-reply timer, incoming and outgoing barring (TS 24.611) with one
 * condition and allow/block per rule — read from Homer's document with the same parser Homer
 * validates with (shared/ims/simservs.ts), and written back as a complete document. Parts of a
 * document the form cannot show (other services, identity or validity conditions) are listed,
 * so the page can warn that saving replaces them. Pure: no DOM, no I/O.
 */
import { parseSimservs } from '../../../shared/ims/simservs'
import {
  COMMON_POLICY_NS,
  NO_REPLY_TIMER_RANGE,
  type RuleConditions,
  SIMSERVS_NS,
  type SimservsModel,
} from '../../../shared/ims/simservs-model'

export type BarringCondition = 'all' | 'international' | 'roaming' | 'anonymous'

export interface CdivRuleForm {
  busy: boolean
  notRegistered: boolean
  noAnswer: boolean
  notReachable: boolean
  /** Media the call must offer (`audio`, `video`); empty means any. */
  media: string[]
  target: string
}

export interface BarringRuleForm {
  condition: BarringCondition
  allow: boolean
}

export interface SimservsForm {
  oipActive: boolean
  oirActive: boolean
  /** OIR default: hide the caller's identity unless the call asks otherwise. */
  oirRestricted: boolean
  cdivActive: boolean
  noReplyTimerS: number
  cdivRules: CdivRuleForm[]
  icbActive: boolean
  icbRules: BarringRuleForm[]
  ocbActive: boolean
  ocbRules: BarringRuleForm[]
}

export type ReadResult =
  | { ok: true; form: SimservsForm; unsupported: string[] }
  | { ok: false; reason: string }

function barringCondition(
  c: RuleConditions,
  where: string,
  unsupported: string[]
): BarringCondition {
  const set = (['international', 'roaming', 'anonymous'] as const).filter((k) => c[k])
  if (set.length > 1 || c.internationalExHC || c.identity || c.validity.length || c.other.length)
    unsupported.push(`${where}: conditions the form cannot show`)
  return set[0] ?? 'all'
}

export function formFromModel(m: SimservsModel): { form: SimservsForm; unsupported: string[] } {
  const unsupported = m.extensions.map((e) => `other service ${e.replace(/^\{[^}]*\}/, '')}`)
  const cdivRules = (m.cdiv?.rules ?? []).map((r, i) => {
    const c = r.conditions
    if (
      c.identity ||
      c.validity.length ||
      c.other.length ||
      c.anonymous ||
      c.roaming ||
      c.international ||
      c.communicationDiverted ||
      c.ruleDeactivated
    )
      unsupported.push(`forwarding rule ${i + 1}: conditions the form cannot show`)
    return {
      busy: c.busy,
      notRegistered: c.notRegistered,
      noAnswer: c.noAnswer,
      notReachable: c.notReachable,
      media: [...c.media],
      target: r.forwardTo?.target ?? '',
    }
  })
  const barringRules = (rules: SimservsModel['icb'], what: string) =>
    (rules?.rules ?? []).map((r, i) => ({
      condition: barringCondition(r.conditions, `${what} rule ${i + 1}`, unsupported),
      allow: r.allow,
    }))
  return {
    form: {
      oipActive: m.oip?.active ?? false,
      oirActive: m.oir?.active ?? false,
      oirRestricted:
        (m.oir?.defaultBehaviour ?? 'presentation-not-restricted') === 'presentation-restricted',
      cdivActive: m.cdiv?.active ?? false,
      noReplyTimerS: m.cdiv?.noReplyTimerS ?? 20,
      cdivRules,
      icbActive: m.icb?.active ?? false,
      icbRules: barringRules(m.icb, 'incoming barring'),
      ocbActive: m.ocb?.active ?? false,
      ocbRules: barringRules(m.ocb, 'outgoing barring'),
    },
    unsupported,
  }
}

/** Reads Homer's document into the form (or says why it cannot). */
export function readSimservs(xml: string): ReadResult {
  const parsed = parseSimservs(xml)
  if (!parsed.ok) return { ok: false, reason: `${parsed.error.element}: ${parsed.error.reason}` }
  return { ok: true, ...formFromModel(parsed.value) }
}

const TARGET_RE = /^(sips?:[^\s<>"]+|tel:\+?[0-9A-Fa-f*#.()-]+)$/

/** Problems a person can fix, each naming the field as the page labels it. */
export function validateForm(f: SimservsForm): string[] {
  const errors: string[] = []
  const { min, max } = NO_REPLY_TIMER_RANGE
  if (!Number.isInteger(f.noReplyTimerS) || f.noReplyTimerS < min || f.noReplyTimerS > max)
    errors.push(`No-reply timer: must be a whole number of seconds from ${min} to ${max}.`)
  f.cdivRules.forEach((r, i) => {
    if (!TARGET_RE.test(r.target.trim()))
      errors.push(
        `Forwarding rule ${i + 1}: "Forward to" must be a sip: or tel: address, for example sip:6505550123@example.com.`
      )
  })
  // Barring (clearwater-interfaces §5.9): a call goes through when any matching rule allows it,
  // so a block rule next to an "all calls: allow" rule never blocks anything.
  for (const [name, rules] of [
    ['Incoming barring', f.icbRules],
    ['Outgoing barring', f.ocbRules],
  ] as const) {
    const allowAll = rules.findIndex((r) => r.condition === 'all' && r.allow)
    const block = rules.findIndex((r) => !r.allow)
    if (allowAll >= 0 && block >= 0)
      errors.push(
        `${name}: rule ${block + 1} blocks calls, but rule ${allowAll + 1} allows all calls, so nothing would be blocked. Remove rule ${allowAll + 1} or change it to block.`
      )
  }
  return errors
}

/** A typed number or address as a forwarding target (digits become sip:<digits>@domain). */
export function normaliseTarget(input: string, domain: string): string {
  const t = input.trim()
  if (/^\+?[0-9]{3,15}$/.test(t)) return `sip:${t.replace('+', '')}@${domain}`
  return t
}

const esc = (s: string) =>
  s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')

function cdivConditions(r: CdivRuleForm): string {
  const parts: string[] = []
  if (r.busy) parts.push('<busy/>')
  if (r.notRegistered) parts.push('<not-registered/>')
  if (r.noAnswer) parts.push('<no-answer/>')
  if (r.notReachable) parts.push('<not-reachable/>')
  for (const m of r.media) parts.push(`<media>${esc(m)}</media>`)
  return parts.length ? `<cp:conditions>${parts.join('')}</cp:conditions>` : '<cp:conditions/>'
}

function barringRules(rules: BarringRuleForm[]): string {
  if (rules.length === 0) return '<cp:ruleset/>'
  const body = rules
    .map((r, i) => {
      const cond =
        r.condition === 'all'
          ? '<cp:conditions/>'
          : `<cp:conditions><${r.condition}/></cp:conditions>`
      return `<cp:rule id="rule${i}">${cond}<cp:actions><allow>${r.allow}</allow></cp:actions></cp:rule>`
    })
    .join('\n      ')
  return `<cp:ruleset>\n      ${body}\n    </cp:ruleset>`
}

/** The complete simservs document for the form (every modelled service present). */
export function formToXml(f: SimservsForm): string {
  const cdivRules = f.cdivRules.length
    ? `<cp:ruleset>\n      ${f.cdivRules
        .map(
          (r, i) =>
            `<cp:rule id="rule${i}">${cdivConditions(r)}<cp:actions><forward-to><target>${esc(r.target.trim())}</target></forward-to></cp:actions></cp:rule>`
        )
        .join('\n      ')}\n    </cp:ruleset>`
    : '<cp:ruleset/>'
  return `<?xml version="1.0" encoding="UTF-8"?>
<simservs xmlns="${SIMSERVS_NS}" xmlns:cp="${COMMON_POLICY_NS}">
  <originating-identity-presentation active="${f.oipActive}"/>
  <originating-identity-presentation-restriction active="${f.oirActive}">
    <default-behaviour>${f.oirRestricted ? 'presentation-restricted' : 'presentation-not-restricted'}</default-behaviour>
  </originating-identity-presentation-restriction>
  <communication-diversion active="${f.cdivActive}">
    <NoReplyTimer>${f.noReplyTimerS}</NoReplyTimer>
    ${cdivRules}
  </communication-diversion>
  <incoming-communication-barring active="${f.icbActive}">
    ${barringRules(f.icbRules)}
  </incoming-communication-barring>
  <outgoing-communication-barring active="${f.ocbActive}">
    ${barringRules(f.ocbRules)}
  </outgoing-communication-barring>
</simservs>
`
}
