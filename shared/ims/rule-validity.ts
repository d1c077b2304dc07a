/**
 * @module ims/rule-validity
 * The `validity` condition of a simservs rule (RFC 4745 §7.3, used by TS 24.604 CDIV and TS 24.611
 * barring rules): the rule holds while the call's time lies in one of its periods, `from`
 * inclusive and `until` exclusive. A period whose times do not parse never holds. The time of
 * the call comes from the caller (no clock here).
 */
import type { RuleConditions } from './simservs-model'

/** Milliseconds since the epoch of an xs:dateTime, NaN when it does not parse. */
function instantMs(text: string): number {
  // biome-ignore lint/style/noRestrictedGlobals: Date.parse is pure (reads no clock).
  return Date.parse(text)
}

/** Whether `now` (ms since the epoch) lies within one of the periods. */
export function withinValidity(periods: RuleConditions['validity'], now: number): boolean {
  return periods.some((v) => {
    const from = instantMs(v.from)
    const until = instantMs(v.until)
    return Number.isFinite(from) && Number.isFinite(until) && from <= now && now < until
  })
}
