/**
 * @module trace/hop-tracer
 * What one tracing component (a flow at the edge, a Sprout isolate) does with the messages it
 * passes (docs/operations.md#traces): it files each under its call's trace (trace-context.ts),
 * holds the notes in its {@link TraceBuffer} until the trace is kept, gives the next hop the
 * `traceparent` (with the keep decision in its sampled flag) and `tracestate` (`ew=<party>`:
 * the sender records what it sends), and hands the kept records over for one batched write
 * per handled message. Pure: clock and randomness are the caller's.
 */

import { detached } from '../sip/detached'
import { TraceBuffer } from './trace-buffer'
import type { TraceConfig } from './trace-config'
import { decideTrace, spanIdOfBytes, traceIdForCallId } from './trace-context'
import {
  isFailure,
  recordOf,
  statusOfText,
  type TraceNote,
  type TraceRecord,
  type TracingComponent,
} from './trace-record'
import {
  formatTraceparent,
  formatTracestate,
  parseTraceparent,
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
  tracingSender,
} from './traceparent'

/** The trace of one message's handling at this hop. */
export interface HopTrace {
  traceId: string
  /** This hop's span for the handling. */
  spanId: string
  callId: string
  /** Kept (sampled, flagged or failed) as far as this hop knows. */
  sampled: boolean
  /**
   * Kept on a cause this hop saw for this handling (its own decision, a failure, a sampled
   * answer), not only by a `traceparent` it was sent or a keep it inherited: what its answer
   * says (see {@link HopTracer.answerSampled}).
   */
  caused: boolean
  /** The tracing party that sent the message, when one did (its `tracestate`). */
  sender: string | undefined
}

export interface HopTracerDeps {
  component: TracingComponent
  region: string
  /** This hop's party name (`edge`, `sprout-a`). */
  party: string
  now(): number
  random(bytes: Uint8Array): void
}

/** The Call-ID of a SIP message's text (RFC 3261 §20.8, compact form `i`), read without parsing. */
export function callIdOfText(text: string): string | undefined {
  const m = /\r?\n(?:call-id|i)[ \t]*:[ \t]*([^\r\n]+)/i.exec(text)
  return m?.[1]?.trim()
}

/** Call-IDs whose trace id a tracer remembers (a flow's or an isolate's recent calls). */
export const TRACE_ID_CACHE = 1_024
/** Span ids drawn from one call of the random source. */
const SPAN_IDS_PER_DRAW = 32

export class HopTracer {
  readonly buffer: TraceBuffer
  /** Trace ids of recent Call-IDs: each message of a call would hash its Call-ID again. */
  private readonly traceIds = new Map<string, string>()
  private readonly traceIdOf = (callId: string): string => {
    let id = this.traceIds.get(callId)
    if (id === undefined) {
      if (this.traceIds.size >= TRACE_ID_CACHE) this.traceIds.clear()
      id = traceIdForCallId(callId)
      this.traceIds.set(callId, id)
    }
    return id
  }
  /** Random bytes for span ids, drawn {@link SPAN_IDS_PER_DRAW} ids at a time. */
  private readonly spanBytes = new Uint8Array(8 * SPAN_IDS_PER_DRAW)
  private spanAt = this.spanBytes.length

  private newSpanId(): string {
    if (this.spanAt >= this.spanBytes.length) {
      this.deps.random(this.spanBytes)
      this.spanAt = 0
    }
    const id = spanIdOfBytes(this.spanBytes, this.spanAt)
    this.spanAt += 8
    return id
  }

  constructor(
    private readonly cfg: TraceConfig,
    private readonly deps: HopTracerDeps
  ) {
    this.buffer = new TraceBuffer(cfg.buffer)
  }

