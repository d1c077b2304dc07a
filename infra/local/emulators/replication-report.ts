/**
 * @module replication-report
 * What the local global table's replicator (table-replicator.ts) reports to the control API
 * (`GET /replication`): its settings, backlog, and counts since start.
 */
import type { Region } from '../../../shared/config/regions'

export type Direction = 'a->b' | 'b->a'

export interface ReplicationReport {
  lagMs: number
  jitterMs: number
  partitioned: boolean
  /** Either region down: replication waits, as across a partition. */
  paused: boolean
  pending: Record<Direction, number>
  /** Age of the oldest unreplicated write per direction, 0 when none. */
  oldestAgeMs: Record<Direction, number>
  /** Items copied (or deleted) per direction since start. */
  applied: Record<Direction, number>
  /** Copies not applied because the destination held a later write (last writer wins). */
  superseded: number
  /** Items deleted by the replicas' TTL processes. */
  ttlDeleted: number
  /** Copies that failed (each retried, or dropped as below). */
  errors: number
  /** Items not copied because their table is missing in a replica (after the attempts). */
  dropped: number
  /** Tables found missing in a replica, as `table in region`. */
  missingTables: string[]
}

export const dir = (from: Region): Direction => (from === 'a' ? 'a->b' : 'b->a')
