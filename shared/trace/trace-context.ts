/**
 * @module trace/trace-context
 * A call's trace identity and the decision to keep it. Every hop of a call files its records
 * under one trace id: the one the `traceparent` of the internal request names, else the one
 * derived from the Call-ID (the first 16 bytes of its SHA-256), so a hop with no header to read
 * (a client's message on its WebSocket) still finds the same id as every other hop of the call.
 *
 * Keeping (head sampling): a trace is kept when the whole system traces (`TRACE_ALL`), when
 * the trace id falls under the sampling rate (a pure function of the id, so every hop decides
 * alike without asking anyone), or when a hop has marked it sampled (`traceparent` flag 01:
 * Sprout does so for a subscriber an operator flagged). A failed call is kept by every hop that
 * sees the failure (trace/trace-buffer.ts). Pure.
 */
import { sha256Hex } from '../sip/sha256'
import { parseTraceparent, type TraceParent } from './traceparent'

/** The trace id a Call-ID stands for when no `traceparent` names one. */
export function traceIdForCallId(callId: string): string {
  const id = sha256Hex(callId).slice(0, 32)
  // An all-zero id is invalid (W3C Trace Context §3.2.2.3); a SHA-256 prefix of zeros is not
  // going to happen, but the rule is kept.
  return /^0+$/.test(id) ? `${id.slice(0, 31)}1` : id
}

/** Whether the sampling rate keeps `traceId`: its first 8 hex digits against `rate` in [0, 1]. */
export function sampledByRate(traceId: string, rate: number): boolean {
  if (rate <= 0) return false
  if (rate >= 1) return true
  return Number.parseInt(traceId.slice(0, 8), 16) / 0x1_0000_0000 < rate
}

export interface TraceDecisionInput {
  callId: string
  /** The `traceparent` the message arrived with, if any. */
  traceparent?: string | null | undefined
  /** TRACE_ALL. */
  all: boolean
  /** TRACE_SAMPLE_RATE. */
  rate: number
  /** A subscriber of the call is flagged for full tracing. */
  flagged?: boolean
  /** The trace id of a Call-ID ({@link traceIdForCallId}, or a cache of it). */
  traceIdOf?: (callId: string) => string
}

/** The trace a message belongs to and whether it is kept. */
export function decideTrace(
  i: TraceDecisionInput
): Pick<TraceParent, 'traceId' | 'sampled'> & { own: boolean } {
  const tp = parseTraceparent(i.traceparent)
  const traceId = tp?.traceId ?? (i.traceIdOf ?? traceIdForCallId)(i.callId)
  // `own`: kept on this hop's grounds (all, a flagged subscriber, the rate), which hold for every
  // message of the call; a sampled `traceparent` keeps only the message it came with.
  const own = i.all || (i.flagged ?? false) || sampledByRate(traceId, i.rate)
  return { traceId, sampled: own || (tp?.sampled ?? false), own }
}

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** The span id of the 8 bytes of `b` from `at` (a last byte of 1 when all are zero, §3.2.2.4). */
export function spanIdOfBytes(b: Uint8Array, at = 0): string {
  let s = ''
  let any = 0
  for (let i = at; i < at + 8; i++) {
    const x = b[i] ?? 0
    any |= x
    s += HEX_BYTE[x]
  }
  return any === 0 ? `${s.slice(0, 14)}01` : s
}

/** A fresh span id from 8 random bytes (never all zero, §3.2.2.4). */
export function newSpanId(random: (bytes: Uint8Array) => void): string {
  const b = new Uint8Array(8)
  random(b)
  return spanIdOfBytes(b)
}
