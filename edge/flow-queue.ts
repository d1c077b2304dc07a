/**
 * @module edge/flow-queue
 * One ordered lane of a flow (docs/internal-hop.md, ordering): tasks run one at a time in the
 * order they were offered, each after the previous one has settled. A flow has two lanes: its
 * client's messages toward the core (one hop in flight, so the core takes them in the order the
 * client sent them, RFC 3261 §18 / RFC 7118 ordered transport) and the core's messages toward the
 * client (handed to the WebSocket in the order the flow received them). The lane holds nothing
 * once it is empty: no timer, no pending promise, so an idle flow can hibernate.
 */

export class FlowLane {
  private tail: Promise<void> = Promise.resolve()
  private waiting = 0

  /** @param limit the most tasks queued or running at once (`FLOW_QUEUE_LIMIT`). */
  constructor(private readonly limit: number) {}

  /** Tasks queued or running. */
  get depth(): number {
    return this.waiting
  }

  /**
   * Runs `task` after every task offered before it has settled. Undefined, without running it,
   * when the lane is full: the caller answers as for an overloaded flow.
   */
  offer<T>(task: () => Promise<T>): Promise<T> | undefined {
    if (this.waiting >= this.limit) return undefined
    this.waiting++
    const run = this.tail.then(task)
    const done = run.then(
      () => undefined,
      () => undefined
    )
    this.tail = done
    void done.then(() => {
      this.waiting--
      // Drop the chain once idle, so a settled lane keeps no promise alive.
      if (this.waiting === 0) this.tail = Promise.resolve()
    })
    return run
  }
}
