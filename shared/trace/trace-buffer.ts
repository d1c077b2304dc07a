/**
 * @module trace/trace-buffer
 * What a hop holds of the calls it has seen, in memory, until it knows whether to keep them
 * (docs/operations.md#traces). A trace is kept while a cause of keeping it holds: it is sampled
 * (trace-context.ts) or one of its messages is a failure (trace-record.ts `isFailure`); a cause
 * lasts until the time its giver names (`keptUntil`). While kept, its notes are handed to the
 * writer, which puts what one message's handling produced in one batched write. A cause that does
 * not recur lapses: a client re-registers with one Call-ID for hours, and one failed REGISTER must
 * not have every later one written. A trace
 * that is never kept costs no store operation: its notes leave the buffer when it is full (the
 * least recently used trace first) or after `keepMs`. Bounded in traces, in notes per trace and
 * in the message text held (`maxBytes`, counted in UTF-16 code units: bytes for ASCII SIP): a
 * client may send messages of up to the edge's size limit, each with a Call-ID of its own, and
 * the buffer lives as long as the isolate (Sprout) or the flow (edge). Pure: the clock is the
 * caller's.
 */
import type { TraceNote } from './trace-record'

export interface TraceBufferLimits {
  /** Traces held at once (TRACE_BUFFER_TRACES). */
  maxTraces: number
  /** Notes held per trace; later ones are dropped until it is kept (TRACE_BUFFER_NOTES). */
  maxNotes: number
  /** How long an unkept trace's notes are held after its last note (TRACE_BUFFER_MS). */
  keepMs: number
  /** How long a cause keeps a trace after it was last seen (TRACE_KEEP_MS); 32 s if unset. */
  causeMs?: number
  /** Message text held at once (TRACE_BUFFER_BYTES); {@link DEFAULT_TRACE_BUFFER_BYTES} if unset. */
  maxBytes?: number
}

/** How long a cause keeps a trace by default: 64 × T1, a SIP transaction's lifetime (RFC 3261 §17). */
export const DEFAULT_TRACE_KEEP_MS = 32_000

/** The default bound of the message text a buffer holds: 8 MiB. */
export const DEFAULT_TRACE_BUFFER_BYTES = 8 * 1024 * 1024

interface Entry {
  notes: TraceNote[]
  /** Kept up to this time (−Infinity: never kept). */
  keptUntil: number
  last: number
  /** Text length of `notes`. */
  bytes: number
}

export class TraceBuffer {
  private readonly traces = new Map<string, Entry>()
  private readonly maxBytes: number
  private held = 0
  /** The last trace of {@link traces} (the most recently used), when known. */
  private newest: string | undefined
  /** Kept traces with notes not yet taken. */
  private readonly due = new Set<string>()

  /** How long a cause keeps a trace after it was seen. */
  readonly causeMs: number

  constructor(private readonly limits: TraceBufferLimits) {
    this.maxBytes = limits.maxBytes ?? DEFAULT_TRACE_BUFFER_BYTES
    this.causeMs = limits.causeMs ?? DEFAULT_TRACE_KEEP_MS
  }

  /** Message text held, in UTF-16 code units. */
  get bytes(): number {
    return this.held
  }

  /** Traces held (kept or not). */
  get size(): number {
    return this.traces.size
  }

  /**
   * Adds a note at `now`. `keepUntil` (a cause: a sampled message, a failure) keeps its trace up
   * to that time; `now` itself keeps this note and the trace's held ones, and nothing later.
   */
  add(note: TraceNote, now: number, keepUntil?: number): void {
    const id = note.traceId
    let e = this.traces.get(id)
    // Most recently used last: eviction takes the first. A message's notes mostly follow a note
    // of the same trace, which is last already.
    if (!e) {
      e = { notes: [], keptUntil: Number.NEGATIVE_INFINITY, last: now, bytes: 0 }
      this.traces.set(id, e)
      this.newest = id
    } else if (id !== this.newest) {
      this.traces.delete(id)
      this.traces.set(id, e)
      this.newest = id
    }
    e.last = now
    if (keepUntil !== undefined && keepUntil > e.keptUntil) e.keptUntil = keepUntil
    const kept = now <= e.keptUntil
    if (kept || e.notes.length < this.limits.maxNotes) {
      e.notes.push(note)
      e.bytes += note.text.length
      this.held += note.text.length
      if (kept) this.due.add(id)
    }
    this.evict(now)
  }

  /** Keeps a trace up to `until` (a cause: sampled, flagged); its held notes go with the next take. */
  keep(traceId: string, now: number, until = now + this.causeMs): void {
    const e = this.traces.get(traceId)
    if (e) {
      if (until > e.keptUntil) e.keptUntil = until
      e.last = now
      if (e.notes.length > 0) this.due.add(traceId)
    } else {
      this.traces.set(traceId, { notes: [], keptUntil: until, last: now, bytes: 0 })
      this.newest = traceId
    }
    this.evict(now)
  }

  /** Whether `traceId` is kept at `now`. */
  isKept(traceId: string, now: number): boolean {
    const e = this.traces.get(traceId)
    return e !== undefined && now <= e.keptUntil
  }

  /** The notes of kept traces, oldest first; they leave the buffer (the traces' causes stay). */
  take(): TraceNote[] {
    if (this.due.size === 0) return []
    const out: TraceNote[] = []
    // `due` names the traces that were kept when a note of theirs came: all their held notes go.
    for (const id of this.due) {
      const e = this.traces.get(id)
      if (!e || e.notes.length === 0) continue
      for (const n of e.notes) out.push(n)
      this.held -= e.bytes
      e.notes = []
      e.bytes = 0
    }
    this.due.clear()
    return out.sort((a, b) => a.at - b.at)
  }

  private evict(now: number): void {
    for (const [id, e] of this.traces) {
      const full = this.traces.size > this.limits.maxTraces || this.held > this.maxBytes
      if (!full && now - e.last <= this.limits.keepMs) break
      this.traces.delete(id)
      this.due.delete(id)
      if (id === this.newest) this.newest = undefined
      this.held -= e.bytes
    }
  }
}