  /**
   * The trace of a message arriving with `headers` (an internal request's `traceparent` and
   * `tracestate`; none from a client). `flagged`: a subscriber of the call is on full tracing.
   */
  begin(
    callId: string,
    headers: { traceparent?: string | null; tracestate?: string | null } = {},
    flagged = false
  ): HopTrace {
    // Held in the buffer's notes and the trace id cache: not as a slice of the message.
    callId = detached(callId)
    const d = decideTrace({
      callId,
      traceparent: headers.traceparent,
      all: this.cfg.all,
      rate: this.cfg.sampleRate,
      flagged,
      traceIdOf: this.traceIdOf,
    })
    const now = this.deps.now()
    const t: HopTrace = {
      traceId: d.traceId,
      spanId: this.newSpanId(),
      callId,
      // A keep seen here within the buffer's cause time (a failure, a sampled message or
      // answer) keeps the call's next messages without extending it.
      sampled: d.sampled || this.buffer.isKept(d.traceId, now),
      caused: d.own,
      sender: parseTraceparent(headers.traceparent) ? tracingSender(headers.tracestate) : undefined,
    }
    // This hop's own decision and a sampled message from another hop keep the call here for the
    // cause time (the answers and requests that follow it on this hop).
    if (d.sampled) this.buffer.keep(t.traceId, now)
    return t
  }

  /**
   * Whether this hop's answer to the message it is handling says "sampled": only on a cause of
   * its own. An answer that repeated a keep the asking hop passed on would keep that hop's call
   * again, and two hops would keep a re-registering Call-ID for good between them.
   */
  answerSampled(t: HopTrace): boolean {
    return t.caused
  }

  /** Marks `t` kept, and its call for the buffer's cause time (a subscriber is flagged). */
  keep(t: HopTrace): void {
    t.sampled = true
    t.caused = true
    this.buffer.keep(t.traceId, this.deps.now())
  }

  /** A `traceparent` an answer carried: keeps `t` and its call when it is sampled and `t` was not. */
  learn(t: HopTrace, traceparent: string | null | undefined): void {
    if (t.sampled) return
    const tp = parseTraceparent(traceparent)
    if (tp?.sampled && tp.traceId === t.traceId) this.keep(t)
  }

  private note(
    t: HopTrace,
    direction: 'in' | 'out',
    from: string,
    to: string,
    text: string,
    extra: Partial<TraceNote> = {}
  ): void {
    const n: TraceNote = {
      traceId: t.traceId,
      spanId: t.spanId,
      at: this.deps.now(),
      component: this.deps.component,
      region: this.deps.region,
      direction,
      from,
      to,
      kind: 'sip',
      text,
      callId: t.callId,
      ...extra,
    }
    const failed = n.kind === 'sip' && isFailure(statusOfText(text))
    if (failed) {
      t.sampled = true
      t.caused = true
    }
    // A failure keeps the call for the cause time; a kept handling keeps its own notes.
    this.buffer.add(n, n.at, failed ? n.at + this.buffer.causeMs : t.sampled ? n.at : undefined)
  }

  /** A message received from `from`, recorded unless a tracing party sent (and recorded) it. */
  received(t: HopTrace, from: string, text: string, extra?: Partial<TraceNote>): void {
    if (t.sender) return
    this.note(t, 'in', from, this.deps.party, text, extra)
  }

  /** A message sent to `to`. */
  sent(t: HopTrace, to: string, text: string, extra?: Partial<TraceNote>): void {
    this.note(t, 'out', this.deps.party, to, text, extra)
  }

  /** An internal HTTP call made for the call (`POST /path 200`). */
  called(t: HopTrace, to: string, line: string): void {
    this.note(t, 'out', this.deps.party, to, line, { kind: 'http' })
  }

  /** The headers that carry `t` to the next hop. */
  headers(t: HopTrace): Record<string, string> {
    return {
      [TRACEPARENT_HEADER]: formatTraceparent({
        traceId: t.traceId,
        spanId: t.spanId,
        sampled: t.sampled,
      }),
      [TRACESTATE_HEADER]: formatTracestate(this.deps.party),
    }
  }

  /** The records ready to write (kept traces), leaving the buffer. */
  take(): TraceRecord[] {
    return this.buffer.take().map((n) => recordOf(n, this.cfg.policy))
  }
}
