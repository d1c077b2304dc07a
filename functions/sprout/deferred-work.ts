/**
 * @module sprout/deferred-work
 * Work that follows a SIP answer (NOTIFYs, third-party REGISTERs, HSS deregistrations): queued
 * while a request is handled, then handed to the runtime's `waitUntil` where there is one
 * (Workers), so the internal hop's 202 is not held back, or awaited before the answer where
 * there is not (Lambda ends the invocation with the response). A failed task is logged only.
 */
import type { Logger } from '../../shared/log/logger'

export class DeferredWork {
  private readonly tasks: Array<() => Promise<unknown>> = []

  constructor(private readonly log: Logger) {}

  add(task: () => Promise<unknown>): void {
    this.tasks.push(task)
  }

  /** Nothing is queued. */
  get idle(): boolean {
    return this.tasks.length === 0
  }

  /** Runs what was queued (and anything those tasks queue in turn). */
  async drain(): Promise<void> {
    while (this.tasks.length > 0) {
      const batch = this.tasks.splice(0)
      const out = await Promise.allSettled(batch.map((t) => t()))
      for (const r of out)
        if (r.status === 'rejected')
          this.log.warn('deferred work failed', { error: String(r.reason) })
    }
  }

  /** Hands the queue to `waitUntil` when the runtime has one; otherwise drains it now. */
  async settle(waitUntil: ((p: Promise<unknown>) => void) | undefined): Promise<void> {
    if (waitUntil) waitUntil(this.drain())
    else await this.drain()
  }
}
