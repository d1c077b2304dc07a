/**
 * @module trace/trace-buffer
 * What a hop holds of the calls it has seen, in memory, until it knows whether to keep them
 * (docs/operations.md#traces). A trace is kept once it is sampled (trace-context.ts) or one of
 * its messages is a failure (trace-record.ts `isFailure`); from then on its notes are handed to
 * the writer, which puts what one message's handling produced in one batched write. A trace
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
  /** Message text held at once (TRACE_BUFFER_BYTES); {@link DEFAULT_TRACE_BUFFER_BYTES} if unset. */
  maxBytes?: number
}

/** The default bound of the message text a buffer holds: 8 MiB. */
export const DEFAULT_TRACE_BUFFER_BYTES = 8 * 1024 * 1024

interface Entry {
  notes: TraceNote[]
  kept: boolean
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

  constructor(private readonly limits: TraceBufferLimits) {
    this.maxBytes = limits.maxBytes ?? DEFAULT_TRACE_BUFFER_BYTES
  }

  /** Message text held, in UTF-16 code units. */
  get bytes(): number {
    return this.held
  }

  /** Traces held (kept or not). */
  get size(): number {
    return this.traces.size
  }

  /** Adds a note at `now`; `keep` marks its trace kept (sampled, or a failure). */
  add(note: TraceNote, now: number, keep = false): void {
    const id = note.traceId
    let e = this.traces.get(id)
    // Most recently used last: eviction takes the first. A message's notes mostly follow a note
    // of the same trace, which is last already.
    if (!e) {
      e = { notes: [], kept: false, last: now, bytes: 0 }
      this.traces.set(id, e)
      this.newest = id
    } else if (id !== this.newest) {
      this.traces.delete(id)
      this.traces.set(id, e)
      this.newest = id
    }
    e.last = now
    if (keep) e.kept = true
    if (e.kept || e.notes.length < this.limits.maxNotes) {
      e.notes.push(note)
      e.bytes += note.text.length
      this.held += note.text.length
      if (e.kept) this.due.add(id)
    }
    this.evict(now)
  }

  /** Marks a trace kept (a `traceparent` arrived sampled); its held notes go with the next take. */
  keep(traceId: string, now: number): void {
    const e = this.traces.get(traceId)
    if (e) {
      e.kept = true
      e.last = now
      if (e.notes.length > 0) this.due.add(traceId)
    } else {
      this.traces.set(traceId, { notes: [], kept: true, last: now, bytes: 0 })
      this.newest = traceId
    }
    this.evict(now)
  }

  /** Whether `traceId` is kept. */
  isKept(traceId: string): boolean {
    return this.traces.get(traceId)?.kept ?? false
  }

  /** The notes of kept traces, oldest first; they leave the buffer (the traces stay kept). */
  take(): TraceNote[] {
    if (this.due.size === 0) return []
    const out: TraceNote[] = []
    // One kept trace with notes (the usual case) is read directly; several in the buffer's order.
    const [only] = this.due
    const one = this.due.size === 1 && only !== undefined ? this.traces.get(only) : undefined
    this.due.clear()
    for (const e of one ? [one] : this.traces.values()) {
      if (!e.kept || e.notes.length === 0) continue
      out.push(...e.notes)
      this.held -= e.bytes
      e.notes = []
      e.bytes = 0
    }
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
