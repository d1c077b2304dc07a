/**
 * @module trace/trace-buffer
 * What a hop holds of the calls it has seen, in memory, until it knows whether to keep them
 * (docs/operations.md#traces). A trace is kept once it is sampled (trace-context.ts) or one of
 * its messages is a failure (trace-record.ts `isFailure`); from then on its notes are handed to
 * the writer, which puts what one message's handling produced in one batched write. A trace
 * that is never kept costs no store operation: its notes leave the buffer when it is full (the
 * least recently used trace first) or after `keepMs`. Bounded in traces and notes per trace.
 * Pure: the clock is the caller's.
 */
import type { TraceNote } from './trace-record'

export interface TraceBufferLimits {
  /** Traces held at once (TRACE_BUFFER_TRACES). */
  maxTraces: number
  /** Notes held per trace; later ones are dropped until it is kept (TRACE_BUFFER_NOTES). */
  maxNotes: number
  /** How long an unkept trace's notes are held after its last note (TRACE_BUFFER_MS). */
  keepMs: number
}

interface Entry {
  notes: TraceNote[]
  kept: boolean
  last: number
}

export class TraceBuffer {
  private readonly traces = new Map<string, Entry>()

  constructor(private readonly limits: TraceBufferLimits) {}

  /** Traces held (kept or not). */
  get size(): number {
    return this.traces.size
  }

  /** Adds a note at `now`; `keep` marks its trace kept (sampled, or a failure). */
  add(note: TraceNote, now: number, keep = false): void {
    let e = this.traces.get(note.traceId)
    if (e) this.traces.delete(note.traceId)
    else e = { notes: [], kept: false, last: now }
    // Most recently used last: eviction takes the first.
    this.traces.set(note.traceId, e)
    e.last = now
    if (keep) e.kept = true
    if (e.kept || e.notes.length < this.limits.maxNotes) e.notes.push(note)
    this.evict(now)
  }

  /** Marks a trace kept (a `traceparent` arrived sampled); its held notes go with the next take. */
  keep(traceId: string, now: number): void {
    const e = this.traces.get(traceId)
    if (e) {
      e.kept = true
      e.last = now
    } else this.traces.set(traceId, { notes: [], kept: true, last: now })
    this.evict(now)
  }

  /** Whether `traceId` is kept. */
  isKept(traceId: string): boolean {
    return this.traces.get(traceId)?.kept ?? false
  }

  /** The notes of kept traces, oldest first; they leave the buffer (the traces stay kept). */
  take(): TraceNote[] {
    const out: TraceNote[] = []
    for (const e of this.traces.values()) {
      if (!e.kept || e.notes.length === 0) continue
      out.push(...e.notes)
      e.notes = []
    }
    return out.sort((a, b) => a.at - b.at)
  }

  private evict(now: number): void {
    for (const [id, e] of this.traces) {
      if (this.traces.size <= this.limits.maxTraces && now - e.last <= this.limits.keepMs) break
      this.traces.delete(id)
    }
  }
}
