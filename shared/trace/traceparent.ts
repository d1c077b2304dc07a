/**
 * @module trace/traceparent
 * The W3C Trace Context `traceparent` header (W3C Recommendation "Trace Context", §3.2):
 * `version "-" trace-id "-" parent-id "-" trace-flags`, lower-case hex, version `00`. A value
 * that does not parse is ignored as if absent (§3.2.2.1: "vendors MUST ... restart the trace");
 * an all-zero trace id or parent id is invalid (§3.2.2.3, §3.2.2.4). Pure: no I/O, no clock.
 */

export const TRACEPARENT_HEADER = 'traceparent'
/** trace-flags bit 0, `sampled` (§3.2.2.5.1). */
export const SAMPLED_FLAG = 0x01

export interface TraceParent {
  /** 32 lower-case hex digits, not all zero. */
  traceId: string
  /** 16 lower-case hex digits, not all zero: the span that sent the request. */
  spanId: string
  /** The `sampled` flag of trace-flags. */
  sampled: boolean
}

const HEX32 = /^[0-9a-f]{32}$/
const HEX16 = /^[0-9a-f]{16}$/
const ZERO32 = '0'.repeat(32)
const ZERO16 = '0'.repeat(16)

/** Parses a `traceparent` value; undefined when absent or invalid (§3.2.2). */
export function parseTraceparent(value: string | null | undefined): TraceParent | undefined {
  if (!value) return undefined
  const parts = value.trim().split('-')
  if (parts.length < 4) return undefined
  const [version, traceId, spanId, flags] = parts as [string, string, string, string]
  // §3.2.2.1: version ff is invalid; version 00 has exactly four fields. A later version may
  // append fields, which a version-00 reader ignores (§3.2.4).
  if (!/^[0-9a-f]{2}$/.test(version) || version === 'ff') return undefined
  if (version === '00' && parts.length !== 4) return undefined
  if (!HEX32.test(traceId) || traceId === ZERO32) return undefined
  if (!HEX16.test(spanId) || spanId === ZERO16) return undefined
  if (!/^[0-9a-f]{2}$/.test(flags)) return undefined
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & SAMPLED_FLAG) !== 0 }
}

/** Formats a version-00 `traceparent` value. */
export function formatTraceparent(tp: TraceParent): string {
  return `00-${tp.traceId}-${tp.spanId}-${tp.sampled ? '01' : '00'}`
}

/**
 * W3C `tracestate` (§3.3): Edgewater's own list member `ew=<party>` names the tracing component
 * that sent an internal request (`edge`, `sprout-a`, …), so the receiver knows the sender has
 * recorded the message and records only what it receives from parties that record nothing.
 */
export const TRACESTATE_HEADER = 'tracestate'
const MEMBER = 'ew'

export function formatTracestate(party: string): string {
  return `${MEMBER}=${party}`
}

/** The tracing party a `tracestate` names, if any (§3.3.1: list members split on commas). */
export function tracingSender(value: string | null | undefined): string | undefined {
  if (!value) return undefined
  for (const m of value.split(',')) {
    const [k, v] = m.trim().split('=')
    if (k === MEMBER && v && /^[a-z0-9:_.-]{1,64}$/.test(v)) return v
  }
  return undefined
}
