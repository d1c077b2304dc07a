/**
 * Waiting for the global table's replication in integration tests. The local cloud models the
 * table as two replicas with asynchronous per-item replication (`LOCAL_TABLE_MODE=mrec`, the
 * default; docs/geo-redundancy.md), so a write in one region reaches the other region's replica
 * after the replication delay, as in a deployment. A test that deliberately reads through the
 * other region right after a write (a client that switched regions) waits with
 * {@link waitForReplication} first, as that client would have to; a test that stays in the
 * region that wrote needs no wait. Under `mrsc` (one table) nothing replicates and the wait
 * returns at once.
 */
import { endpoints } from './cloud'

/** The part of `GET /replication` (control API) the wait reads. */
interface ReplicationState {
  mode: 'mrec' | 'mrsc'
  partitioned: boolean
  pending?: { 'a->b': number; 'b->a': number }
  /** Age of the oldest pending item's first unreplicated write, per direction. */
  oldestAgeMs?: { 'a->b': number; 'b->a': number }
}

export async function replicationState(): Promise<ReplicationState> {
  const res = await fetch(`${endpoints().control}/replication`)
  if (!res.ok) throw new Error(`GET /replication: ${res.status} ${await res.text()}`)
  return (await res.json()) as ReplicationState
}

/**
 * Resolves once every table write made before the call has reached the other region's replica:
 * nothing is pending either way, or every item still pending was first written after the call
 * began (so writes that go on meanwhile, such as registrations refreshing, cannot hold the wait
 * up). Throws when the regions are partitioned (nothing can drain) or after `timeoutMs`.
 */
export async function waitForReplication(timeoutMs = 20_000): Promise<void> {
  const start = Date.now()
  const deadline = start + timeoutMs
  for (;;) {
    const asked = Date.now()
    const r = await replicationState()
    if (r.mode !== 'mrec') return
    const pending = r.pending ?? { 'a->b': 0, 'b->a': 0 }
    if (pending['a->b'] === 0 && pending['b->a'] === 0) return
    // The report is made after `asked`: an item older than `asked - start` then was written
    // before the call.
    const oldest = Math.max(r.oldestAgeMs?.['a->b'] ?? 0, r.oldestAgeMs?.['b->a'] ?? 0)
    if (oldest < asked - start) return
    if (r.partitioned)
      throw new Error(`waitForReplication: the regions are partitioned, ${JSON.stringify(pending)}`)
    if (Date.now() > deadline)
      throw new Error(
        `waitForReplication: still pending after ${timeoutMs} ms: ${JSON.stringify(pending)}`
      )
    await new Promise((res) => setTimeout(res, 50))
  }
}
