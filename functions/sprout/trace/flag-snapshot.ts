/**
 * @module sprout/trace/flag-snapshot
 * The per-IMPU full-tracing flags as this isolate knows them (docs/operations.md#traces): read
 * from the trace store once, when the isolate first routes an initial request, then again when
 * the ops API tells this region's Sprout they changed (`POST /trace/flags`), or every
 * `TRACE_FLAGS_REFRESH_S` when that is set. The read is one table query, made off the SIP path;
 * a message never waits for it (the first ones use what is known, or nothing).
 */
import type { TraceFlag } from '../../../shared/vellum/trace-store'

/** A read that failed is tried again after this long, not on every request. */
const RETRY_MS = 60_000

export class FlagSnapshot {
  private flags = new Map<string, number>()
  private loadedAt: number | undefined
  private loading: Promise<void> | undefined
  private failedAt: number | undefined

  constructor(private readonly refreshMs: number) {}

  /** Whether any IMPU is flagged (so a message's identities are worth reading). */
  get any(): boolean {
    return this.flags.size > 0
  }

  /** Whether any of `impus` is flagged at `now`. */
  flagged(impus: readonly string[], now: number): boolean {
    for (const i of impus) {
      const until = this.flags.get(i)
      if (until !== undefined && until > now) return true
    }
    return false
  }

  /** Whether the flags should be (re)read at `now`. */
  due(now: number): boolean {
    if (this.loading) return false
    if (this.failedAt !== undefined && now - this.failedAt < RETRY_MS) return false
    if (this.loadedAt === undefined) return true
    return this.refreshMs > 0 && now - this.loadedAt >= this.refreshMs
  }

  /** Reads the flags with `read`; concurrent calls share one read. */
  load(read: () => Promise<TraceFlag[]>, now: number): Promise<void> {
    this.loading ??= read()
      .then(
        (list) => {
          this.flags = new Map(list.map((f) => [f.impu, f.until]))
          this.loadedAt = now
          this.failedAt = undefined
        },
        (err: unknown) => {
          this.failedAt = now
          throw err
        }
      )
      .finally(() => {
        this.loading = undefined
      })
    return this.loading
  }
}
